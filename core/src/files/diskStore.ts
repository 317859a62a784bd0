/**
 * Files (recordings, photos, documents) on disk, addressed by their SHA-256: the same bytes
 * are stored once, and a file's name proves its content. Written to a temp name and renamed,
 * so a crash never leaves a half-written file under a real hash.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { FileStore } from '../ports/files.ts';

export function diskFileStore(dir: string): FileStore {
  mkdirSync(dir, { recursive: true });
  const where = (sha: string) => path.join(dir, sha.slice(0, 2), sha);
  return {
    async put(bytes, contentType) {
      const sha256 = createHash('sha256').update(bytes).digest('hex');
      const file = where(sha256);
      if (!existsSync(file)) {
        mkdirSync(path.dirname(file), { recursive: true });
        const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
        await writeFile(tmp, bytes);
        await rename(tmp, file);
      }
      return { sha256, size: bytes.byteLength, contentType };
    },
    async get(sha256) {
      if (!/^[0-9a-f]{64}$/.test(sha256)) return null;
      try {
        return new Uint8Array(await readFile(where(sha256)));
      } catch {
        return null;
      }
    },
    has: async (sha256) => /^[0-9a-f]{64}$/.test(sha256) && existsSync(where(sha256)),
    async remove(sha256) {
      if (/^[0-9a-f]{64}$/.test(sha256)) await rm(where(sha256), { force: true });
    },
  };
}
