/**
 * Two proofs over every operation of the OpenAPI document:
 * - contract fuzz: generated requests — bodies, query strings, path parameters and headers the
 *   schema accepts and ones it does not — as every kind of caller with a real session. Figures:
 *   requests, 5xx (must be 0), partial writes (a refused request that changed a guarded table
 *   or the stored files: must be 0).
 * - isolation probe: each operation aimed at the Harbin victim's ids by every stranger (every
 *   role of Kunming, a Kunming party, another Harbin party, nobody), with a body the schema
 *   accepts: 401/403/404 as designed (400 when the input is refused first), no answer carrying
 *   the victim's data, no write.
 */
import fc from 'fast-check';
import type { LightMyRequestResponse } from 'fastify';
import { solidPng } from '@kuaichu/plugin-recognition-dev';
import { multipart } from '@kuaichu/testkit/core';
import { headerArb, hostileLeaf, invalid, valid, type Hints } from './arbitraries.ts';
import { fingerprinter, type Fingerprinter } from './fingerprint.ts';
import type { ApiDocument, Operation } from './openapi.ts';
import { VICTIM_PHONE, type Caller, type World } from './world.ts';

/** Open to anyone by design: the city is named in the address, or the caller holds the document's code. */
export const PUBLIC = new Set(['/', '/healthz', '/readyz', '/api/cities', '/api/cities/:tenant', '/api/cities/:tenant/check', '/api/cities/:tenant/party/code',
  '/api/cities/:tenant/party/session', '/api/cities/:tenant/party/channel-session', '/api/auth/login', '/api/auth/logout', '/api/verify/:code', '/verify/:code',
  // Sign-ins of their own: a partner's password, and the SMS links that sign in the phone they were sent to.
  '/api/cities/:tenant/partner/session', '/api/cities/:tenant/photo-join', '/api/cities/:tenant/invitations/accept']);
/** Whoever holds a document's code sees its number and hash (the QR on the paper). */
const SHOWS_DOCUMENT = new Set(['/api/verify/:code', '/verify/:code']);
/** Path parameters that point at the victim's data. */
const AIMING = new Set(['id', 'reviewId', 'sha256', 'code', 'username', 'tenant']);

export interface Figures {
  requests: number;
  byStatus: Record<string, number>;
  serverErrors: string[];
  partialWrites: string[];
  leaks: string[];
  operations: number;
  /** Isolation: aimed probes refused for their input before any lookup, answered exactly as for a case that does not exist. */
  refusedBeforeLookup: number;
}

function hintsOf(w: World): Hints {
  const v = w.victim;
  return { strings: {
    id: [v.caseId, v.queuedId], reviewId: [v.reviewId], sha256: v.files, code: [v.code], username: ['seat-daoli', 'officer', 'nobody'],
    tenant: ['harbin', 'kunming', 'nantong', 'platform'], vendor: ['aliyun', 'tencent'], item: ['note', 'place', 'collision_closeups', 'parties_photo', 'statement'],
    phone: ['13900000611', '13900000612'], plate: ['黑A12345', '云A12345'], status: ['available', 'away'], outcome: ['upheld', 'revised'],
  } };
}

/** The address with its path parameters filled in (hinted or generated, encoded). */
function pathArb(op: Operation, doc: ApiDocument, hints: Hints): fc.Arbitrary<string> {
  const params = op.params.filter((p) => p.in === 'path');
  if (!params.length) return fc.constant(op.path);
  return fc.tuple(...params.map((p) => fc.oneof({ weight: 4, arbitrary: valid(p.schema, doc.resolve, hints, p.name) }, { weight: 1, arbitrary: hostileLeaf }))).map((values) => {
    let path = op.path;
    params.forEach((p, i) => {
      const v = values[i];
      const text = typeof v === 'string' ? v.slice(0, 300).replace(/[\ud800-\udfff]/g, '\ufffd') : JSON.stringify(v) ?? '';
      path = path.replace(`:${p.name}`, encodeURIComponent(text) || '%20');
    });
    return path;
  });
}

function queryArb(op: Operation, doc: ApiDocument, hints: Hints): fc.Arbitrary<string> {
  const params = op.params.filter((p) => p.in === 'query');
  const model: Record<string, fc.Arbitrary<unknown>> = {};
  for (const p of params) model[p.name] = fc.oneof({ weight: 3, arbitrary: valid(p.schema, doc.resolve, hints, p.name) }, { weight: 1, arbitrary: hostileLeaf });
  model.probe = hostileLeaf;
  return fc.record(model, { requiredKeys: [] }).map((q) => {
    const parts = Object.entries(q).map(([k, v]) => {
      const text = typeof v === 'string' ? v.slice(0, 3000) : JSON.stringify(v) ?? '';
      // Lone surrogates and NUL as raw bytes: encodeURIComponent would refuse the first.
      return `${encodeURIComponent(k)}=${text.replace(/[\ud800-\udfff]/g, '%ED%A0%80').split('').map((c) => (c === '%' ? c : encodeURIComponent(c))).join('')}`;
    });
    return parts.length ? `?${parts.join('&')}` : '';
  });
}

type Payload = { payload?: string | Buffer; type?: string };

const UPLOADS: Array<() => { bytes: Uint8Array; name: string; type: string }> = [
  () => ({ bytes: solidPng(4, 4, [9, 9, 9]), name: 'a.png', type: 'image/png' }),
  () => ({ bytes: Buffer.concat([solidPng(4, 4, [1, 2, 3]), Buffer.from('<html><script>alert(1)</script></html>')]), name: 'polyglot.png', type: 'image/png' }),
  () => ({ bytes: Buffer.from('GIF89a<svg onload=alert(1)>'), name: 'x.jpg', type: 'image/jpeg' }),
  () => ({ bytes: Buffer.concat([Buffer.from([0x1a, 0x45, 0xdf, 0xa3]), Buffer.alloc(4096, 0xff)]), name: 'broken.webm', type: 'video/webm' }),
  () => ({ bytes: Buffer.from('PK\u0003\u0004' + 'A'.repeat(2000)), name: 'bomb.zip', type: 'application/zip' }),
  () => ({ bytes: Buffer.alloc(0), name: 'empty.png', type: 'image/png' }),
];

function bodyArb(op: Operation, doc: ApiDocument, hints: Hints, mode: 'valid' | 'any'): fc.Arbitrary<Payload> {
  if (op.multipart) {
    return fc.tuple(fc.nat(UPLOADS.length - 1), fc.constantFrom(...hints.strings.item!), fc.boolean()).map(([k, item, big]) => {
      const file = UPLOADS[k]!();
      // Now and then, 16 MB (over the 15 MB limit).
      const form = multipart({ item }, big && k === 0 ? { ...file, bytes: Buffer.alloc(16 * 1024 * 1024, 7) } : file);
      return { payload: form.body, type: form.headers['content-type'] };
    });
  }
  if (!op.body) return fc.constantFrom<Payload>({}, { payload: '{}', type: 'application/json' }, { payload: 'x', type: 'text/plain' });
  const json = (a: fc.Arbitrary<unknown>) => a.map((v): Payload => ({ payload: JSON.stringify(v) ?? 'null', type: 'application/json' }));
  if (mode === 'valid') return json(valid(op.body, doc.resolve, hints));
  return fc.oneof(
    { weight: 3, arbitrary: json(valid(op.body, doc.resolve, hints)) },
    { weight: 4, arbitrary: json(invalid(op.body, doc.resolve, hints)) },
    { weight: 1, arbitrary: fc.constantFrom<Payload>(
      { payload: '{"a":', type: 'application/json' },
      { payload: `${'['.repeat(20_000)}${']'.repeat(20_000)}`, type: 'application/json' },
      { payload: '{"a":1}', type: 'application/json; charset=ebcdic' },
      { payload: 'a=1&b=%00', type: 'application/x-www-form-urlencoded' },
      { payload: Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]), type: 'application/json' },
      { payload: 'x'.repeat(1_100_000), type: 'application/json' },
    ) },
  );
}

export interface Runner {
  figures: Figures;
  fp: Fingerprinter;
}

async function send(w: World, fp: Fingerprinter, figures: Figures, before: string, op: Operation, url: string, caller: Caller, body: Payload, headers: Record<string, string>): Promise<{ r: LightMyRequestResponse; after: string }> {
  // A probed logout would end the caller's session for the rest of the run: it goes anonymously.
  const token = op.path === '/api/auth/logout' ? undefined : caller.token;
  const t0 = performance.now();
  const r = await w.t.core.app.inject({
    method: op.method as 'POST', url,
    headers: { ...headers, ...(body.type ? { 'content-type': body.type } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) },
    ...(body.payload !== undefined ? { payload: body.payload } : {}),
  });
  figures.requests++;
  const band = `${Math.floor(r.statusCode / 100)}xx`;
  figures.byStatus[band] = (figures.byStatus[band] ?? 0) + 1;
  const what = `${caller.name}: ${op.method} ${url.slice(0, 200)} → ${r.statusCode}`;
  if (r.statusCode >= 500) figures.serverErrors.push(`${what} ${r.body.slice(0, 200)} ← ${String(body.payload ?? '').slice(0, 200)}`);
  const t1 = performance.now();
  const after = await fp.settle();
  if (process.env.PROOF_TRACE) process.stderr.write(`${Math.round(t1 - t0)} ms + ${Math.round(performance.now() - t1)} ms digest: ${what.slice(0, 160)}\n`);
  if (r.statusCode >= 400 && after !== before) figures.partialWrites.push(`${what} changed ${fp.diff(before, after).join(', ')}`);
  return { r, after };
}

const emptyFigures = (): Figures => ({ requests: 0, byStatus: {}, serverErrors: [], partialWrites: [], leaks: [], operations: 0, refusedBeforeLookup: 0 });
/** A case id no tenant has. */
const NO_CASE = '019e0000-0000-7000-8000-000000000000';

/** The contract fuzz: `perOperation` generated requests to every operation, from a fixed seed (a failure replays). */
export async function contractFuzz(w: World, doc: ApiDocument, opts: { perOperation: number; seed: number }): Promise<Figures> {
  const fp = await fingerprinter(w.t);
  const figures = emptyFigures();
  const hints = hintsOf(w);
  const callers = [...w.harbin, ...w.strangers];
  let before = await fp.settle();
  for (const [i, op] of doc.operations.entries()) {
    figures.operations++;
    const arb = fc.record({ url: fc.tuple(pathArb(op, doc, hints), queryArb(op, doc, hints)).map(([p, q]) => p + q), body: bodyArb(op, doc, hints, 'any'), headers: headerArb, who: fc.nat(callers.length - 1) });
    for (const s of fc.sample(arb, { numRuns: opts.perOperation, seed: opts.seed + i })) {
      ({ after: before } = await send(w, fp, figures, before, op, s.url, callers[s.who]!, s.body, s.headers));
    }
  }
  return figures;
}

/** The isolation probe: every operation aimed at the victim's ids, as every stranger, with a body the schema accepts. */
export async function isolationProbe(w: World, doc: ApiDocument, opts: { seed: number }): Promise<Figures> {
  const fp = await fingerprinter(w.t);
  const figures = emptyFigures();
  const hints = hintsOf(w);
  const v = w.victim;
  const fill = (path: string, caseId: string) => path.replace(':id', caseId).replace(':sha256', v.files[0]!).replace(':reviewId', v.reviewId)
    .replace(':tenant', 'harbin').replace(':code', v.code).replace(':username', 'seat-daoli').replace(':version', '1').replace(':vendor', 'aliyun');
  let before = await fp.settle();
  for (const [i, op] of doc.operations.entries()) {
    figures.operations++;
    // Aimed at Harbin: a case, its review, file or document, a Harbin staff name, or Harbin named in the address.
    // (A profile version number names the caller's own city's version: not aimed.)
    const aimed = op.params.some((p) => p.in === 'path' && AIMING.has(p.name)) && !PUBLIC.has(op.path);
    const targets = op.path.includes(':id') ? [v.caseId, v.queuedId] : [''];
    const [body] = fc.sample(bodyArb(op, doc, hints, 'valid'), { numRuns: 1, seed: opts.seed + i });
    for (const caller of w.strangers) {
      for (const target of targets) {
        // Queries that name Harbin, or the victim's phone, where a route takes them.
        const url = fill(op.path, target) + (op.path.startsWith('/api/analytics') ? '?tenants=harbin&tenant=harbin' : op.path.endsWith('sms-outbox') ? `?to=${VICTIM_PHONE}` : '');
        const { r, after } = await send(w, fp, figures, before, op, url, caller, body!, {});
        const what = `${caller.name}: ${op.method} ${url} → ${r.statusCode}`;
        if (aimed && after !== before) figures.leaks.push(`${what}: changed ${fp.diff(before, after).join(', ')}`);
        before = after;
        const seen = w.markers({ documentShown: SHOWS_DOCUMENT.has(op.path) }).filter((m) => r.rawPayload.toString('utf8').includes(m));
        if (seen.length) figures.leaks.push(`${what} carries the victim's ${seen.join(', ')}`);
        if (!caller.token && !PUBLIC.has(op.path) && ![400, 401].includes(r.statusCode)) figures.leaks.push(`${what}: nobody signed in must get 401`);
        if (aimed && ![400, 401, 403, 404].includes(r.statusCode)) {
          // Refused for its input before any lookup (422 …) is no leak only if a case that does not
          // exist gets the very same answer: otherwise the answer tells the case exists.
          const nowhere = url.replaceAll(v.caseId, NO_CASE).replaceAll(v.queuedId, NO_CASE).replaceAll(v.files[0]!, 'f'.repeat(64)).replaceAll(v.reviewId, NO_CASE);
          const control = await send(w, fp, figures, before, op, nowhere, caller, body!, {});
          before = control.after;
          const same = control.r.statusCode === r.statusCode && control.r.json()?.error?.code === r.json()?.error?.code;
          if (!same || r.statusCode < 400) figures.leaks.push(`${what}: aimed at Harbin's data, must be refused (401/403/404); a case that does not exist gets ${control.r.statusCode}`);
          else figures.refusedBeforeLookup++;
        }
      }
    }
  }
  return figures;
}
