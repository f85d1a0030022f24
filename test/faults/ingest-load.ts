// Ingest load for the fault suite: a collector as a child process (`ringwatch collector`) on a fixed port,
// device-like clients that resend the same batch until it is acknowledged (honouring Retry-After), and the
// acknowledged events counted by sequence number for the read-back (read-back.ts).
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { heartbeat } from '../../tools/bench/ingest/events.ts';
import { freePort } from '../../common/runtime/free-port.ts';
import { startCli } from '../support/cli.ts';
import { DEVICE_TOKEN, post } from '../collectors/support/harness.ts';
import { readBackByEventId, SeqCounts } from './read-back.ts';

export interface Collector { url: string; child: ChildProcess; output(): string; start(): Promise<void>; kill(signal: NodeJS.Signals): Promise<void> }

/**
 * `env`: extra environment of the process (the soak passes NODE_OPTIONS=--inspect to read its heap);
 * `compression`: the producer's codec, when not the product's default.
 */
export async function collectorProcess(brokers: string[], prefix: string, env: NodeJS.ProcessEnv = {}, compression?: string): Promise<Collector> {
  const port = await freePort();
  const file = join(mkdtempSync(join(tmpdir(), 'ringwatch-faults-')), 'collector.yaml');
  writeFileSync(file, JSON.stringify({
    bus: { kind: 'kafka', topic_prefix: prefix, partitions: 3, kafka: { brokers, connection_timeout_ms: 1000, request_timeout_ms: 5000, retry_max_ms: 1000, ...(compression ? { compression } : {}) } },
    telemetry: { log_level: 'info' },
    collector: {
      listen_host: '127.0.0.1', listen_port: port, device_tokens: [DEVICE_TOKEN], release_token: 'rel-token-1b2c3d4e5f60718293a4',
      produce_timeout_ms: 2000, retry_after_secs: 1,
      rate_limit_device_per_sec: 1000000, rate_limit_source_per_sec: 1000000, rate_limit_burst: 1000000, rate_limit_source_burst: 1000000,
    },
  }));
  const c: Collector = {
    url: `http://127.0.0.1:${port}`,
    child: undefined as unknown as ChildProcess,
    output: () => '',
    async start() { ({ child: c.child, output: c.output } = await startCli(['collector', '-c', file], /ringwatch running/, env, 120_000)); },
    async kill(signal) {
      if (c.child.exitCode !== null || c.child.signalCode !== null) return;
      const exited = new Promise((resolve) => c.child.once('exit', resolve));
      c.child.kill(signal);
      await exited;
    },
  };
  await c.start();
  return c;
}

/** Resident set size of a process, in MiB (Linux). */
export function rssMiB(pid: number): number {
  const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN);
  return kb / 1024;
}

export interface LoadStats {
  /** Sequence numbers of the events answered 2xx (eventId `<runId>-hb-<seq>`). */
  acknowledged: SeqCounts;
  answers: number;
  unavailable: number;
  unavailableWithRetryAfter: number;
  connectionErrors: number;
  otherStatuses: Set<number>;
}

export interface Load { runId: string; stats: LoadStats; stop(): Promise<void> }

/**
 * `clients` devices, each sending batches of `batch` heartbeats and resending a batch until it is
 * acknowledged. `ratePerSec` (optional) paces the whole load in events per second.
 */
export function startLoad(url: string, runId: string, clients: number, batch = 20, ratePerSec?: number): Load {
  const stats: LoadStats = { acknowledged: new SeqCounts(), answers: 0, unavailable: 0, unavailableWithRetryAfter: 0, connectionErrors: 0, otherStatuses: new Set() };
  let running = true;
  let next = 0;
  const started = Date.now();
  const client = async () => {
    while (running) {
      if (ratePerSec) {
        const due = started + (next / ratePerSec) * 1000;
        if (due > Date.now()) await sleep(due - Date.now());
      }
      const first = next;
      next += batch;
      const events = Array.from({ length: batch }, (_, k) => heartbeat(first + k, { runId }));
      for (;;) {
        let wait = 200;
        try {
          const a = await post(url, '/v1/heartbeats', { events });
          stats.answers++;
          if (a.status === 200) { for (let k = 0; k < batch; k++) stats.acknowledged.add(first + k); break; }
          if (a.status === 503) {
            stats.unavailable++;
            const ra = Number(a.headers['retry-after']);
            if (ra > 0) { stats.unavailableWithRetryAfter++; wait = Math.min(ra * 1000, 1000); }
          } else stats.otherStatuses.add(a.status);
        } catch {
          stats.connectionErrors++;
        }
        if (!running) return;
        await sleep(wait);
      }
    }
  };
  const all = Array.from({ length: clients }, () => client());
  return { runId, stats, stop: async () => { running = false; await Promise.all(all); } };
}

/** Every acknowledged event of these loads looked up in the topic by eventId. */
export function readBack(brokers: string[], topic: string, loads: Load[]) {
  return readBackByEventId(brokers, topic, loads.map((l) => ({ runId: l.runId, acknowledged: l.stats.acknowledged })));
}

/** Wait until `probe` holds, checking every `everyMs`, at most `timeoutMs`. */
export async function until(what: string, probe: () => boolean | Promise<boolean>, timeoutMs: number, everyMs = 100): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}
