/**
 * A party in the call from a phone, driven through the API and the media plugin's own call page
 * (no party app screens): sign in by SMS code, report, and join the case's room sending the
 * browser's fake camera — whatever the spec's Chromium plays (a test pattern, or a video file).
 */
import { callPageScript } from '@kuaichu/testkit/callPage';
import type { BrowserContext, Page } from '@playwright/test';
import type { Api } from './api.ts';

export interface Party {
  phone: string;
  token: string;
}

export async function partySignIn(api: Api, tenant: string, phone: string): Promise<Party> {
  const { challenge } = await api.call<{ challenge: string }>('POST', `/api/cities/${tenant}/party/code`, { phone });
  const code = await api.smsCode(tenant, phone);
  const s = await api.call<{ token: string }>('POST', `/api/cities/${tenant}/party/session`, { phone, code, challenge });
  return { phone, token: s.token };
}

/**
 * The party's phone: a page of the server's own origin (the media socket checks the origin)
 * signed in by the session cookie, with the call page script evaluated (the server's CSP
 * rightly blocks inline scripts).
 */
export async function partyPhone(context: BrowserContext, page: Page, baseUrl: string, party: Party): Promise<Page> {
  const js = await callPageScript();
  await context.addCookies([{ name: 'kc_session', value: party.token, url: baseUrl }]);
  await page.goto('/');
  await page.evaluate(js);
  await page.waitForFunction(() => 'call' in window);
  return page;
}

type CallWindow = { call: { join(id: string, o: { camera: boolean; microphone: boolean }): Promise<{ role: string }> } };

/** Joins the case's room with camera and microphone; resolves to the role the room gave (party_a …). */
export async function joinCall(page: Page, caseId: string): Promise<{ role: string }> {
  return page.evaluate((id) => (window as unknown as CallWindow).call.join(id, { camera: true, microphone: true }), caseId);
}
