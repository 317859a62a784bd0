/**
 * Playwright fixtures: `server` (one real server per worker), `api` (its HTTP API), and
 * `shot(page, name)` which saves a screenshot under test-results/ and attaches it to the report.
 * Each actor (party phone, seat console, officer desk) is its own browser context: its own
 * cookie, its own fake camera.
 */
import { test as base, expect, type BrowserContext, type Page } from '@playwright/test';
import { newDataDir, startServer, type TestServer } from './server.ts';
import { Api } from './api.ts';

export const PHONE_VIEWPORT = { width: 375, height: 812 };
export const CONSOLE_VIEWPORT = { width: 1440, height: 900 };

type WorkerFixtures = { servers: ServerPerFile };
type TestFixtures = {
  /**
   * Fills the data folder before the file's server starts (e.g. a simulation for the
   * dashboards): `test.use({ prepareData: async (dir) => … })`. None by default.
   */
  prepareData: ((dataDir: string) => Promise<void>) | null;
  /** More environment for the file's server (e.g. `{ KUAICHU_DEMO_SEED: 'off' }`: no demo staff). None by default. */
  serverEnv: Record<string, string> | null;
  /** The real server of this spec file: a fresh one (database, seats, clock) for each file. */
  server: TestServer;
  api: Api;
  /** A new actor: a phone (375×812, touch) or a console (1440×900). */
  actor: (kind: 'phone' | 'console', opts?: { geolocation?: { latitude: number; longitude: number } }) => Promise<{ context: BrowserContext; page: Page }>;
  shot: (page: Page, name: string) => Promise<void>;
};

/**
 * One server per spec file: the tests of a file share it (in order), and the next file gets a
 * fresh one, so seats left available, cases and the clock never leak from one spec to another.
 */
class ServerPerFile {
  #file = '';
  #server: TestServer | null = null;

  async for(file: string, prepare: ((dataDir: string) => Promise<void>) | null, env: Record<string, string> | null = null): Promise<TestServer> {
    if (this.#server && this.#file === file) return this.#server;
    await this.stop();
    const dataDir = newDataDir();
    await prepare?.(dataDir);
    this.#server = await startServer({ dataDir, ...(env ? { env } : {}) });
    this.#file = file;
    return this.#server;
  }

  async stop(): Promise<void> {
    await this.#server?.stop();
    this.#server = null;
  }
}

export const test = base.extend<TestFixtures, WorkerFixtures>({
  servers: [async ({}, use) => {
    const servers = new ServerPerFile();
    await use(servers);
    await servers.stop();
  }, { scope: 'worker', timeout: 90_000 }],

  prepareData: [null, { option: true }],
  serverEnv: [null, { option: true }],

  server: async ({ servers, prepareData, serverEnv }, use, testInfo) => {
    await use(await servers.for(testInfo.file, prepareData, serverEnv));
  },

  api: async ({ server }, use) => {
    await use(new Api(server.url));
  },

  actor: async ({ browser, server }, use) => {
    const contexts: BrowserContext[] = [];
    // Every page of every spec runs under the server's Content-Security-Policy: anything it blocks fails the test.
    const cspViolations: string[] = [];
    await use(async (kind, opts = {}) => {
      const context = await browser.newContext({
        baseURL: server.url,
        viewport: kind === 'phone' ? PHONE_VIEWPORT : CONSOLE_VIEWPORT,
        ...(kind === 'phone' ? { isMobile: true, hasTouch: true, deviceScaleFactor: 2 } : {}),
        locale: 'zh-CN',
        timezoneId: 'Asia/Shanghai',
        permissions: ['camera', 'microphone', ...(opts.geolocation ? ['geolocation'] : [])],
        ...(opts.geolocation ? { geolocation: opts.geolocation } : {}),
      });
      contexts.push(context);
      await context.exposeBinding('__kuaichuCspViolation', ({ page }, text: string) => void cspViolations.push(`${page.url()}: ${text}`));
      await context.addInitScript(() => {
        document.addEventListener('securitypolicyviolation', (e) => {
          (window as unknown as { __kuaichuCspViolation(t: string): void }).__kuaichuCspViolation(`${e.violatedDirective} blocked ${e.blockedURI || 'inline'} (${e.sourceFile}:${e.lineNumber})`);
        });
      });
      return { context, page: await context.newPage() };
    });
    for (const c of contexts) await c.close();
    expect(cspViolations, 'no Content-Security-Policy violation on any page').toEqual([]);
  },

  shot: async ({}, use, testInfo) => {
    await use(async (page, name) => {
      const file = testInfo.outputPath(`${name}.png`);
      await page.screenshot({ path: file, fullPage: false });
      await testInfo.attach(name, { path: file, contentType: 'image/png' });
    });
  },
});

test.afterEach(async ({ server }, testInfo) => {
  if (testInfo.status !== testInfo.expectedStatus) await testInfo.attach('server.log', { body: server.output().slice(-20_000), contentType: 'text/plain' });
});

export { expect };
