// End-to-end tests: the real server (core/src/main.ts, one per worker, see e2e/support/server.ts)
// and Debian's Chromium — never a downloaded browser. `npm test` runs this after the unit tests.
import { defineConfig } from '@playwright/test';
import { plateVideoPath } from './e2e/support/plateVideo.ts';

const executablePath = process.env.KUAICHU_CHROMIUM ?? '/usr/bin/chromium';
const args = [
  '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
  // A fake camera and microphone (a moving test pattern and a beep) stand in for the phone's.
  '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', '--allow-loopback-in-peer-connection',
];
/** Specs whose party films a plate: their browser's fake camera plays the plate video (made by the spec, e2e/support/plateVideo.ts). */
const PLATE_CAMERA = /plate-video\.spec\.ts$/;
/**
 * The heaviest specs — the cluster (PostgreSQL, Kafka, ClickHouse, nginx and three servers) and
 * Yancheng's room of six browsers each decoding five videos — are the project "alone", which
 * tools/bootstrap/run-tests.mjs runs one at a time after the others (beside another spec's server
 * and browsers on two cores their waits were starved). `npx playwright test` runs them with the rest.
 */
const ALONE = /(cluster|yancheng-room)\.spec\.ts$/;

export default defineConfig({
  testDir: 'e2e',
  testMatch: '**/*.spec.ts',
  outputDir: 'test-results',
  // A whole flow (report → call → two parties' checks and statements → determination → review → claim) drives
  // three browsers with video on two cores: about 3 min under CI's load. The ceiling only matters on failure.
  timeout: 300_000,
  expect: { timeout: 15_000 },
  fullyParallel: false,
  // Each worker runs a server with a mediasoup worker and several browser contexts with video:
  // two at once fit two cores.
  workers: Number(process.env.KUAICHU_E2E_WORKERS ?? 2),
  retries: 0,
  reporter: [['list'], ['html', { open: 'never', outputFolder: 'playwright-report' }]],
  use: {
    browserName: 'chromium',
    headless: true,
    launchOptions: { executablePath, args },
    actionTimeout: 15_000,
    navigationTimeout: 30_000,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
  projects: [
    { name: 'chromium', testIgnore: [PLATE_CAMERA, ALONE] },
    {
      name: 'plate-camera',
      testMatch: PLATE_CAMERA,
      use: { launchOptions: { executablePath, args: [...args, `--use-file-for-fake-video-capture=${plateVideoPath()}`] } },
    },
    // One retry here only: the room of six failed 1 of 4 runs alone on two cores (cause not found yet,
    // issue 14's note); a retried pass shows as "flaky" in the report, never as a clean pass.
    { name: 'alone', testMatch: ALONE, retries: 1 },
  ],
});
