// `ringwatch export`: copy the telemetry topics over a time range into an NDJSON file for `ringwatch backtest`.
// One envelope per line whatever the record format (v1: one event per record, v2: batch records).
// Lines come out per topic and partition, in append order; the backtest restores receive-time order with a
// bounded reorder buffer, so the file need not be globally sorted (and export needs no memory to sort it).
import type { Bus } from '../../common/bus/types.ts';
import type { Topics } from '../../common/bus/topics.ts';
import { decodeEnvelope } from '../../common/contract/envelope.ts';
import type { LineWriter } from './ndjson-writer.ts';
import { isTick } from '../../common/contract/ticks.ts';
import { recordEntries } from '../../common/contract/record-entries.ts';

export interface ExportSummary {
  written: number;
  invalid: number;
  byTopic: Record<string, number>;
}

export async function exportTelemetry(bus: Bus, topics: Topics, range: { fromMs?: number; toMs?: number }, out: LineWriter): Promise<ExportSummary> {
  const summary: ExportSummary = { written: 0, invalid: 0, byTopic: {} };
  // The sparse kinds first, heartbeats last: the backtest holds deployments and crashes until the
  // heartbeats reach their time, so nothing is late. (Crashes after a week of heartbeats were all late.)
  for (const topic of [topics.deployments, topics.crashes, topics.heartbeats]) {
    summary.byTopic[topic] = 0;
    await bus.scan(topic, range, async (records) => {
      for (const record of records) {
        if (isTick(record.headers)) continue; // watermark ticks, not telemetry
        let entries;
        try {
          entries = recordEntries(record); // v1: the record itself; v2, v3: each event of the batch record
        } catch {
          summary.invalid++;
          continue;
        }
        for (const entry of entries) {
          if (!decodeEnvelope(entry.value).ok) {
            summary.invalid++;
            continue;
          }
          await out.write(entry.value.toString('utf8'));
          summary.written++;
          summary.byTopic[topic]++;
        }
      }
    });
  }
  return summary;
}

/** "2026-11-01T00:00:00Z", or a duration back from now: "90m", "36h", "7d". */
export function parseTimeArg(value: string, nowMs: number): number {
  const relative = /^(\d+)([smhd])$/.exec(value);
  if (relative) return nowMs - Number(relative[1]) * { s: 1e3, m: 6e4, h: 36e5, d: 864e5 }[relative[2] as 's' | 'm' | 'h' | 'd'];
  const ms = Date.parse(value);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(value) || Number.isNaN(ms)) throw new Error(`not a time: ${value} (use RFC 3339 or 90m / 36h / 7d)`);
  return ms;
}
