/** The wire shapes of the 云车通 services (core/src/http/routes/aftercarePlatform.ts). */
export interface Bill {
  id: string; caseId: string; caseNumber: string; status: 'issued' | 'admitted' | 'billed' | 'settled' | 'revoked';
  insurerId: string; insurer: { zh: string; en: string }; hospital: string | null; treatment: string | null; amountFen: number | null;
  issuedAt: string; expiresAt: string; admittedAt: string | null; billedAt: string | null; settledAt: string | null; settlementRef: string | null;
  injuredName: string; injuredIdNumber: string | null; code?: string; qrSvg?: string;
}
export interface Rescue {
  id: string; workOrderNo: string; status: string; lng: number; lat: number; insurerReportNo: string | null;
  vehicle: { plate: string; company: string; crew: string; lng: number; lat: number; positionAt: string } | null;
  distanceKm: number | null; etaMinutes: number | null;
}
export interface TowJob {
  vehicle: { id: string; plate: string; status: string; lng: number; lat: number; positionAt: string } | null;
  job: { id: string; workOrderNo: string; caseNumber: string; status: string; offerExpiresAt: string | null; lng: number; lat: number; distanceKm: number } | null;
}
/** 分 → ¥ with two decimals. */
export const yuan = (fen: number | null) => (fen === null ? '—' : `¥${(fen / 100).toFixed(2)}`);
