/** What the simulation keeps about seats and cases, the events it plans, and what it counts. */
import type { Session } from './http.ts';
import type { Paperwork } from './paperwork.ts';

export type SeatState = 'off' | 'idle' | 'ringing' | 'busy';

export interface Seat {
  username: string;
  brigadeId: string;
  state: SeatState;
  idleSince: number;
  /** Off duty as soon as the call in hand (and the queue it could take) is done. */
  leaving: boolean;
}

export type CaseState = 'waiting' | 'ringing' | 'in_call' | 'dropped' | 'evacuated' | 'done';

export interface Case {
  id: string;
  phone: string;
  party: Session;
  brigadeId: string;
  paperwork: Paperwork;
  state: CaseState;
  reportedAt: number;
  queuedAt: number;
  preferredSeat: Seat | null;
  seat: Seat | null;
  answeredAt: number | null;
  callStartedAt: number;
  remainingMs: number;
  plan: { drop: boolean; escalate: boolean; claim: boolean; review: boolean };
}

export type Event =
  | { type: 'arrival' }
  | { type: 'roster' }
  | { type: 'tick' }
  | { type: 'answer'; c: Case; seat: Seat }
  | { type: 'abandon'; c: Case }
  | { type: 'evidence'; c: Case }
  | { type: 'evacuate'; c: Case }
  | { type: 'escalate'; c: Case; reason: string }
  | { type: 'drop'; c: Case }
  | { type: 'resume'; c: Case }
  | { type: 'determine'; c: Case }
  | { type: 'claim'; c: Case }
  | { type: 'review'; c: Case }
  | { type: 'decide'; c: Case; reviewId: string };

/** Work after the call, left undone when it falls after the simulated period. */
export const BACK_OFFICE = new Set<Event['type']>(['determine', 'claim', 'review', 'decide']);

export interface Counts {
  reports: number;
  refused: number;
  eligible: number;
  answered: number;
  abandoned: number;
  answeredInTarget: number;
  escalated: number;
  checksFailed: number;
  dropped: number;
  evacuated: number;
  served: number;
  claims: number;
  reviews: number;
  /** Report → first answer (s) of each answered case, with the local hour of the report. */
  waits: Array<{ hour: number; seconds: number }>;
  /** First answer → leave notice (s) of each evacuated case. */
  handling: number[];
}

export function zeroCounts(): Counts {
  return { reports: 0, refused: 0, eligible: 0, answered: 0, abandoned: 0, answeredInTarget: 0, escalated: 0, checksFailed: 0, dropped: 0, evacuated: 0, served: 0, claims: 0, reviews: 0, waits: [], handling: [] };
}
