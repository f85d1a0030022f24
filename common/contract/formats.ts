// String formats the contract uses. TypeBox knows no formats until they are registered.
import { FormatRegistry } from '@sinclair/typebox';
import { MAX_TIMESTAMP_MS, MIN_TIMESTAMP_MS } from './limits.ts';

// RFC 3339 date-time with a mandatory offset; fractional seconds up to nanoseconds.
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const isLeap = (y: number) => y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
const digits2 = (s: string, i: number) => {
  const a = s.charCodeAt(i) - 48;
  const b = s.charCodeAt(i + 1) - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
};

/** The form toISOString() writes (YYYY-MM-DDTHH:MM:SS.sssZ), read without a regex: ~10x faster. */
function parseCanonical(v: string): number | undefined {
  if (v.length !== 24 || v[4] !== '-' || v[7] !== '-' || v[10] !== 'T' || v[13] !== ':' || v[16] !== ':' || v[19] !== '.' || v[23] !== 'Z') return undefined;
  const year = digits2(v, 0) * 100 + digits2(v, 2);
  const [month, day, hour, minute, second] = [digits2(v, 5), digits2(v, 8), digits2(v, 11), digits2(v, 14), digits2(v, 17)];
  const lastDigit = v.charCodeAt(22) - 48;
  const milli = digits2(v, 20) * 10 + lastDigit;
  if (digits2(v, 0) < 0 || digits2(v, 2) < 0 || month < 1 || month > 12 || hour < 0 || hour > 23 || minute < 0 || minute > 59
    || second < 0 || second > 59 || digits2(v, 20) < 0 || lastDigit < 0 || lastDigit > 9) return undefined;
  if (day < 1 || day > DAYS_IN_MONTH[month - 1] + (month === 2 && isLeap(year) ? 1 : 0)) return Number.NaN;
  const ms = Date.UTC(year, month - 1, day, hour, minute, second, milli);
  return ms < MIN_TIMESTAMP_MS || ms >= MAX_TIMESTAMP_MS ? Number.NaN : ms;
}

/** Milliseconds since the epoch of an RFC 3339 timestamp, or NaN if it is not a real instant in range. */
export function parseTimestamp(value: string): number {
  const canonical = parseCanonical(value);
  if (canonical !== undefined) return canonical;
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
