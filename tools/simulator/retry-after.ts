// Retry-After (RFC 9110 section 10.2.3): delay-seconds or an HTTP-date. Capped, so a server (or a
// typo) cannot park a client for hours; unreadable values fall back to the client's own backoff.

/** The wait a Retry-After header asks for, in ms, or undefined if absent or unreadable. */
export function retryAfterMs(header: string | null, nowMs: number, maxMs: number): number | undefined {
  if (header === null) return undefined;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Math.min(maxMs, Number(value) * 1000);
  const at = Date.parse(value);
  if (Number.isNaN(at)) return undefined;
  return Math.min(maxMs, Math.max(0, at - nowMs));
}
