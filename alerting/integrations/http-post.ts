// One outbound POST, classified by the retry table. The thin I/O edge of every HTTP integration.
// Nothing from the request (URL, headers, body) goes into the result: webhook URLs and bodies can carry
// secrets (tokens in paths, routing keys), so callers log the integration's name and the reason only.
// The request carries the W3C trace context of the delivery span it runs in (`traceparent`), so a receiver
// that traces (a webhook consumer, a proxy) continues the trace of the page.
import { classifyError, classifyStatus, type Attempt } from './retry-table.ts';
import { traceHeaders } from '../../common/telemetry/tracing.ts';

export interface PostResult {
  attempt: Attempt;
  durationMs: number;
}

export async function postJson(url: string, body: string, headers: Record<string, string>, timeoutMs: number,
  now: () => number = Date.now): Promise<PostResult> {
  const started = performance.now();
  try {
    const res = await fetch(url, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', 'user-agent': 'ringwatch-alerter', ...traceHeaders(), ...headers },
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    // The answer's body is not needed; release the connection without reading it.
    await res.body?.cancel().catch(() => {});
    return { attempt: classifyStatus(res.status, res.headers.get('retry-after'), now()), durationMs: performance.now() - started };
  } catch (err) {
    return { attempt: classifyError(err), durationMs: performance.now() - started };
  }
}
