/**
 * On-site dispatch (出警): an escalated case sends on-duty officers to the scene. The command
 * centre reports the officers' status back (dispatched, arrived, closed) to the core's signed
 * callback route (POST /api/integrations/dispatch/:tenant/status), which an adapter that
 * supports it lets the core verify (`verifyCallback`); each report becomes a case event.
 */
export interface DispatchRequest {
  tenant: string;
  caseId: string;
  brigadeId: string | null;
  location: { lng: number; lat: number };
  reason: string;
}

export interface DispatchTicket {
  ticket: string;
  acceptedAt: Date;
}

/** The on-site officers' status as the command centre reports it. */
export type OnsiteStatus = 'dispatched' | 'arrived' | 'closed';

/** A callback as it reached the core: enough to check its signature over the exact bytes. */
export interface CallbackRequest {
  method: string;
  /** Path and query as sent. */
  path: string;
  body: string;
  headers: Record<string, string | string[] | undefined>;
}

export interface DispatchPort {
  dispatchOnsite(request: DispatchRequest): Promise<DispatchTicket>;
  /** Whether a status callback carries the command centre's valid signature (absent: the adapter takes no callbacks). */
  verifyCallback?(req: CallbackRequest): { ok: true } | { ok: false; reason: string };
}
