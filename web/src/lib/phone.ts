/** A mainland mobile number (11 digits, 1[3-9]…), as the server's schemas take it. */
export const PHONE_RE = /^1[3-9]\d{9}$/;
