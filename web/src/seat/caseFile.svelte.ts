/**
 * The case on the call, as the seat works it: the staff view of the case (checklist, evidence,
 * chain), refreshed when the live channel reports an event of this case, and the seat's
 * actions on it (text items, statement, notes, photos and clips, automatic checks, leave the
 * scene, escalate). What the seat typed lives in `drafts`, per case, outside the components:
 * an error, a dropped call or a reload of the panel never loses it.
 */
import type { CaseSummary, CaseView, ChecksBody, EvidenceReceipt, EvidenceView, LicenceReadingView, PlateReviewBody, RegistryCheckResult } from '@kuaichu/core/generated/types.ts';
import { captureFrame } from '@kuaichu/plugin-media-mediasoup/client';
import { api, ApiError, get, post } from '../lib/api.ts';

export interface Draft {
  texts: Record<string, string>;
  /** Each party's statement, by the party's name (or 当事人N while the names are not recorded). */
  statements: Record<string, string>;
  notes: string;
  driverName: string;
  driverId: string;
  plate: string;
  escalateReason: string;
  /** The checklist line the next capture is tagged to. */
  captureItem: string;
}

/** What the seat typed, per case (kept across drops and resumes of the same case). */
export const drafts = $state<Record<string, Draft>>({});

export function draftOf(caseId: string): Draft {
  drafts[caseId] ??= { texts: {}, statements: {}, notes: '', driverName: '', driverId: '', plate: '', escalateReason: '', captureItem: '' };
  return drafts[caseId]!;
}

/** The newest item of a checklist line that nothing supersedes (of one party, when given: its statement). */
export function current(evidence: readonly EvidenceView[], item: string, party?: string): EvidenceView | undefined {
  const superseded = new Set(evidence.map((e) => e.supersedes).filter(Boolean));
  return [...evidence].reverse().find((e) => e.item === item && !superseded.has(e.id) && (party === undefined || e.data.party === party));
}

const LIST_SPLIT = /[、,，;；\n]+/;

/** The party names the seat recorded (the checklist's list line counted per party). */
export function partyNames(view: CaseView | null): string[] {
  const line = view?.checklist?.lines.find((l) => l.kind === 'text' && l.per === 'party');
  const e = line && current(view?.evidence ?? [], line.id);
  if (!e) return [];
  const list = Object.values(e.data).find(Array.isArray) as unknown[] | undefined;
  const raw = list ? list.map(String) : typeof e.data.text === 'string' ? e.data.text.split(LIST_SPLIT) : [];
  return raw.map((x) => x.trim()).filter(Boolean);
}

export class CaseFile {
  view = $state<CaseView | null>(null);
  loadError = $state<unknown>(null);
  readonly id: string;
  #loading: Promise<void> | null = null;
  #again = false;

  constructor(id: string) {
    this.id = id;
  }

  get path(): string {
    return `/api/cases/${encodeURIComponent(this.id)}`;
  }

  /** Reloads the case; calls that arrive while one is running fold into one more load. */
  refresh(): Promise<void> {
    if (this.#loading) {
      this.#again = true;
      return this.#loading;
    }
    this.#loading = (async () => {
      do {
        this.#again = false;
        try {
          this.view = await get<CaseView>(this.path);
          this.loadError = null;
        } catch (err) {
          this.loadError = err;
          if (err instanceof ApiError && err.status === 401) throw err;
        }
      } while (this.#again);
    })().finally(() => (this.#loading = null));
    return this.#loading;
  }

  /** A typed item (text line, statement, note); a second save of the same line (of the same party) corrects the first. */
  async saveText(item: string, text: string, extra: { party?: string } = {}): Promise<EvidenceReceipt> {
    const prev = item === 'note' ? undefined : current(this.view?.evidence ?? [], item, extra.party);
    const r = await post<EvidenceReceipt>(`${this.path}/evidence`, { item, data: { text, ...extra }, ...(prev ? { supersedes: prev.id } : {}) });
    await this.refresh();
    return r;
  }

  /** 拍照取证: the party's current frame, tagged to a checklist line. */
  async capturePhoto(item: string, video: HTMLVideoElement): Promise<EvidenceReceipt> {
    const frame = await captureFrame(video);
    const n = (this.view?.evidence ?? []).filter((e) => e.item === item).length + 1;
    return this.#upload(item, frame.blob, `${item}-${n}.jpg`);
  }

  async uploadClip(item: string, clip: Blob): Promise<EvidenceReceipt> {
    const n = (this.view?.evidence ?? []).filter((e) => e.item === item).length + 1;
    return this.#upload(item, clip, `${item}-${n}.webm`);
  }

  /**
   * The same multipart POST as the media client's uploadEvidence (item field first, then the
   * file), through the app's API client so a failure is an ApiError the console can explain.
   */
  async #upload(item: string, file: Blob, filename: string): Promise<EvidenceReceipt> {
    const form = new FormData();
    form.append('item', item);
    form.append('file', file, filename);
    const r = await api<EvidenceReceipt>('POST', `${this.path}/evidence/file`, form);
    await this.refresh();
    return r;
  }

  async runChecks(body: ChecksBody): Promise<RegistryCheckResult[]> {
    const r = await post<RegistryCheckResult[]>(`${this.path}/checks`, body);
    await this.refresh();
    return r;
  }

  /** Confirms a plate reading (the same plate) or corrects it (another): a new item that supersedes it. */
  async reviewPlate(reading: string, plate: string): Promise<RegistryCheckResult> {
    const r = await post<RegistryCheckResult>(`${this.path}/checks/plate-review`, { reading, plate } satisfies PlateReviewBody);
    await this.refresh();
    return r;
  }

  /** 读取证件: the OCR's reading of a licence photo of this case (a pre-fill; nothing is recorded). */
  async readLicence(photo: string): Promise<LicenceReadingView> {
    return post<LicenceReadingView>(`${this.path}/licence-reading`, { photo });
  }

  async evacuate(): Promise<CaseSummary> {
    return post<CaseSummary>(`${this.path}/evacuate`);
  }

  async escalate(reason: string): Promise<CaseSummary> {
    return post<CaseSummary>(`${this.path}/escalate`, { reason });
  }
}
