/**
 * The proofs, each runnable alone, printing their figures:
 *   node --import tsx tools/proof/run.ts api [--per-operation 40] [--seed 16]   contract fuzz + isolation probe + log scan
 *   node --import tsx tools/proof/run.ts signaling [--runs 400] [--seed 16]     malformed signalling messages on the media socket
 *   node --import tsx tools/proof/run.ts yaml                                   hostile YAML profiles through the loader
 *   node --import tsx tools/proof/run.ts live [--runs 400] [--seed 16]          hostile handshakes and frames on /api/live
 *   node --import tsx tools/proof/run.ts crash [--kills 100] [--db pglite|postgres|both] [--seed 16] [--faults]   kill -9 mid-flow, then count
 *     (--faults: events through Kafka (mock cluster) to a ClickHouse server, the broker and ClickHouse each down once mid-run)
 * (`npm run proof:api` etc.). The short versions run in `npm test` (tools/proof/*.test.ts).
 * Exit status 1 when a figure that must be 0 is not.
 */
import { parseArgs } from 'node:util';
import { contractFuzz, isolationProbe } from './api.ts';
import { scanForPersonalData } from './logScan.ts';
import { readOpenApi } from './openapi.ts';
import { buildWorld } from './world.ts';

const { positionals, values } = parseArgs({ allowPositionals: true, options: { 'per-operation': { type: 'string', default: '40' }, runs: { type: 'string', default: '400' }, seed: { type: 'string', default: '16' }, kills: { type: 'string', default: '100' }, db: { type: 'string', default: 'both' }, faults: { type: 'boolean', default: false } } });
const seed = Number(values.seed);
const which = positionals[0] ?? 'api';
let failed = false;
const must = (label: string, list: readonly string[]) => {
  console.log(`${label}: ${list.length}`);
  for (const line of list.slice(0, 20)) console.log(`  ${line}`);
  if (list.length) failed = true;
};

if (which === 'api') {
  const started = performance.now();
  const w = await buildWorld();
  const doc = await readOpenApi(w.t.core.app);
  console.log(`world built (a Harbin case reported, recorded, determined, under review) in ${Math.round((performance.now() - started) / 1000)} s`);
  const fuzz = await contractFuzz(w, doc, { perOperation: Number(values['per-operation']), seed });
  console.log(`contract fuzz: ${fuzz.operations} operations, ${fuzz.requests} requests (${JSON.stringify(fuzz.byStatus)})`);
  must('  5xx', fuzz.serverErrors);
  must('  partial writes', fuzz.partialWrites);
  const iso = await isolationProbe(w, doc, { seed });
  console.log(`isolation probe: ${iso.operations} operations × ${w.strangers.length} strangers, ${iso.requests} probes (${JSON.stringify(iso.byStatus)}); ${iso.refusedBeforeLookup} refused for their input before any lookup, exactly as for a case that does not exist`);
  must('  5xx', iso.serverErrors);
  must('  leaks', iso.leaks);
  const pii = scanForPersonalData(w.log);
  console.log(`log scan: ${w.log.length} lines`);
  must('  personal data hits', pii.map((h) => `line ${h.line}: ${h.kind} ${h.text}`));
  await w.close();
  console.log(`(${Math.round((performance.now() - started) / 1000)} s)`);
} else if (which === 'signaling') {
  const { signalingFuzz } = await import('./signaling.ts');
  const f = await signalingFuzz({ runs: Number(values.runs), seed });
  console.log(`signalling fuzz: ${f.messages} messages on ${f.sockets} sockets; requests answered ok ${f.answered}, answered with an error ${f.errors}; sockets the server closed (bad frames) ${f.closedCleanly}`);
  must('  crashes / error answers without a code / other close codes / not serving afterwards', f.failures);
} else if (which === 'live') {
  const { liveFuzz } = await import('./live.ts');
  const f = await liveFuzz({ runs: Number(values.runs), seed });
  console.log(`live-push fuzz: ${f.handshakes} hostile handshakes, ${f.frames} frames; sockets ended ${JSON.stringify(f.byClose)}`);
  must('  crashes / unexpected closes / not pushing afterwards', f.failures);
} else if (which === 'yaml') {
  const { hostileYaml } = await import('./yaml.ts');
  const f = await hostileYaml();
  for (const c of f.cases) console.log(`  ${c.name}: ${c.outcome} (${c.ms} ms, heap +${c.heapMb} MB)`);
  must('hostile profiles accepted or not clearly refused', f.failures);
} else if (which === 'crash') {
  const { crashProof } = await import('./crash.ts');
  const dbs = values.db === 'both' ? ['pglite', 'postgres'] : [values.db];
  for (const kind of dbs) {
    const started = performance.now();
    let pg: { url: string; stop(): Promise<void>; restart(): Promise<void> } | null = null;
    if (kind === 'postgres') pg = await (await import('@kuaichu/testkit/postgres')).startPostgres({ durable: true });
    try {
      const f = await crashProof({ kills: Number(values.kills), seed, faults: values.faults, ...(pg ? { databaseUrl: pg.url, restartDatabase: () => pg!.restart() } : {}), log: (l) => console.log(`  ${l}`) });
      console.log(`crash consistency on ${f.database}: ${f.kills} kills ${JSON.stringify(f.killedDuring)}; ${f.cases} cases (${f.served} served, ${f.claimed} claimed), ${f.retries} retries; ${f.databaseRestarts} database restarts (${f.errorsWhileDatabaseDown} answers ≥ 500 meanwhile, retried); ${f.events} events, ${f.analyticsRows} analytics rows (${f.redeliveredAbsorbed} redeliveries absorbed)`);
      must('  cases lost', f.lost);
      must('  cases duplicated', f.duplicates);
      must('  half-written cases', f.halfWritten);
      must('  broken evidence chains', f.brokenChains);
      must('  events never relayed', f.unpublished ? [`${f.unpublished} events`] : []);
      must('  events lost in analytics', f.eventsLost);
      must('  events counted twice in analytics', f.eventsCountedTwice);
      must('  calls left unresumable', f.unresumable);
      if (f.faults) {
        const o = (what: string, x: import('./crash.ts').OutageFigures) => console.log(`  ${what} down ${(x.downMs / 1000).toFixed(1)} s during ${x.during} (the flow went on): outbox at recovery ${x.outboxAtRecovery} events (most ${x.maxOutbox}), ${x.sinkLagAtRecovery} events not yet in ClickHouse, ${x.relayFailures} relay rounds failed, ${x.sinkRetries} sink batches retried; after recovery the outbox was empty in ${(x.relayDrainMs / 1000).toFixed(1)} s and every earlier event in ClickHouse in ${(x.sinkDrainMs / 1000).toFixed(1)} s; the server, killed while it was down, served again ${(x.restartWhileDownMs / 1000).toFixed(1)} s after its start`);
        console.log(`faults (Kafka mock cluster, clickhouse-server): max outbox backlog ${f.faults.maxOutboxBacklog} events; ${f.faults.takenAfterStop} events taken from Kafka after the clean stop by another consumer of the group`);
        o('Kafka broker', f.faults.broker);
        o('ClickHouse', f.faults.clickhouse);
      }
    } finally {
      await pg?.stop();
    }
    console.log(`(${Math.round((performance.now() - started) / 1000)} s)`);
  }
} else {
  console.error(`unknown proof "${which}" (api | signaling | live | yaml | crash)`);
  process.exit(2);
}
process.exit(failed ? 1 : 0);
