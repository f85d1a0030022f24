// A running collector for tests: started with runRoles() like the process does, on the memory bus or on
// Kafka, with its log lines captured (to prove no token or payload reaches them).
import { request } from 'node:http';
import { Writable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { buildConfig, type Config } from '../../../app/config.ts';
import type { Bus } from '../../../common/bus/types.ts';
import type { Topics } from '../../../common/bus/topics.ts';
import type { Clock } from '../../../common/runtime/clock.ts';
import { runRoles, type RunningRoles } from '../../../app/run-roles.ts';
import { createLogger } from '../../../common/telemetry/logger.ts';
import { collectorFactory } from '../../../collectors/role.ts';

export const DEVICE_TOKEN = 'dev-token-7f3a9c1e5b2d4a6f8e0c';
export const RELEASE_TOKEN = 'rel-token-1b2c3d4e5f60718293a4';

export interface Harness {
  url: string;
  running: RunningRoles;
  topics: Topics;
  config: Config;
  logs: string[];
  stop(): Promise<void>;
}

export interface HarnessOptions {
  /** Kafka brokers; without them the memory bus (or `bus`) is used. */
  brokers?: string[];
  bus?: Bus;
  topicPrefix?: string;
  collector?: Record<string, unknown>;
  kafka?: Record<string, unknown>;
  clock?: Clock;
}

export async function startCollector(o: HarnessOptions = {}): Promise<Harness> {
  const config = buildConfig({
    instance_id: 'test-collector',
    bus: {
      kind: o.brokers ? 'kafka' : 'memory',
      topic_prefix: o.topicPrefix ?? 'ringwatch.',
      partitions: 3,
      kafka: { brokers: o.brokers ?? ['127.0.0.1:9'], ...o.kafka },
    },
    collector: {
      listen_host: '127.0.0.1', listen_port: 0,
      device_tokens: [DEVICE_TOKEN, 'dev-token-second-device-000000'], release_token: RELEASE_TOKEN,
      rate_limit_device_per_sec: 100000, rate_limit_source_per_sec: 100000, rate_limit_burst: 100000, rate_limit_source_burst: 100000,
      ...o.collector,
    },
  }, {});
  const logs: string[] = [];
  const sink = new Writable({ write(chunk, _enc, done) { logs.push(String(chunk)); done(); } });
  const logger = createLogger('debug', 'test', sink);
  const running = await runRoles({ config, factories: [collectorFactory], logger, bus: o.bus, clock: o.clock });
  const port = running.servers.get('collector')?.port;
  return { url: `http://127.0.0.1:${port}`, running, topics: running.context.topics, config, logs, stop: () => running.stop() };
}

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: any;
  ms: number;
}

export interface PostOptions {
  token?: string | null;
  contentType?: string;
  gzip?: boolean;
  headers?: Record<string, string>;
}

/** POST with node:http, so an answer that comes before the whole body was sent (413) is still read. */
export function post(url: string, path: string, body: string | Buffer | object, o: PostOptions = {}): Promise<Answer> {
  let bytes = Buffer.isBuffer(body) ? body : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
  if (o.gzip) bytes = gzipSync(bytes);
  const headers: Record<string, string> = {
    'content-type': o.contentType ?? 'application/json',
    ...(o.token === null ? {} : { authorization: `Bearer ${o.token ?? DEVICE_TOKEN}` }),
    ...(o.gzip ? { 'content-encoding': 'gzip' } : {}),
    ...o.headers,
  };
  const started = performance.now();
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = request(`${url}${path}`, { method: 'POST', headers: { ...headers, 'content-length': String(bytes.length) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        answered = true;
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed: unknown = text;
        try { parsed = JSON.parse(text); } catch { /* not JSON: keep the text */ }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: parsed, ms: performance.now() - started });
      });
    });
    req.on('error', (err: NodeJS.ErrnoException) => {
      // The server may close after answering an oversize body; the answer is what counts.
      if (err.code !== 'EPIPE' && err.code !== 'ECONNRESET') reject(err);
      else setTimeout(() => { if (!answered) reject(err); }, 5000).unref();
    });
    req.end(bytes);
  });
}

export async function get(url: string, path: string): Promise<{ status: number; text: string; type: string | null }> {
  const res = await fetch(`${url}${path}`);
  return { status: res.status, text: await res.text(), type: res.headers.get('content-type') };
}
