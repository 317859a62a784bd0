/**
 * Every error the API can answer with, declared once with a stable code, an HTTP status and
 * when it is given. Callers throw the named error; the HTTP layer renders
 * `{ error: { code, message, details } }`. Codes never change meaning: clients and analysts
 * match on them. docs/errors.md is generated from this table (`npm run docs:errors`), and
 * web/test/errorsDoc.test.ts fails when a code is made anywhere else or the page is stale.
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

/** Makes the error (the default message unless one is given); carries its code, status and when for matching and docs. */
export interface Maker<C extends string = string> {
  (message?: string, details?: Record<string, unknown>): KcError;
  readonly code: C;
  readonly status: number;
  /** When the API gives it, in a sentence (docs/errors.md). */
  readonly when: string;
}

function make<C extends string>(code: C, status: number, fallback: string, when: string): Maker<C> {
  return Object.assign((message?: string, details?: Record<string, unknown>) => new KcError(code, status, message ?? fallback, details), { code, status, when });
}

export const Errors = {
  validation: make('KC_VALIDATION', 400, 'the request is not valid',
    'a body, query or path breaks its schema, or a value fails a check (details name the field or list the errors)'),
  badRequest: make('KC_BAD_REQUEST', 400, 'the request is not valid',
    'the server refuses a request before any handler for a reason no more specific code names (the framework’s message is passed on)'),
  unauthenticated: make('KC_UNAUTHENTICATED', 401, 'sign in first', 'no valid session for a route that needs one'),
  badCredentials: make('KC_BAD_CREDENTIALS', 401, 'wrong user name or password', 'a staff sign-in with a wrong user name or password'),
  otpInvalid: make('KC_OTP_INVALID', 401, 'the code is wrong or has expired', 'a party’s SMS code is wrong or expired'),
  otpTooManyTries: make('KC_OTP_TOO_MANY_TRIES', 429, 'too many wrong codes; this code no longer works, request a new one later',
    'too many wrong SMS codes: the code is void (details.retryAfterSeconds: when a new code can be requested from this device)'),
  accountLocked: make('KC_ACCOUNT_LOCKED', 429, 'too many failed sign-ins; this account is locked for a while',
    'too many failed staff sign-ins (details.retryAfterSeconds: how long the lock still lasts)'),
  signatureInvalid: make('KC_SIGNATURE_INVALID', 401, 'the request signature is missing, stale or wrong',
    'a counterpart’s callback (the dispatch desk’s officer status) without a valid KC1 signature of a key the city’s integration names'),
  receiptTokenInvalid: make('KC_RECEIPT_TOKEN_INVALID', 401, 'the receipt push carries no token or a wrong one',
    'an SMS gateway’s delivery-receipt push whose URL lacks the city’s receipt token (or the city configured none)'),
  channelTokenInvalid: make('KC_CHANNEL_TOKEN_INVALID', 401, 'the channel link is not valid or has expired',
    'a channel’s entry link (e.g. WeChat) is malformed, forged, for another city or expired'),
  forbidden: make('KC_FORBIDDEN', 403, 'your role does not allow this', 'the signed-in role may not do this, or not on this case'),
  csrf: make('KC_CSRF', 403, 'missing or wrong X-CSRF-Token header', 'a state-changing request without the session’s X-CSRF-Token'),
  notFound: make('KC_NOT_FOUND', 404, 'not found', 'no such route or resource'),
  tenantNotFound: make('KC_TENANT_NOT_FOUND', 404, 'no such city', 'the city (tenant) in the path is not served'),
  cityNotLive: make('KC_CITY_NOT_LIVE', 409, 'remote handling has not started in this city yet: its profile is a draft; call 122',
    'a report or pre-check in a city whose profile is a draft (`status: draft`, from `kuaichu init-city`) until the bureau publishes it with `status: active`'),
  caseNotFound: make('KC_CASE_NOT_FOUND', 404, 'no such case', 'no such case, or it belongs to another city or is not the caller’s to see'),
  documentNotFound: make('KC_DOCUMENT_NOT_FOUND', 404, '未找到该认定书：编码无效或文书已被更改。No document with this code.',
    'a verification code (/verify) that is malformed or names no document'),
  transitionNotAllowed: make('KC_TRANSITION_NOT_ALLOWED', 409, 'not allowed in the case’s current state',
    'the case’s state does not allow this step (details name the current state)'),
  checklistIncomplete: make('KC_CHECKLIST_INCOMPLETE', 409, 'the evidence checklist is not complete', 'evidence is completed while the city’s checklist still lacks items'),
  resumeWindowClosed: make('KC_RESUME_WINDOW_CLOSED', 409, 'the call can no longer be resumed', 'a dropped call is resumed after the city’s resume window'),
  reviewWindowClosed: make('KC_REVIEW_WINDOW_CLOSED', 409, 'the review window has closed', 'a review (复核) is requested after the city’s review window'),
  seatBusy: make('KC_SEAT_BUSY', 409, 'the seat is on a call', 'a seat changes its status while ringing or on a call'),
  seatNotAvailable: make('KC_SEAT_NOT_AVAILABLE', 409, 'the seat is not signed in and free',
    'a supervisor reassigns a waiting case to a seat that is away, ringing, on a call or (where the city keeps a roster) off shift'),
  rosterInvalid: make('KC_ROSTER_INVALID', 422, 'the shifts have problems and were not saved',
    'a seat’s shifts overlap, run zero minutes, or name a skill the city does not declare (details.problems lists each)'),
  staffImportInvalid: make('KC_STAFF_IMPORT_INVALID', 422, 'the staff file has bad rows; nothing was imported',
    'a CSV import of staff has a bad header or bad rows (details.rows: each with its line and what is wrong); no account is created unless every row is good'),
  liabilityInconsistent: make('KC_LIABILITY_INCONSISTENT', 422, 'the liability grades do not fit together',
    'a determination’s liability grades break the rule of @kuaichu/rules (details.grades)'),
  profileInvalid: make('KC_PROFILE_INVALID', 422, 'the profile has problems and was refused whole',
    'an uploaded city profile fails YAML, schema, meaning or its own examples (details.problems: each at file:line:col)'),
  profileNotLive: make('KC_PROFILE_NOT_LIVE', 422, 'this profile cannot serve in production',
    'a profile activated on a production server names a development driver or a secret variable that is not set (details.problems: each with what to set)'),
  profileVersionNotFound: make('KC_PROFILE_VERSION_NOT_FOUND', 404, 'no such profile version', 'the city has no published profile version with this number'),
  staffExists: make('KC_STAFF_EXISTS', 409, 'a staff account with this user name exists', 'a staff account is created with a user name the city already has'),
  adminLockout: make('KC_ADMIN_LOCKOUT', 409, 'this would lock the city out of its administration',
    'an admin disables or demotes themselves, or disables or demotes the city’s last enabled admin'),
  brigadeExists: make('KC_BRIGADE_EXISTS', 409, 'a brigade with this id exists', 'a brigade is created with an id the city already has'),
  weakPassword: make('KC_WEAK_PASSWORD', 400, 'the password is too weak', 'a new staff password is shorter than 12 characters, too uniform or a common password (details.reason)'),
  fileType: make('KC_FILE_TYPE', 415, 'this kind of file is not accepted', 'an upload is not a whole photo, video or audio file of an accepted type'),
  photoUnreadable: make('KC_PHOTO_UNREADABLE', 415, 'this photo cannot be read: take it again (JPEG or PNG)',
    'a photo of the photo path is not a whole JPEG or PNG file that decodes'),
  photoBlank: make('KC_PHOTO_BLANK', 422, 'the photo is blank (one even colour): take it again with the scene in view',
    'a photo of the photo path shows nothing: its pixels are one even colour (a covered lens, a black or white frame; details.stdev)'),
  photoSize: make('KC_PHOTO_SIZE', 422, 'the photo is too small to read plates and damage: take it again',
    'a photo of the photo path has too few pixels or is too large (details: width, height and the bounds)'),
  pathNotOffered: make('KC_PATH_NOT_OFFERED', 409, 'this city does not offer this way of handling an accident',
    'a step of the photo path (事故快处) in a city whose profile does not offer it (details.path, details.offered: the paths it does offer)'),
  featureNotOffered: make('KC_FEATURE_NOT_OFFERED', 409, 'this city does not offer this service on its platform',
    'a route of a platform feature (人伤直赔 injury direct-pay, 一键救援 one-key rescue) in a city whose profile’s platform.features does not list it (details.feature, details.offered); a service-point route in a city whose profile lists no platform.servicePoints'),
  directPayNotEligible: make('KC_DIRECT_PAY_NOT_ELIGIBLE', 409, 'injury direct-pay is only for minor-injury cases',
    'an officer issues a direct-pay QR code for a case reported without a minor injury'),
  directPayCodeInvalid: make('KC_DIRECT_PAY_CODE_INVALID', 404, 'no direct-pay voucher with this code',
    'a hospital scans a direct-pay code that is malformed, unknown, another city’s or altered since issue'),
  directPayCodeUsed: make('KC_DIRECT_PAY_CODE_USED', 410, 'this direct-pay code has already been used',
    'a hospital scans a direct-pay code a hospital already scanned (or that the officer revoked)'),
  directPayCodeExpired: make('KC_DIRECT_PAY_CODE_EXPIRED', 410, 'this direct-pay code has expired: the officer can issue a new one',
    'a hospital scans a direct-pay code after its 48 hours (details.expiredAt)'),
  rescueOfferGone: make('KC_RESCUE_OFFER_GONE', 409, 'this rescue job is no longer offered to your vehicle',
    'a tow crew accepts or declines a rescue whose offer lapsed, passed to another vehicle or was taken'),
  mediationInPast: make('KC_MEDIATION_IN_PAST', 422, 'the mediation must be booked for a time still to come',
    'an online mediation is booked (or booked again) for a time already past on the server’s clock (details.startsAt, details.now)'),
  mediationNotYet: make('KC_MEDIATION_NOT_YET', 409, 'the mediation cannot be opened yet: it opens at its booked time',
    'the mediator opens an online mediation more than 15 minutes before its booked time (details.startsAt, details.opensAt)'),
  mediationStatus: make('KC_MEDIATION_STATUS', 409, 'this step does not fit the mediation’s current status',
    'a mediation step out of order: opened twice, an outcome recorded before it opened or twice, a signature without an agreed outcome, a booking while another is under way (details.status)'),
  photoShotsMissing: make('KC_PHOTO_SHOTS_MISSING', 409, 'a required photo is missing: take every required shot before leaving the scene',
    'party A leaves the scene of a photo-path case before every required shot is in (details.missing: shot, need, have)'),
  photoPartyJoined: make('KC_PHOTO_PARTY_JOINED', 409, 'the other party has already joined this case',
    'party A sends a new join link after party B joined the photo-path case'),
  photoNotOtherParty: make('KC_PHOTO_NOT_OTHER_PARTY', 403, 'this phone is not the other party’s phone on this case',
    'a signed-in party joins a photo-path case by its number with a phone that is not the one party A named (or is party A’s own)'),
  joinTokenInvalid: make('KC_JOIN_TOKEN_INVALID', 404, 'this link is not valid: ask the other party to send it again',
    'party B opens a photo-path join link whose token is unknown or malformed'),
  joinTokenUsed: make('KC_JOIN_TOKEN_USED', 410, 'this link has already been used or was replaced by a newer one',
    'party B opens a photo-path join link that was used, replaced by a newer link, or after party B already joined'),
  joinTokenExpired: make('KC_JOIN_TOKEN_EXPIRED', 410, 'this link has expired: ask the other party to send it again',
    'party B opens a photo-path join link after its 24 hours'),
  partnerNotOffered: make('KC_PARTNER_NOT_OFFERED', 409, 'this city does not work with partners of this kind on its platform',
    'a partner organisation, partner sign-in or room invitation of a kind (insurer, hospital, repair_shop, tow, mediator) the city profile’s platform.participants does not list (details.kind, details.offered)'),
  partnerExists: make('KC_PARTNER_EXISTS', 409, 'a partner organisation with this name, or an account with this user name, exists',
    'a partner organisation is created with a name the city already has, or a partner person with a user name taken by staff or another partner'),
  invitationInvalid: make('KC_INVITATION_INVALID', 404, 'this invitation link is not valid: ask for a new one',
    'a room invitation link whose token is unknown, malformed or of another city'),
  invitationUsed: make('KC_INVITATION_USED', 410, 'this invitation link has already been used',
    'a room invitation link opened a second time (each link lets one person in once)'),
  invitationExpired: make('KC_INVITATION_EXPIRED', 410, 'this invitation link has expired: ask for a new one',
    'a room invitation link opened after its expiry (details.expiredAt)'),
  invitationRevoked: make('KC_INVITATION_REVOKED', 410, 'this invitation was withdrawn',
    'a room invitation link opened after the seat or officer revoked it, or a revocation of an invitation already revoked'),
  invitationNotYours: make('KC_INVITATION_NOT_YOURS', 403, 'this invitation is for another organisation or person',
    'a partner accepts an invitation addressed to another organisation, or a party accepts one sent to another phone'),
  photoStatementsMissing: make('KC_PHOTO_STATEMENTS_MISSING', 409, 'both parties must enter their licence, vehicle and statement first',
    'liability is proposed on a photo-path case before both parties recorded their details (details.missing: roles)'),
  alreadySigned: make('KC_ALREADY_SIGNED', 409, 'you have already signed this agreement',
    'a party signs (or asks for a signing code for) the same proposal of a photo-path agreement twice'),
  photoNotCancellable: make('KC_PHOTO_NOT_CANCELLABLE', 409, 'this case can no longer be withdrawn: a party has signed, or it has been decided',
    'a party withdraws a photo-path case after a signature of the agreement, after the agreement or determination, or after it was withdrawn (details.state)'),
  unsupportedMediaType: make('KC_UNSUPPORTED_MEDIA_TYPE', 415, 'this content type is not accepted',
    'a body’s Content-Type (or a JSON charset other than UTF-8) is not one the route reads; a non-multipart body sent to an upload answers with status 406'),
  fileTooLarge: make('KC_FILE_TOO_LARGE', 413, 'the file is too large', 'an upload is over the size limit, or has too many files'),
  bodyTooLarge: make('KC_BODY_TOO_LARGE', 413, 'the request body is too large', 'a request body is over the server’s body limit'),
  rateLimited: make('KC_RATE_LIMITED', 429, 'too many requests; try again shortly', 'too many requests from one client in a short time'),
  unavailable: make('KC_UNAVAILABLE', 503, 'a service the request needs is not available',
    'something the request needs is not there: the database, a city’s integration (a port), FFmpeg on the server, or a call’s participant'),
  analyticsOff: make('KC_ANALYTICS_OFF', 503, 'analytics is switched off on this server (KUAICHU_ANALYTICS=off), or no analytics plugin is installed',
    'an analytics route on a server without analytics'),
  internal: make('KC_INTERNAL', 500, 'something went wrong on our side; nothing was changed',
    'an unexpected failure; nothing was changed and the details are only in the server’s log'),
} as const;

/** Every code the API can answer with. */
export type ErrorCode = (typeof Errors)[keyof typeof Errors]['code'];
