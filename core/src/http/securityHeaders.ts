/**
 * Security headers on every answer — pages, API, served evidence, /docs — by @fastify/helmet.
 * The CSP is what the Vite/Svelte build needs and no more: scripts and styles from our origin
 * (styles also inline: Svelte writes style attributes), images and video from our origin, data:
 * (canvas stills, Swagger's icons) and blob: (captured stills, recorded clips before upload),
 * fetch and WebSocket (live updates, media signalling) to our own origin only — CSP 3's 'self'
 * covers ws:/wss: of the same host. No page of ours may be framed (clickjacking).
 * HSTS and upgrade-insecure-requests only in production: a LAN or loopback server speaks http.
 */
import type { FastifyInstance } from 'fastify';
import helmet from '@fastify/helmet';

export async function securityHeaders(app: FastifyInstance, opts: { production: boolean }): Promise<void> {
  await app.register(helmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        'default-src': ["'self'"],
        'base-uri': ["'self'"],
        'script-src': ["'self'"],
        'script-src-attr': ["'none'"],
        'style-src': ["'self'", "'unsafe-inline'"],
        'img-src': ["'self'", 'data:', 'blob:'],
        'media-src': ["'self'", 'blob:'],
        'font-src': ["'self'", 'data:'],
        'connect-src': ["'self'"],
        'worker-src': ["'self'", 'blob:'],
        'object-src': ["'none'"],
        'form-action': ["'self'"],
        'frame-ancestors': ["'none'"],
        ...(opts.production ? { 'upgrade-insecure-requests': [] } : {}),
      },
    },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'same-origin' },
    strictTransportSecurity: opts.production ? { maxAge: 180 * 24 * 3600, includeSubDomains: true } : false,
    // The party's phone opens links from SMS and WeChat: no cross-origin isolation that would break them.
    crossOriginEmbedderPolicy: false,
  });
}
