/**
 * Intake channels other than the app (WeChat mini-program …) open the party app with a
 * signed token; the channel plugin verifies it.
 */
export interface ChannelIdentity {
  tenant: string;
  channel: string;
  /** The party's phone as the channel knows it. */
  phone: string;
  /** The channel's own user id (openid). */
  subject: string;
}

export interface ChannelPort {
  verifyToken(token: string, now: Date): ChannelIdentity | null;
}
