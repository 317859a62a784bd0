/** Recognition services: OCR of plates and licences, face comparison for identity. */
export interface PlateReading {
  plate: string | null;
  /** 0–1. */
  confidence: number;
}

export interface OcrPort {
  readPlate(q: { tenant: string; image: Uint8Array; contentType: string }): Promise<PlateReading>;
}

export interface FaceComparison {
  match: boolean;
  /** 0–1 similarity. */
  score: number;
}

export interface FacePort {
  compare(q: { tenant: string; probe: Uint8Array; reference: Uint8Array }): Promise<FaceComparison>;
}
