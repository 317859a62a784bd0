/**
 * What an e-determination (道路交通事故认定书（简易程序）) says: the document's model and its
 * fixed wording, as the core hands it to the renderer (determinationPdf.ts) and hashes it for
 * verification (verification.ts).
 */
import type { LiabilityGrade } from '../generated/types.ts';

/** How each liability grade is printed. */
export const LIABILITY_LABELS: Readonly<Record<LiabilityGrade, string>> = {
  full: '全部责任',
  primary: '主要责任',
  equal: '同等责任',
  secondary: '次要责任',
  none: '无责任',
};

/** What the liability finding says of a party at each grade. */
export const LIABILITY_PHRASES: Readonly<Record<LiabilityGrade, string>> = {
  full: '承担此事故的全部责任',
  primary: '承担此事故的主要责任',
  equal: '承担此事故的同等责任',
  secondary: '承担此事故的次要责任',
  none: '无责任',
};

export type PartyRoleLabel = '甲方' | '乙方' | '丙方' | '丁方';
export const ROLES: readonly PartyRoleLabel[] = ['甲方', '乙方', '丙方', '丁方'];

export interface DeterminationParty {
  /** As printed: the caller decides whether it is masked (maskName) or full. */
  name: string;
  role: PartyRoleLabel;
  /** As printed: masked (maskPlate) or full. */
  plate: string;
  /** 车辆类型, e.g. 小型轿车; may be empty (printed as —). */
  vehicleClass: string;
  /** Insurer of the vehicle's compulsory insurance (交强险); may be empty (printed as —). */
  insurer: string;
  /** 过错行为: the fault behaviour the officer found; "无" when there is none. */
  faultBehaviour: string;
  liability: LiabilityGrade;
}

/**
 * The documents this model prints: the officer's e-determination, and the parties' own
 * self-negotiated agreement of the photo path (自行协商协议书, issue 18) — the same page with
 * another title, the parties' signatures instead of the review notice, and the same
 * verification (code, QR, /verify). Absent = determination (documents issued before).
 * The third kind (issue 14): the mediation agreement of an online mediation (调解协议书) — the
 * mediator's record of who pays whom how much, signed by both parties the same way.
 */
export type DocumentKind = 'determination' | 'agreement' | 'mediation';

/** What a mediation settled (调解结果), as printed on the 调解协议书. */
export interface MediationTerms {
  /** The mediator organisation and person (调解员). */
  mediator: string;
  /** Role labels of who pays and who is paid. */
  payer: PartyRoleLabel;
  payee: PartyRoleLabel;
  /** In fen (分); printed in yuan with the amount in Chinese capitals. */
  amountFen: number;
  /** Further terms agreed (payment time, way, etc.); may be empty. */
  terms: string;
  /** When the mediation was held (ISO 8601, kept as text like the signatures). */
  heldAt: string;
}

/** A party's electronic signature on an agreement: when, and how (an SMS code to the party's phone). */
export interface DocumentSignature {
  role: PartyRoleLabel;
  name: string;
  /** ISO 8601 (kept as text: the stored content is what is hashed and printed). */
  at: string;
  method: 'sms_code';
  /** The phone the code went to, masked (138****5678). */
  phone: string;
}

export interface DeterminationDocument {
  kind?: DocumentKind;
  /** An agreement's signatures, one per party in role order (only on an agreement or a mediation agreement). */
  signatures?: DocumentSignature[];
  /** A mediation agreement's settlement (only on kind mediation). */
  mediation?: MediationTerms;
  /** Document number, e.g. HRB-2026-000123. */
  number: string;
  /** Issuing bureau, e.g. 哈尔滨市公安局交通警察支队. */
  bureau: string;
  /** Brigade that handled the case, e.g. 道里交通警察大队. */
  brigade: string;
  /** City name, e.g. 哈尔滨市; prefixed to the address when the address lacks it. */
  city: string;
  /** IANA zone of the city; every time is printed in local time. */
  timeZone: string;
  issuedAt: Date;
  accident: {
    time: Date;
    /** Street address as confirmed by the party (may be empty when the district is given). */
    address: string;
    /** District, e.g. 道里区 (may be empty when the address is given). */
    district: string;
    lng: number;
    lat: number;
    /** Accident type as text, e.g. 追尾. */
    type: string;
  };
  /** 事故事实: one paragraph (at most MAX_FACTS_CHARS characters). */
  facts: string;
  /** One to four parties, in role order. */
  parties: DeterminationParty[];
  /** Head of the case's evidence hash chain, hex SHA-256. */
  evidenceChainHead: string;
  /** Days after service within which a party may apply for review (3 in every source city). */
  reviewWindowDays: number;
  /**
   * The review notice as printed; `{days}` becomes the window in Chinese numerals.
   * Default: DEFAULT_REVIEW_NOTICE.
   */
  reviewNotice?: string;
  /** Public verification: the URL in the QR code (and printed under it) and the code. */
  verification: { url: string; code: string };
}

export const DEFAULT_REVIEW_NOTICE =
  '当事人对本认定有异议的，可自本认定书送达之日起{days}日内，向上一级公安机关交通管理部门书面申请复核。';

export const MAX_FACTS_CHARS = 1200;

export const DETERMINATION_TITLE = '道路交通事故认定书（简易程序）';
export const AGREEMENT_TITLE = '道路交通事故自行协商协议书';
export const MEDIATION_TITLE = '道路交通事故损害赔偿调解协议书';

/** The title printed for a document of this kind. */
export function documentTitle(doc: Pick<DeterminationDocument, 'kind'>): string {
  return doc.kind === 'agreement' ? AGREEMENT_TITLE : doc.kind === 'mediation' ? MEDIATION_TITLE : DETERMINATION_TITLE;
}

/** The parties sign it (an agreement or a mediation agreement): signatures instead of the review notice. */
export const isSigned = (doc: Pick<DeterminationDocument, 'kind'>): boolean => doc.kind === 'agreement' || doc.kind === 'mediation';
