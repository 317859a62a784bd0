/**
 * An error as one sentence in the reader's language, by its stable code (web/src/i18n/errors.ts):
 * the server's English message never reaches a Chinese screen. In English the server's detail
 * follows in brackets, for whoever reports the problem.
 */
import { i18n, t } from '../i18n/index.svelte.ts';

export function errorText(err: unknown): string {
  const code = typeof err === 'object' && err !== null && typeof (err as { code?: unknown }).code === 'string' ? (err as { code: string }).code : '';
  const status = typeof err === 'object' && err !== null ? Number((err as { status?: unknown }).status ?? NaN) : NaN;
  const key = `error.${code}`;
  let text = code ? t(key) : key;
  if (text === key) text = t(status >= 500 ? 'error.server' : 'error.request');
  const detail = err instanceof Error ? err.message : typeof err === 'string' ? err : '';
  return i18n.locale === 'en' && detail && detail !== text ? `${text} (${detail})` : text;
}
