/**
 * Every string of the web apps comes from one table: the sections below merged, each key with
 * its Chinese (first) and English text. `t(key, params)` reads the locale reactively, so a
 * switch re-renders every screen; `{name}` placeholders are filled from params.
 */
import common from './common.ts';
import party from './party.ts';
import photo from './photo.ts';
import seat from './seat.ts';
import officer from './officer.ts';
import admin from './admin.ts';
import dashboard from './dashboard.ts';
import verify from './verify.ts';
import supervisor from './supervisor.ts';
import aftercare from './aftercare.ts';
import room from './room.ts';
import errors from './errors.ts';
import type { Messages } from './types.ts';

export type { Messages } from './types.ts';
export type Locale = 'zh' | 'en';

export const table: Messages = { ...common, ...party, ...photo, ...seat, ...officer, ...admin, ...dashboard, ...verify, ...aftercare, ...room, ...supervisor, ...errors };

const stored = typeof localStorage !== 'undefined' ? localStorage.getItem('kc_locale') : null;
export const i18n = $state<{ locale: Locale }>({ locale: stored === 'en' ? 'en' : 'zh' });

export function setLocale(locale: Locale): void {
  i18n.locale = locale;
  localStorage.setItem('kc_locale', locale);
  document.documentElement.lang = locale === 'zh' ? 'zh-CN' : 'en';
}

export function t(key: string, params?: Record<string, string | number>): string {
  const entry = table[key];
  if (!entry) {
    if (import.meta.env.DEV) console.warn(`i18n: no text for "${key}"`);
    return key;
  }
  const text = entry[i18n.locale];
  return params ? text.replace(/\{(\w+)\}/g, (m, name: string) => (name in params ? String(params[name]) : m)) : text;
}

/** Texts that a city profile gives in both languages (LocalText: { zh, en? }). */
export function local(text: { zh: string; en?: string | undefined } | string | null | undefined): string {
  if (text == null) return '';
  if (typeof text === 'string') return text;
  return i18n.locale === 'en' && text.en ? text.en : text.zh;
}
