/**
 * The metrics as CSV for a spreadsheet: one row per group and a last row for the total.
 * UTF-8 with a byte-order mark and CRLF line ends, because that is what makes Excel (the
 * analysts' tool) read Chinese district and seat names correctly instead of as mojibake.
 */
import type { DurationStats, MetricGroup, Metrics } from '../ports/analytics.ts';

const COUNTS = ['reports', 'eligible', 'refused', 'answered', 'abandoned', 'escalated', 'evacuated', 'determined', 'served', 'reviews', 'claims', 'closed', 'photoCases', 'agreements', 'onlineDeterminations', 'mediations', 'mediationsAgreed', 'mediationsNotAgreed', 'mediationNoShows', 'directPayCases', 'directPayVouchers', 'directPayVouchersRevoked', 'directPayAdvancedFen', 'directPaySettledFen', 'rescues', 'rescuesArrived', 'rescuesCompleted'] as const;
const RATES = ['abandonmentRate', 'serviceLevel', 'reviewRate', 'escalationRate', 'photoShare', 'agreementShare', 'mediationAgreementRate'] as const;
const DURATIONS = ['speedOfAnswer', 'handlingTime', 'timeOnScene', 'timeToDetermination', 'timeToService', 'claimPushLatency', 'endToEnd', 'reportToAgreement', 'mediationBookingToAgreement', 'mediationOpenToAgreement', 'directPayScanToSettlement', 'directPayBillToSettlement', 'rescueArrival'] as const;
const STATS = ['n', 'mean', 'p50', 'p90', 'p95'] as const satisfies ReadonlyArray<keyof DurationStats>;

/** Column names: stable, ASCII, one per value (durations in seconds, rates 0–1). */
export const CSV_HEADER: readonly string[] = [
  'group_by', 'key', 'label',
  ...COUNTS, ...RATES,
  ...DURATIONS.flatMap((d) => STATS.map((s) => `${d}_${s}_s`.replace('_n_s', '_n'))),
];

export interface CsvRow extends Metrics {
  key: string | number;
  label: string;
}

export function metricsCsv(groupBy: MetricGroup, groups: readonly CsvRow[], total: Metrics): string {
  const line = (groupKey: string, r: CsvRow) => [
    groupKey, r.key, r.label,
    ...COUNTS.map((c) => r[c]),
    ...RATES.map((c) => r[c]),
    ...DURATIONS.flatMap((d) => STATS.map((s) => r[d][s])),
  ].map(cell).join(',');
  const rows = [CSV_HEADER.join(','), ...groups.map((g) => line(groupBy, g)), line('total', { ...total, key: '', label: '合计 total' })];
  return `\uFEFF${rows.join('\r\n')}\r\n`;
}

/**
 * RFC 4180 quoting; text that a spreadsheet would run as a formula (= + - @, tab, CR) is
 * prefixed with a quote mark — a district or seat name must never become a formula.
 */
function cell(v: string | number | null): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
  const text = /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
