/**
 * Insurer port (定损理赔): one tap pushes the case to each vehicle's 交强险 insurer; in
 * claims.mode realtime the determination is also shared with those insurers as it is issued.
 * The core calls it from the deliveries outbox (core/src/deliveries/worker.ts), in the
 * background, retrying with backoff: a push may arrive more than once, always with the same
 * idempotency key, and an adapter's answer to a repeat must be the first answer.
 */
export interface ClaimPush {
  tenant: string;
  caseId: string;
  insurerId: string;
  plate: string;
  determinationNo: string;
  /** Public verification URL of the e-determination. */
  documentUrl: string;
  /** The party's phone, for the loss adjuster's call. */
  phone: string;
  liability: string;
  /** 'claim' (the party's report, default) or 'determination' (shared as issued, claims.mode realtime). */
  kind?: 'claim' | 'determination';
  /** The same on every retry of one push (the delivery's key). */
  idempotencyKey?: string;
}

export interface ClaimReceipt {
  /** The insurer's claim (or, for a shared determination, report) number. */
  claimNo: string;
  acceptedAt: Date;
}

/** How the outbox retries an adapter's pushes (defaults in core/src/deliveries/worker.ts). */
export interface DeliveryPolicy {
  /** Tries before the delivery is dead-lettered. */
  maxAttempts: number;
  /** Wait before the second try; doubles per try, with jitter. */
  backoffMs: number;
  maxBackoffMs: number;
}

export interface InsurerPort {
  pushClaim(claim: ClaimPush): Promise<ClaimReceipt>;
  readonly deliveryPolicy?: DeliveryPolicy;
}

/**
 * An error an adapter throws when the insurer refused the push for good (its content, not its
 * transport: an unknown policy, a malformed field) carries `permanent: true`: the delivery goes
 * dead at once instead of being retried.
 */
export interface PermanentRefusal extends Error {
  permanent: true;
  /** The insurer's own code (POLICY_EXPIRED …). */
  code?: string;
}
