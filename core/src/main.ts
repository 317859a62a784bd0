/** `npm start`: kuaichu on embedded defaults (PGlite and files in ./data), or PostgreSQL with DATABASE_URL. */
import { startCore } from './server.ts';
import { loggerOptions } from './privacy/logRedaction.ts';
import { DataDirLockedError } from './db/pglite.ts';
import { ConfigurationError } from './startup/configProblems.ts';
import { ManualClock } from './clock.ts';
import { manualClockFromEnv, testClockRoutes } from './http/routes/testClock.ts';

const port = Number(process.env.PORT ?? 3000);
const host = process.env.HOST ?? '0.0.0.0';

try {
  // End-to-end tests and demos set the time (KUAICHU_CLOCK=manual); never in production.
  // In production a manual clock is one of the configuration problems startCore lists (not a throw of its own).
  const manual = process.env.NODE_ENV === 'production' ? null : manualClockFromEnv(process.env, (at) => new ManualClock(at));
  const core = await startCore({
    // Live video: the media plugin is found under plugins/ like every other (KUAICHU_MEDIA=off runs without).
    media: 'discover',
    plugins: manual ? [testClockRoutes(manual)] : [],
    ...(manual ? { clock: manual } : {}),
    // End-to-end suites sign many actors in from one loopback address; production always limits.
    ...(process.env.KUAICHU_RATE_LIMITS === 'off' && process.env.NODE_ENV !== 'production' ? { rateLimit: false } : {}),
    ...(process.env.DATABASE_URL ? { databaseUrl: process.env.DATABASE_URL } : {}),
    ...(process.env.KUAICHU_DATA_DIR ? { dataDir: process.env.KUAICHU_DATA_DIR } : {}),
    logger: loggerOptions(),
  });
  await core.app.listen({ port, host });
  const cities = core.ctx.cities.all().map((c) => c.tenant).join(', ');
  console.log(`\nkuaichu 快处 is serving ${cities} on http://localhost:${port}  (API docs: /docs, database: ${core.ctx.db.kind})`);
  if (core.demoLogins.length) {
    console.log('\nDemo staff created (shown once; set KUAICHU_DEMO_PASSWORD to choose the password):');
    for (const l of core.demoLogins) console.log(`  ${l.tenant.padEnd(9)} ${l.username.padEnd(16)} ${l.password}  (${l.roles.join(',')}${l.brigadeId ? ` @${l.brigadeId}` : ''})`);
  }
  // SIGTERM (systemd stop, a rolling upgrade): drain — not ready, no new connections or rooms, calls
  // end or move to another process within KUAICHU_DRAIN_SECONDS (default 20, under systemd's
  // TimeoutStopSec=30), the outbox relayed — then exit. SIGINT (a developer's Ctrl-C) does not wait for calls.
  const drainSeconds = Number(process.env.KUAICHU_DRAIN_SECONDS ?? 20);
  const stop = async (signal: string) => {
    core.app.log.info({ signal }, 'shutting down');
    await core.shutdown({ graceMs: signal === 'SIGTERM' && Number.isFinite(drainSeconds) ? drainSeconds * 1000 : 0 });
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
} catch (err) {
  if (err instanceof DataDirLockedError) {
    console.error(`kuaichu: ${err.message}`);
    process.exit(1);
  }
  // Every configuration problem at once, each with what to set (startup/configProblems.ts), not a stack trace.
  if (err instanceof ConfigurationError) {
    console.error(err.message);
    process.exit(2);
  }
  throw err;
}
