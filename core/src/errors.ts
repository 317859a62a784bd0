/**
 * Every error the API can answer with, declared once with a stable code and an HTTP status.
 * Callers throw the named error; the HTTP layer renders `{ error: { code, message, details } }`.
 * Codes never change meaning: clients and analysts match on them.
 */
export class KcError extends Error {
  constructor(
    readonly code: string,
    readonly statusCode: number,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'KcError';
  }
}

type Maker = (message?: string, details?: Record<string, unknown>) => KcError;
const make = (code: string, status: number, fallback: string): Maker => (message, details) => new KcError(code, status, message ?? fallback, details);

export const Errors = {
  validation: make('KC_VALIDATION', 400, 'the request is not valid'),
  unauthenticated: make('KC_UNAUTHENTICATED', 401, 'sign in first'),
  badCredentials: make('KC_BAD_CREDENTIALS', 401, 'wrong user name or password'),
  otpInvalid: make('KC_OTP_INVALID', 401, 'the code is wrong or has expired'),
  /** details.retryAfterSeconds: when a new code can be requested from this device. */
  otpTooManyTries: make('KC_OTP_TOO_MANY_TRIES', 429, 'too many wrong codes; this code no longer works, request a new one later'),
  /** details.retryAfterSeconds: how long the lock still lasts. */
  accountLocked: make('KC_ACCOUNT_LOCKED', 429, 'too many failed sign-ins; this account is locked for a while'),
  channelTokenInvalid: make('KC_CHANNEL_TOKEN_INVALID', 401, 'the channel link is not valid or has expired'),
  forbidden: make('KC_FORBIDDEN', 403, 'your role does not allow this'),
  csrf: make('KC_CSRF', 403, 'missing or wrong X-CSRF-Token header'),
  notFound: make('KC_NOT_FOUND', 404, 'not found'),
  tenantNotFound: make('KC_TENANT_NOT_FOUND', 404, 'no such city'),
  caseNotFound: make('KC_CASE_NOT_FOUND', 404, 'no such case'),
  transitionNotAllowed: make('KC_TRANSITION_NOT_ALLOWED', 409, 'not allowed in the case’s current state'),
  checklistIncomplete: make('KC_CHECKLIST_INCOMPLETE', 409, 'the evidence checklist is not complete'),
  resumeWindowClosed: make('KC_RESUME_WINDOW_CLOSED', 409, 'the call can no longer be resumed'),
  reviewWindowClosed: make('KC_REVIEW_WINDOW_CLOSED', 409, 'the review window has closed'),
  seatBusy: make('KC_SEAT_BUSY', 409, 'the seat is on a call'),
  liabilityInconsistent: make('KC_LIABILITY_INCONSISTENT', 422, 'the liability grades do not fit together'),
  fileType: make('KC_FILE_TYPE', 415, 'this kind of file is not accepted'),
  unsupportedMediaType: make('KC_UNSUPPORTED_MEDIA_TYPE', 415, 'this content type is not accepted'),
  fileTooLarge: make('KC_FILE_TOO_LARGE', 413, 'the file is too large'),
  rateLimited: make('KC_RATE_LIMITED', 429, 'too many requests; try again shortly'),
  unavailable: make('KC_UNAVAILABLE', 503, 'a service the request needs is not available'),
  analyticsOff: make('KC_ANALYTICS_OFF', 503, 'analytics is switched off on this server (KUAICHU_ANALYTICS=off), or no analytics plugin is installed'),
} as const;
