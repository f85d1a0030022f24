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

/** Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant's algorithm): integer arithmetic only. */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** Character codes of the separators of the canonical form, by position. */
const DASH = 45;
const COLON = 58;
const DOT = 46;
const T = 84;
const Z = 90;

/** The day of the last canonical timestamp read (year, month and day as one number) and its day number. */
let lastDayKey = -1;
let lastDays = 0;

/** The form toISOString() writes (YYYY-MM-DDTHH:MM:SS.sssZ), read without a regex or any allocation. */
function parseCanonical(v: string): number | undefined {
  if (v.length !== 24 || v.charCodeAt(4) !== DASH || v.charCodeAt(7) !== DASH || v.charCodeAt(10) !== T || v.charCodeAt(13) !== COLON
    || v.charCodeAt(16) !== COLON || v.charCodeAt(19) !== DOT || v.charCodeAt(23) !== Z) return undefined;
  const century = digits2(v, 0);
  const yy = digits2(v, 2);
  const month = digits2(v, 5);
  const day = digits2(v, 8);
  const hour = digits2(v, 11);
  const minute = digits2(v, 14);
  const second = digits2(v, 17);
  const centis = digits2(v, 20);
  const lastDigit = v.charCodeAt(22) - 48;
  if (century < 0 || yy < 0 || month < 1 || month > 12 || hour < 0 || hour > 23 || minute < 0 || minute > 59
    || second < 0 || second > 59 || centis < 0 || lastDigit < 0 || lastDigit > 9) return undefined;
  const year = century * 100 + yy;
  if (day < 1 || day > DAYS_IN_MONTH[month - 1] + (month === 2 && isLeap(year) ? 1 : 0)) return Number.NaN;
  // Consecutive timestamps are almost always of one day: its day number is kept (no divisions).
  const dayKey = (year * 16 + month) * 32 + day;
  if (dayKey !== lastDayKey) {
    lastDayKey = dayKey;
    lastDays = daysFromCivil(year, month, day);
  }
  const ms = ((lastDays * 24 + hour) * 60 + minute) * 60000 + second * 1000 + centis * 10 + lastDigit;
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

/** `value` is already what `new Date(timestampMs(value)).toISOString()` would write: it can be kept as it is. */
export function isCanonicalTimestamp(value: string): boolean {
  const ms = parseCanonical(value);
  return ms !== undefined && !Number.isNaN(ms);
}

let memoText: string | undefined;
let memoMs = Number.NaN;
let memoText2: string | undefined;
let memoMs2 = Number.NaN;

/**
 * parseTimestamp with a two-entry memo. An envelope's receipt time is read by validation, the replay's
 * reorder buffer, the virtual clock and the source core in turn, and validation reads its eventAt in
 * between (one entry forgot receivedAt there). Comparing with a remembered string is a pointer check when
 * it is the same string object.
 */
export function timestampMs(value: string): number {
  if (value === memoText) return memoMs;
  if (value === memoText2) return memoMs2;
  const ms = parseTimestamp(value);
  rememberTimestamp(value, ms);
  return ms;
}

/** Tell the memo a string's value already known (a replay keeps receipt times with the events it holds). */
export function rememberTimestamp(value: string, ms: number): void {
  memoText2 = memoText;
  memoMs2 = memoMs;
  memoText = value;
  memoMs = ms;
}

let registered = false;
export function registerFormats(): void {
  if (registered) return;
  registered = true;
  FormatRegistry.Set('date-time', (v) => !Number.isNaN(timestampMs(v)));
}
