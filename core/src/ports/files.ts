/** Content-addressed file store for recordings, photos and documents (SHA-256 keyed). */
export interface StoredFile {
  sha256: string;
  size: number;
  contentType: string;
}

export interface FileStore {
  put(bytes: Uint8Array, contentType: string): Promise<StoredFile>;
  get(sha256: string): Promise<Uint8Array | null>;
  has(sha256: string): Promise<boolean>;
  /** Deletes a file nothing refers to (an upload whose evidence item was refused); no error when absent. */
  remove(sha256: string): Promise<void>;
}
