// Photos from video (视频截图): the party's current frame at the resolution it is received, drawn on a
// canvas of the video's own size (not the size of the element on screen).
export interface CapturedFrame {
  blob: Blob;
  width: number;
  height: number;
}

export async function captureFrame(video: HTMLVideoElement, type = 'image/jpeg', quality = 0.92): Promise<CapturedFrame> {
  const width = video.videoWidth;
  const height = video.videoHeight;
  if (!width || !height) throw new Error('the video has no frame yet');
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const g = canvas.getContext('2d');
  if (!g) throw new Error('no 2D canvas');
  g.drawImage(video, 0, 0, width, height);
  const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, type, quality));
  if (!blob) throw new Error('the frame could not be encoded');
  return { blob, width, height };
}

/**
 * Stores a still as an evidence item through POST /api/cases/:id/evidence/file (hash-chained like
 * every item). `headers` carries the session: a bearer token, or the CSRF token with the cookie.
 */
export async function uploadEvidence(caseId: string, item: string, file: Blob, filename: string, headers: Record<string, string> = {}, base = ''): Promise<{ id: string; seq: number; hash: string; sha256: string; contentType: string }> {
  const form = new FormData();
  form.append('item', item); // the field must come before the file
  form.append('file', file, filename);
  const res = await fetch(`${base}/api/cases/${encodeURIComponent(caseId)}/evidence/file`, { method: 'POST', body: form, headers, credentials: 'same-origin' });
  const body = (await res.json()) as { error?: { message: string } };
  if (!res.ok) throw new Error(`upload failed (${res.status}): ${body.error?.message ?? ''}`);
  return body as { id: string; seq: number; hash: string; sha256: string; contentType: string };
}
