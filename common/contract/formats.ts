// String formats the contract uses. TypeBox knows no formats until they are registered.
import { FormatRegistry } from '@sinclair/typebox';
import { MAX_TIMESTAMP_MS, MIN_TIMESTAMP_MS } from './limits.ts';

// RFC 3339 date-time with a mandatory offset; fractional seconds up to nanoseconds.
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;

/** Milliseconds since the epoch of an RFC 3339 timestamp, or NaN if it is not a real instant in range. */
export function parseTimestamp(value: string): number {
  const m = RFC3339.exec(value);
  if (!m) return Number.NaN;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number);
  if (month < 1 || month > 12 || hour > 23 || minute > 59 || second > 59) return Number.NaN;
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (day < 1 || day > daysInMonth) return Number.NaN; // 2024-02-30 is not a day
  const ms = Date.parse(value);
  if (!Number.isFinite(ms) || ms < MIN_TIMESTAMP_MS || ms >= MAX_TIMESTAMP_MS) return Number.NaN;
  return ms;
}

let registered = false;
export function registerFormats(): void {
  if (registered) return;
  registered = true;
  FormatRegistry.Set('date-time', (v) => !Number.isNaN(parseTimestamp(v)));
}
