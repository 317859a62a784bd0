/** Minimal `--flag value` parsing with clear errors (node:util parseArgs does the work). */
import { parseArgs, type ParseArgsConfig } from 'node:util';

export class UsageError extends Error {}

export function parseFlags<T extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: T, allowPositionals = false) {
  try {
    return parseArgs({ args, options, allowPositionals, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message.replace(/^.*?: /, ''));
  }
}

/** One of a fixed set of words, with the set in the error. */
export function oneOf<T extends string>(flag: string, value: string | undefined, allowed: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(value)) throw new UsageError(`--${flag} must be one of ${allowed.join('|')}, not "${value}"`);
  return value as T;
}

export function yesNo(flag: string, value: string | undefined): boolean | undefined {
  const v = oneOf(flag, value, ['yes', 'no'] as const);
  return v === undefined ? undefined : v === 'yes';
}

export function number(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new UsageError(`--${flag} must be a number, not "${value}"`);
  return n;
}
