/**
 * A case's domain event as it travels (outbox → bus → consumers): types only, so the bus port,
 * the context and plugins can name an event without importing the persistence code that writes it.
 */
import type * as Ev from '../generated/types.ts';
import type { CaseEventType } from '../cases/transitions.ts';

/** Payload type of each event, from schemas/events/. */
export interface EventPayloads {
  'case.reported': Ev.CaseReportedPayload;
  'case.refused': Ev.CaseRefusedPayload;
  'case.ringing': Ev.CaseRingingPayload;
  'case.ring_timeout': Ev.CaseRingTimeoutPayload;
  'case.answered': Ev.CaseAnsweredPayload;
  'call.dropped': Ev.CallDroppedPayload;
  'call.resumed': Ev.CallResumedPayload;
  'case.abandoned': Ev.CaseAbandonedPayload;
  'evidence.added': Ev.EvidenceAddedPayload;
  'evidence.completed': Ev.EvidenceCompletedPayload;
  'case.evacuated': Ev.CaseEvacuatedPayload;
  'case.escalated': Ev.CaseEscalatedPayload;
  'case.determined': Ev.CaseDeterminedPayload;
  'case.served': Ev.CaseServedPayload;
  'review.requested': Ev.ReviewRequestedPayload;
  'review.decided': Ev.ReviewDecidedPayload;
  'claim.pushed': Ev.ClaimPushedPayload;
  'case.closed': Ev.CaseClosedPayload;
  'onsite.dispatched': Ev.OnsiteDispatchedPayload;
  'onsite.arrived': Ev.OnsiteArrivedPayload;
  'onsite.closed': Ev.OnsiteClosedPayload;
  'photo.reported': Ev.PhotoReportedPayload;
  'photo.left_scene': Ev.PhotoLeftScenePayload;
  'photo.party_joined': Ev.PhotoPartyJoinedPayload;
  'photo.statement': Ev.PhotoStatementPayload;
  'photo.liability_proposed': Ev.PhotoLiabilityProposedPayload;
  'photo.signed': Ev.PhotoSignedPayload;
  'photo.agreed': Ev.PhotoAgreedPayload;
  'photo.online_requested': Ev.PhotoOnlineRequestedPayload;
  'photo.more_photos_requested': Ev.PhotoMorePhotosRequestedPayload;
  'photo.acknowledged': Ev.PhotoAcknowledgedPayload;
  'photo.cancelled': Ev.PhotoCancelledPayload;
  'mediation.scheduled': Ev.MediationScheduledPayload;
  'mediation.opened': Ev.MediationOpenedPayload;
  'mediation.recorded': Ev.MediationRecordedPayload;
  'mediation.signed': Ev.MediationSignedPayload;
  'mediation.agreed': Ev.MediationAgreedPayload;
  'mediation.no_show': Ev.MediationNoShowPayload;
  'direct_pay.issued': Ev.DirectPayIssuedPayload;
  'direct_pay.admitted': Ev.DirectPayAdmittedPayload;
  'direct_pay.billed': Ev.DirectPayBilledPayload;
  'direct_pay.settled': Ev.DirectPaySettledPayload;
  'direct_pay.revoked': Ev.DirectPayRevokedPayload;
  'rescue.requested': Ev.RescueRequestedPayload;
  'rescue.arrived': Ev.RescueArrivedPayload;
  'rescue.completed': Ev.RescueCompletedPayload;
}

export interface CaseEvent<T extends CaseEventType = CaseEventType> {
  id: string;
  tenant: string;
  caseId: string;
  seq: number;
  type: T;
  at: string;
  actor: string;
  payload: EventPayloads[T];
}
