// In-process figures for the suite: tools/bench/processor/bench.ts run as a child (its printed lines parsed),
// for the core, decode + core and memory per device; and the baseline measured here over the same
// synthetic envelopes: a bare loop of Buffer -> JSON.parse, the least any consumer of these records does.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { encodeEnvelope } from '../../../common/contract/envelope.ts';
import { heartbeats } from '../processor/synthetic.ts';

const benchScript = fileURLToPath(new URL('../processor/bench.ts', import.meta.url));

export interface CoreFigures {
  coreEventsPerSec: number;
  coreEventsPerCpuSec: number;
  decodeCoreEventsPerSec: number;
  decodeCoreEventsPerCpuSec: number;
  /** The same from v2 batch records of 500 (BatchReader + parseEnvelope), what the source stage runs. */
  decodeV2EventsPerSec?: number;
  decodeV2EventsPerCpuSec?: number;
  /** The same from v3 compact batch records of 500 (CompactBatchReader + checkDecodedEnvelope). */
  decodeV3EventsPerSec?: number;
  decodeV3EventsPerCpuSec?: number;
  jsonParseEventsPerSec: number;
  memory: { devices: number; tableBytesPerDevice: number; heapBytesPerDevice: number }[];
  raw: string;
}

const num = (s: string | undefined) => Number((s ?? 'NaN').replace(/,/g, ''));

/** Same envelopes as bench.ts's decode figure (6 periods of `devices` devices, at most 300k records). */
export function jsonParseBaseline(devices: number): number {
  const START = Date.UTC(2026, 0, 5);
  const encoded: Buffer[] = [];
  for (const e of heartbeats(devices, 6, 60_000, START)) {
    if (encoded.length >= 300_000) break;
    encoded.push(encodeEnvelope(e));
  }
  let best = 0;
  for (let rep = 0; rep < 3; rep++) { // best of three: the first pass warms the JIT
    let sink = 0;
    const t0 = performance.now();
    for (const bytes of encoded) sink += (JSON.parse(bytes.toString('utf8')) as { v: number }).v;
    const rate = encoded.length / ((performance.now() - t0) / 1000);
    if (sink !== encoded.length) throw new Error('baseline parse went wrong');
    best = Math.max(best, rate);
  }
  return Math.round(best);
}

export function coreFigures(devices: number, memory: number[]): CoreFigures {
  const env = { ...process.env };
  delete env.RINGWATCH_BENCH_KAFKA_BROKERS; // the Kafka figure is the suite's scaling run
  const r = spawnSync(process.execPath, ['--expose-gc', '--max-old-space-size=4096', benchScript, '--devices', String(devices), '--memory', memory.join(',')],
    { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error(`tools/bench/processor/bench.ts exited ${r.status}`);
  const out = r.stdout;
  const core = /core in-process: .*?: ([\d,]+) events\/s wall, ([\d,]+) events\/s per CPU-second/.exec(out);
  const dec = /decode \+ validate \+ core: .*?: ([\d,]+) events\/s wall, ([\d,]+) events\/s per CPU-second/.exec(out);
  const v2 = /decode v2 batch records \+ validate \+ core: .*?: ([\d,]+) events\/s wall, ([\d,]+) events\/s per CPU-second/.exec(out);
  const v3 = /decode v3 compact batch records \+ validate \+ core: .*?: ([\d,]+) events\/s wall, ([\d,]+) events\/s per CPU-second/.exec(out);
  const memory_ = [...out.matchAll(/memory at ([\d,]+) tracked devices: ([\d.]+) bytes\/device in the device table.*?, (-?[\d.]+) bytes\/device measured/g)]
    .map((m) => ({ devices: num(m[1]), tableBytesPerDevice: num(m[2]), heapBytesPerDevice: num(m[3]) }));
  return {
    coreEventsPerSec: num(core?.[1]), coreEventsPerCpuSec: num(core?.[2]),
    decodeCoreEventsPerSec: num(dec?.[1]), decodeCoreEventsPerCpuSec: num(dec?.[2]),
    decodeV2EventsPerSec: num(v2?.[1]), decodeV2EventsPerCpuSec: num(v2?.[2]),
    decodeV3EventsPerSec: num(v3?.[1]), decodeV3EventsPerCpuSec: num(v3?.[2]),
    jsonParseEventsPerSec: jsonParseBaseline(devices), memory: memory_, raw: out,
  };
}
