/**
 * The HTTP application: one fastify instance serving the API, with the JSON Schemas of
 * schemas/ registered once so every route validates (and documents) its input with them.
 */
import Fastify, { type FastifyInstance, type FastifyPluginAsync, type FastifyServerOptions } from 'fastify';
import cookie from '@fastify/cookie';
import multipart from '@fastify/multipart';
import websocket from '@fastify/websocket';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { resolveFileRefs } from './openApiRefs.ts';
import type { CoreContext } from '../context.ts';
import { readSchemaFiles } from '../schemas.ts';
import { authPlugin } from './auth.ts';
import { installErrorHandling } from './errors.ts';
import { clientKey } from './clientAddress.ts';
import { postgresRateLimitStore } from './rateLimitStore.ts';
import { createObservability } from '../metrics/index.ts';
import { installJsonCharsetCheck } from './jsonCharset.ts';
import { installTextGuard } from './textGuard.ts';
import { securityHeaders } from './securityHeaders.ts';
import { publicRoutes } from './routes/public.ts';
import { sessionRoutes } from './routes/sessions.ts';
import { caseRecordRoutes } from './routes/caseRecords.ts';
import { partyCaseRoutes } from './routes/partyCases.ts';
import { photoPathRoutes } from './routes/photoPath.ts';
import { seatCaseRoutes } from './routes/seatCases.ts';
import { officerCaseRoutes } from './routes/officerCases.ts';
import { adminRoutes } from './routes/admin.ts';
import { staffLockRoutes } from './routes/staffLocks.ts';
import { rosterRoutes } from './routes/rosters.ts';
import { staffAdminRoutes } from './routes/staffAdmin.ts';
import { supervisionRoutes } from './routes/supervision.ts';
import { staffImportRoutes } from './routes/staffImport.ts';
import { analyticsRoutes } from './routes/analytics.ts';
import { integrationRoutes } from './routes/integrations.ts';
import { smsReceiptRoutes } from './routes/smsReceipts.ts';
import { partnerRoutes } from './routes/partners.ts';
import { aftercarePlatformRoutes } from './routes/aftercarePlatform.ts';
import { mediationRoutes } from './routes/mediation.ts';
import { liveRoutes } from './live.ts';
import { webApps } from './web.ts';
import { webDistDir } from '../paths.ts';

export interface AppOptions {
  ctx: CoreContext;
  logger?: FastifyServerOptions['logger'];
  rejectedProfiles?: ReadonlyArray<{ file: string; problems: unknown[] }>;
  /** Rate limits are on by default; load tests and benchmarks may lift them. */
  rateLimit?: boolean;
  secureCookies?: boolean;
  /** Addresses and CIDR ranges of the proxies whose X-Forwarded-For is believed (KUAICHU_TRUSTED_PROXIES); default none. */
  trustedProxies?: readonly string[];
  /** Production adds HSTS and upgrade-insecure-requests to the security headers (default: NODE_ENV=production). */
  production?: boolean;
  /** The built web apps to serve (default web/dist; null serves the API only). */
  webDir?: string | null;
  /** Fastify plugins from outside the core (the media plugin …), registered after the core's routes with the context. */
  plugins?: readonly AppPlugin[];
}

/** A fastify plugin that the composition root adds to the app; it receives the core context. */
export type AppPlugin = FastifyPluginAsync<{ ctx: CoreContext }>;

export async function buildApp(opts: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: opts.logger ?? false,
    // Only the configured balancer may say who the client is; from anyone else X-Forwarded-For is ignored.
    trustProxy: opts.trustedProxies?.length ? [...opts.trustedProxies] : false,
    bodyLimit: 1024 * 1024,
    ajv: { customOptions: { allErrors: true, removeAdditional: false, useDefaults: true, coerceTypes: false, keywords: ['x-kuaichu-port', 'x-hint'] } },
  });
  const schemaFiles = [...readSchemaFiles().values()];
  for (const schema of schemaFiles) app.addSchema(schema);
  const web = opts.webDir === null ? null : webApps(opts.webDir ?? webDistDir);
  installErrorHandling(app, web?.fallback);
  installJsonCharsetCheck(app);
  installTextGuard(app);
  await securityHeaders(app, { production: opts.production ?? process.env.NODE_ENV === 'production' });

  // Before every route: its latency hook must see them all (/metrics, /readyz: metrics/).
  await app.register(createObservability(opts.ctx, { production: opts.production ?? process.env.NODE_ENV === 'production' }).plugin);
  await app.register(swagger, {
    openapi: { info: { title: 'kuaichu 快处 API', version: '0.1.0', description: 'Remote video handling of minor road accidents' } },
    // The schema files' refs between files, made followable (openApiRefs.ts).
    transformObject: (doc) => resolveFileRefs(('openapiObject' in doc ? doc.openapiObject : doc.swaggerObject) as Record<string, unknown>, schemaFiles.map((s) => String((s as { $id?: string }).$id))),
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  await app.register(cookie);
  await app.register(websocket, { options: { maxPayload: 64 * 1024 } });
  await app.register(multipart, { limits: { fileSize: 15 * 1024 * 1024, files: 1 } });
  // Per-route limits (report, code, login) live in each route's config; without the plugin they are inert.
  // Counted in the database, so every process behind the balancer holds the same limit (rateLimitStore.ts).
  if (opts.rateLimit !== false) await app.register(rateLimit, { global: false, keyGenerator: clientKey, store: postgresRateLimitStore(opts.ctx.db) });
  await app.register(authPlugin, { ctx: opts.ctx });
  await app.register(publicRoutes, { ctx: opts.ctx });
  await app.register(sessionRoutes, { ctx: opts.ctx, secureCookies: opts.secureCookies ?? false });
  await app.register(caseRecordRoutes, { ctx: opts.ctx });
  await app.register(partyCaseRoutes, { ctx: opts.ctx });
  await app.register(photoPathRoutes, { ctx: opts.ctx, secureCookies: opts.secureCookies ?? false });
  await app.register(seatCaseRoutes, { ctx: opts.ctx });
  await app.register(officerCaseRoutes, { ctx: opts.ctx });
  await app.register(liveRoutes, { ctx: opts.ctx });
  await app.register(adminRoutes, { ctx: opts.ctx, rejected: opts.rejectedProfiles ?? [] });
  await app.register(staffLockRoutes, { ctx: opts.ctx });
  await app.register(rosterRoutes, { ctx: opts.ctx });
  await app.register(staffAdminRoutes, { ctx: opts.ctx });
  await app.register(supervisionRoutes, { ctx: opts.ctx });
  await app.register(staffImportRoutes, { ctx: opts.ctx });
  await app.register(analyticsRoutes, { ctx: opts.ctx });
  await app.register(integrationRoutes, { ctx: opts.ctx });
  await app.register(aftercarePlatformRoutes, { ctx: opts.ctx });
  await app.register(mediationRoutes, { ctx: opts.ctx });
  await app.register(smsReceiptRoutes, { ctx: opts.ctx });
  await app.register(partnerRoutes, { ctx: opts.ctx, secureCookies: opts.secureCookies ?? false });
  for (const plugin of opts.plugins ?? []) await app.register(plugin, { ctx: opts.ctx });
  if (web) await web.routes(app);
  return app;
}
