// "300", "90s", "10m", "2h", "7d" -> seconds, for --duration. Undefined when it is not a positive duration.
const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

export function parseDuration(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)([smhd]?)$/.exec(text.trim());
  const secs = m ? Number(m[1]) * UNITS[m[2] || 's'] : 0;
  return secs > 0 ? secs : undefined;
}
