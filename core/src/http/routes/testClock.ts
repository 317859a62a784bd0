/**
 * The clock an end-to-end test sets (`KUAICHU_CLOCK=manual`): Harbin at 10:00 or at 19:30,
 * a review window that has just closed. Registered only when the server was started with a
 * manual clock, which production refuses; so no deployed server can be told what time it is.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { ManualClock } from '../../clock.ts';
import type { TestClockBody } from '../../generated/types.ts';

export function testClockRoutes(clock: ManualClock): FastifyPluginAsync<{ ctx: unknown }> {
  return async (app) => {
    const view = () => ({ now: clock.now().toISOString(), manual: true });
    app.get('/api/test/clock', { schema: { tags: ['test'], summary: 'The manual clock (test servers only)' } }, async () => view());
    app.put<{ Body: TestClockBody }>('/api/test/clock', {
      schema: { tags: ['test'], summary: 'Set or advance the manual clock (test servers only)', body: { $ref: 'http/test-clock.schema.json#' } },
    }, async (req) => {
      if (req.body.at) clock.set(req.body.at);
      else clock.advance((req.body.advanceSeconds ?? 0) * 1000);
      return view();
    });
  };
}

/** The clock `KUAICHU_CLOCK=manual` asks for, or null for the system clock. */
export function manualClockFromEnv(env: NodeJS.ProcessEnv, make: (at: string) => ManualClock): ManualClock | null {
  if (env.KUAICHU_CLOCK !== 'manual') return null;
  if (env.NODE_ENV === 'production') throw new Error('KUAICHU_CLOCK=manual is for tests and demos; production runs on the system clock');
  return make(env.KUAICHU_CLOCK_START ?? new Date().toISOString());
}
