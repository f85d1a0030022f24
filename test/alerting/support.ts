// Test helpers for alerting: decisions as processors emit them, a fake HTTP receiver with programmable
// answers (PagerDuty, webhooks), log capture, and polling.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { decisionId, type Decision, type Layer, type Signal, type Verdict } from '../../common/contract/decision.ts';
import { createLogger, type Logger } from '../../common/telemetry/logger.ts';

export const T0 = Date.UTC(2024, 6, 19, 4, 9, 0);
export const WINDOW_MS = 1000;

export interface DecisionSpec {
  component?: string;
  version?: string;
  ring?: string;
  signal?: Signal;
  layer?: Layer;
  verdict?: Verdict;
  /** Window index from T0 (window length WINDOW_MS). */
  window?: number;
  evidence?: Decision['evidence'];
  summary?: string;
}

export function releaseDecision(spec: DecisionSpec = {}, t0 = T0): Decision {
  const start = t0 + (spec.window ?? 0) * WINDOW_MS;
  const base = {
    kind: 'release_verdict' as const,
    release: { component: spec.component ?? 'channel-291', version: spec.version ?? '2024.07.19-0409' },
    ring: spec.ring ?? 'canary',
    signal: spec.signal ?? 'silent',
    layer: spec.layer ?? 'catastrophe',
    windowStart: new Date(start).toISOString(),
  };
  const verdict = spec.verdict ?? 'pass';
  return {
    v: 1, id: decisionId(base), ...base, verdict,
    severity: verdict === 'fail' ? 'critical' : 'info',
    windowEnd: new Date(start + WINDOW_MS).toISOString(),
    decidedAt: new Date(start + WINDOW_MS + 100).toISOString(),
    summary: spec.summary ?? (verdict === 'fail' ? '48 of 50 updated devices went silent vs 1 of 950 not updated' : 'no difference'),
    evidence: spec.evidence ?? (verdict === 'fail'
      ? { updated: { exposed: 50, affected: 48 }, control: { exposed: 950, affected: 1 }, pValue: 1e-40, statistic: 92.1, threshold: 13.8 }
      : { updated: { exposed: 50, affected: 0 }, control: { exposed: 950, affected: 1 }, statistic: 0, threshold: 13.8 }),
  };
}

export function gapDecision(spec: { region?: string; ring?: string; verdict?: Verdict; window?: number } = {}, t0 = T0): Decision {
  const start = t0 + (spec.window ?? 0) * WINDOW_MS;
  const base = {
    kind: 'pipeline_gap' as const, scope: { region: spec.region ?? 'eu-west' }, ring: spec.ring ?? '*',
    layer: 'completeness' as const, windowStart: new Date(start).toISOString(),
  };
  return {
    v: 1, id: decisionId(base), ...base, verdict: spec.verdict ?? 'inconclusive', severity: 'error',
    windowEnd: new Date(start + WINDOW_MS).toISOString(), decidedAt: new Date(start + WINDOW_MS).toISOString(),
    summary: 'heartbeats from eu-west stopped for every version and ring', evidence: { expected: 1000, received: 0 },
  };
}

export interface Received {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  json: () => any;
}

export type Answer = { status: number; headers?: Record<string, string> } | 'hang' | 'destroy';

/** A local HTTP receiver: records every request and answers what `respond` says. */
export class FakeReceiver {
  readonly requests: Received[] = [];
  respond: (r: Received) => Answer = () => ({ status: 202 });
  private server: Server | undefined;
  private readonly hung = new Set<import('node:http').ServerResponse>();
  port = 0;

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(port = 0): Promise<this> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const r: Received = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body, json: () => JSON.parse(body) };
        this.requests.push(r);
        const answer = this.respond(r);
        if (answer === 'hang') { this.hung.add(res); return; }
        if (answer === 'destroy') { req.socket.destroy(); return; }
        res.writeHead(answer.status, { 'content-type': 'application/json', ...(answer.headers ?? {}) });
        res.end(JSON.stringify({ status: answer.status }));
      });
    });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
    return this;
  }

  async stop(): Promise<void> {
    for (const res of this.hung) res.destroy();
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  on(path: string): Received[] {
    return this.requests.filter((r) => r.path === path);
  }
}

/** A logger whose JSON lines are kept, to check that no secret is ever written. */
export function capturingLogger(level = 'debug'): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const sink = new Writable({ write(chunk: Buffer, _enc, done) { lines.push(chunk.toString('utf8')); done(); } });
  return { logger: createLogger(level, 'test', sink), lines };
}

export async function waitFor<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 20_000, everyMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export const sleepMs = (ms: number) => new Promise((r) => setTimeout(r, ms));
