/** On-site dispatch (出警): an escalated case sends on-duty officers to the scene. */
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

export interface DispatchPort {
  dispatchOnsite(request: DispatchRequest): Promise<DispatchTicket>;
}
