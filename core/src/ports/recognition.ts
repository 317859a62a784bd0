/** Recognition services: OCR of plates and licences, face comparison for identity. */
export interface PlateReading {
  plate: string | null;
  /** 0–1. */
  confidence: number;
  /** What the engine read, before normalisation (a real engine's evidence; drivers may omit it). */
  text?: string;
  /** The plate's corners in image pixels, clockwise from top-left. */
  box?: Array<[number, number]>;
}

/** One field read off a licence: the value, the engine's confidence, where it stands. */
export interface LicenceField {
  text: string;
  confidence: number;
  box: Array<[number, number]>;
}

/** Driver licence (驾驶证) or vehicle licence (行驶证) fields; a field not found is absent. */
export interface LicenceReading {
  kind: 'driver' | 'vehicle' | null;
  fields: Partial<Record<'name' | 'licenceNumber' | 'plate' | 'vin', LicenceField>>;
}

export interface OcrPort {
  readPlate(q: { tenant: string; image: Uint8Array; contentType: string }): Promise<PlateReading>;
  /** Licence fields; optional because development drivers read plates only. */
  readLicence?(q: { tenant: string; image: Uint8Array; contentType: string }): Promise<LicenceReading>;
}

/** Where a face was found in one image (pixels of that image). */
export interface FoundFace {
  /** Detection confidence, 0–1. */
  confidence: number;
  box: { x: number; y: number; width: number; height: number };
}

export interface FaceComparison {
  match: boolean;
  /** 0–1 similarity. */
  score: number;
  /** The score a match needs (the profile's option), for the seat to see beside the score. */
  threshold?: number;
  /** null when that image has no face (then match is false, score 0); absent when the driver does not say. */
  probeFace?: FoundFace | null;
  referenceFace?: FoundFace | null;
}

export interface FacePort {
  /** `threshold`, when given, is the bar the city's checklist sets (else the plugin's own option). */
  compare(q: { tenant: string; probe: Uint8Array; reference: Uint8Array; threshold?: number }): Promise<FaceComparison>;
}
