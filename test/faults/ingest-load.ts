// Ingest load for the fault suite: a collector as a child process (`ringwatch collector`) on a fixed port,
// device-like clients that resend the same batch until it is acknowledged (honouring Retry-After), and a
// read-back of the heartbeats topic by eventId with an independent kafkajs client.
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { heartbeat } from '../../tools/bench/ingest/events.ts';
import { freePort } from '../../common/runtime/free-port.ts';
import { startCli } from '../support/cli.ts';
import { DEVICE_TOKEN, post } from '../collectors/support/harness.ts';
import { envelopes, kafkaReader } from '../collectors/support/read-topic.ts';

export interface Collector { url: string; child: ChildProcess; start(): Promise<void>; kill(signal: NodeJS.Signals): Promise<void> }

export async function collectorProcess(brokers: string[], prefix: string): Promise<Collector> {
  const port = await freePort();
  const file = join(mkdtempSync(join(tmpdir(), 'ringwatch-faults-')), 'collector.yaml');
  writeFileSync(file, JSON.stringify({
    bus: { kind: 'kafka', topic_prefix: prefix, partitions: 3, kafka: { brokers, connection_timeout_ms: 1000, request_timeout_ms: 5000, retry_max_ms: 1000 } },
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
    async start() { c.child = (await startCli(['collector', '-c', file], /ringwatch running/, {}, 120_000)).child; },
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
  acknowledged: Set<string>;
  answers: number;
  unavailable: number;
  unavailableWithRetryAfter: number;
  connectionErrors: number;
  otherStatuses: Set<number>;
}

export interface Load { stats: LoadStats; stop(): Promise<void> }

/**
 * `clients` devices, each sending batches of `batch` heartbeats and resending a batch until it is
 * acknowledged. `ratePerSec` (optional) paces the whole load in events per second.
 */
export function startLoad(url: string, runId: string, clients: number, batch = 20, ratePerSec?: number): Load {
  const stats: LoadStats = { acknowledged: new Set(), answers: 0, unavailable: 0, unavailableWithRetryAfter: 0, connectionErrors: 0, otherStatuses: new Set() };
  let running = true;
  let next = 0;
  const started = Date.now();
  const client = async () => {
    while (running) {
      if (ratePerSec) {
        const due = started + (next / ratePerSec) * 1000;
        if (due > Date.now()) await sleep(due - Date.now());
      }
      const events = Array.from({ length: batch }, () => heartbeat(next++, { runId }));
      for (;;) {
        let wait = 200;
        try {
          const a = await post(url, '/v1/heartbeats', { events });
          stats.answers++;
          if (a.status === 200) { for (const e of events) stats.acknowledged.add(e.eventId); break; }
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
  return { stats, stop: async () => { running = false; await Promise.all(all); } };
}

/** Every acknowledged event looked up in the topic by eventId. */
export async function readBack(brokers: string[], topic: string, acknowledged: Set<string>) {
  // About 20 s per million records on 2 cores, and never less than a minute.
  const timeoutMs = Math.max(60_000, acknowledged.size / 20);
  const stored = (await envelopes(kafkaReader(brokers, timeoutMs), topic)).map((s) => s.envelope.event.eventId as string);
  const counts = new Map<string, number>();
  for (const id of stored) counts.set(id, (counts.get(id) ?? 0) + 1);
  const lost = [...acknowledged].filter((id) => !counts.has(id)).length;
  const duplicates = [...counts.values()].reduce((n, c) => n + c - 1, 0);
  const readBackCount = [...acknowledged].filter((id) => counts.has(id)).length;
  return { stored: stored.length, readBack: readBackCount, lost, duplicates, withoutEventId: stored.filter((id) => !id).length };
}

/** Wait until `probe` holds, checking every `everyMs`, at most `timeoutMs`. */
export async function until(what: string, probe: () => boolean | Promise<boolean>, timeoutMs: number, everyMs = 100): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}
