/**
 * The case lifecycle: every event that changes a case, the states it may happen in, and the
 * state it leads to. This table is the only place transitions are decided; the repository
 * refuses anything not listed here (409 with the current state).
 *
 *   reported ─┬─ eligible ──▶ queued ◀──── ring timeout ──┐
 *             └─ refused ──▶ ineligible                    │
 *   queued ──▶ ringing ──▶ in_call ──▶ evidence_complete ──▶ evacuated ──▶ determined ──▶ served
 *                 in_call / evidence_complete ── drop ──▶ interrupted ── 继续处理 ──▶ queued (front)
 *   served ──▶ review_requested ──▶ reviewed;  served / reviewed ──▶ claim_pushed
 *   served / reviewed / claim_pushed ── review window over, no review open ──▶ closed (结案);
 *   a claim may still be pushed from a closed case, which stays closed
 *   any state before leaving the scene ── escalate ──▶ escalated_onsite
 *
 * The photo path (事故快处, issue 18; core/src/photoPath/): no seat, no call.
 *   photo.reported ──▶ photo_capture ── left the scene ──▶ photo_statements ── liability proposed ──▶ agreement_pending
 *   agreement_pending ── both signed ──▶ agreed (自行协商协议书 issued)
 *   photo_statements / agreement_pending ── online determination asked ──▶ evacuated (the officer desk, as above)
 *   photo_capture … evacuated ── a party withdraws (no signature yet, not determined) ──▶ abandoned
 */
export const CASE_STATES = [
  'reported', 'ineligible', 'queued', 'ringing', 'in_call', 'interrupted', 'evidence_complete', 'evacuated',
  'determined', 'served', 'review_requested', 'reviewed', 'claim_pushed', 'closed', 'escalated_onsite', 'abandoned',
  'photo_capture', 'photo_statements', 'agreement_pending', 'agreed',
] as const;
export type CaseState = (typeof CASE_STATES)[number];

/** States in which a case may be mediated online (线上调解): handled by a seat, escalated, or agreed on the photo path. */
const MEDIATION_STATES = [
  'in_call', 'interrupted', 'evidence_complete', 'evacuated', 'determined', 'served', 'review_requested', 'reviewed',
  'claim_pushed', 'closed', 'escalated_onsite', 'agreed',
] as const satisfies readonly CaseState[];

/** `stays`: states (among `from`) in which the event happens without changing the state. */
type Transition = { from: readonly (CaseState | null)[]; to: CaseState | 'same'; stays?: readonly CaseState[] };

export const TRANSITIONS = {
  'case.reported':       { from: [null],                                                        to: 'queued' },
  'case.refused':        { from: [null],                                                        to: 'ineligible' },
  'case.ringing':        { from: ['queued'],                                                    to: 'ringing' },
  'case.ring_timeout':   { from: ['ringing'],                                                   to: 'queued' },
  'case.answered':       { from: ['ringing'],                                                   to: 'in_call' },
  'call.dropped':        { from: ['in_call', 'evidence_complete'],                              to: 'interrupted' },
  'call.resumed':        { from: ['interrupted'],                                               to: 'queued' },
  'case.abandoned':      { from: ['queued', 'ringing', 'interrupted'],                          to: 'abandoned' },
  // Outside the call (queued … abandoned) only the call's own recording may still arrive: evidence.ts.
  'evidence.added':      { from: ['queued', 'ringing', 'in_call', 'interrupted', 'evidence_complete', 'evacuated', 'escalated_onsite', 'abandoned', 'photo_capture'], to: 'same' },
  'evidence.completed':  { from: ['in_call'],                                                   to: 'evidence_complete' },
  'case.evacuated':      { from: ['evidence_complete'],                                         to: 'evacuated' },
  'case.escalated':      { from: ['queued', 'ringing', 'in_call', 'interrupted', 'evidence_complete'], to: 'escalated_onsite' },
  'case.determined':     { from: ['evacuated', 'reviewed'],                                     to: 'determined' },
  'case.served':         { from: ['determined'],                                                to: 'served' },
  'review.requested':    { from: ['served', 'claim_pushed'],                                    to: 'review_requested' },
  'review.decided':      { from: ['review_requested'],                                          to: 'reviewed' },
  // An agreement of the photo path (agreed) may be claimed on too; the case stays agreed (no review of an agreement).
  'claim.pushed':        { from: ['served', 'reviewed', 'claim_pushed', 'closed', 'agreed'],    to: 'claim_pushed', stays: ['closed', 'agreed'] },
  'case.closed':         { from: ['served', 'reviewed', 'claim_pushed'],                        to: 'closed' },
  // The on-site officers' status as the dispatch system reports it back (dispatch-http's callback); the case stays escalated.
  'onsite.dispatched':   { from: ['escalated_onsite'],                                          to: 'same' },
  'onsite.arrived':      { from: ['escalated_onsite'],                                          to: 'same' },
  'onsite.closed':       { from: ['escalated_onsite'],                                          to: 'same' },
  // The photo path (photoPath/photoCase.ts). Shots are evidence.added (photo_capture; evacuated when the officer asks for more).
  'photo.reported':      { from: [null],                                                        to: 'photo_capture' },
  'photo.left_scene':    { from: ['photo_capture'],                                             to: 'photo_statements' },
  'photo.party_joined':  { from: ['photo_capture', 'photo_statements', 'agreement_pending', 'evacuated'], to: 'same' },
  // A statement while a proposal waits for signatures withdraws the proposal: the facts changed.
  'photo.statement':     { from: ['photo_capture', 'photo_statements', 'agreement_pending'],    to: 'photo_statements', stays: ['photo_capture'] },
  'photo.liability_proposed': { from: ['photo_statements', 'agreement_pending'],                to: 'agreement_pending' },
  'photo.signed':        { from: ['agreement_pending'],                                         to: 'same' },
  'photo.agreed':        { from: ['agreement_pending'],                                         to: 'agreed' },
  'photo.online_requested': { from: ['photo_statements', 'agreement_pending'],                  to: 'evacuated' },
  'photo.more_photos_requested': { from: ['evacuated'],                                         to: 'same' },
  'photo.acknowledged':  { from: ['served', 'claim_pushed', 'reviewed', 'review_requested', 'closed'], to: 'same' },
  // 撤销: either party, before a signature (photoCase.ts checks none) and before a determination.
  'photo.cancelled':     { from: ['photo_capture', 'photo_statements', 'agreement_pending', 'evacuated'], to: 'abandoned' },
  // Online mediation (线上调解, issue 14; core/src/mediation/): a track beside the case's own, in any state once a seat
  // has handled it or the parties agreed; the case's state does not change (the mediation's status is its own).
  'mediation.scheduled': { from: MEDIATION_STATES,                                              to: 'same' },
  'mediation.opened':    { from: MEDIATION_STATES,                                              to: 'same' },
  'mediation.recorded':  { from: MEDIATION_STATES,                                              to: 'same' },
  'mediation.signed':    { from: MEDIATION_STATES,                                              to: 'same' },
  'mediation.agreed':    { from: MEDIATION_STATES,                                              to: 'same' },
  'mediation.no_show':   { from: MEDIATION_STATES,                                              to: 'same' },
  // Injury direct-pay (人伤直赔) and one-key rescue (一键救援), issue 14 (core/src/directPay/, core/src/rescue/): their own
  // records' steps, written on the case for the timeline and the analytics; allowed in any state (the voucher is scanned and
  // settled days later, a rescue asked at any time), the case's state does not change.
  'direct_pay.issued':   { from: CASE_STATES,                                                   to: 'same' },
  'direct_pay.admitted': { from: CASE_STATES,                                                   to: 'same' },
  'direct_pay.billed':   { from: CASE_STATES,                                                   to: 'same' },
  'direct_pay.settled':  { from: CASE_STATES,                                                   to: 'same' },
  'direct_pay.revoked':  { from: CASE_STATES,                                                   to: 'same' },
  'rescue.requested':    { from: CASE_STATES,                                                   to: 'same' },
  'rescue.arrived':      { from: CASE_STATES,                                                   to: 'same' },
  'rescue.completed':    { from: CASE_STATES,                                                   to: 'same' },
} as const satisfies Record<string, Transition>;

export type CaseEventType = keyof typeof TRANSITIONS;

/** The state after `event` from `state`, or null when the table does not allow it. */
export function nextState(state: CaseState | null, event: CaseEventType): CaseState | null {
  const t: Transition = TRANSITIONS[event];
  if (!t.from.includes(state)) return null;
  return t.to === 'same' || (state && t.stays?.includes(state)) ? state : t.to;
}

/** States a case can still change from before the parties leave the scene. */
export const ON_SCENE: readonly CaseState[] = ['queued', 'ringing', 'in_call', 'interrupted', 'evidence_complete'];
