// Driving the processor through a real Kafka broker: publish a scenario's envelopes to the telemetry
// topics the way collectors would (keyed by device / component, in receipt order), and read decisions.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { Bus, BusProducer } from '../../../common/bus/types.ts';
import type { Topics } from '../../../common/bus/topics.ts';
import { encodeEnvelope, envelopeKey, type AnyEnvelope } from '../../../common/contract/envelope.ts';
import type { Decision } from '../../../common/contract/decision.ts';
import { sleep } from '../../../common/runtime/retry.ts';

const topicOf = (e: AnyEnvelope, t: Topics) => (e.kind === 'heartbeat' ? t.heartbeats : e.kind === 'crash' ? t.crashes : t.deployments);

/**
 * Publish in slices of receipt time. Within a slice, deployments and crashes are acknowledged before the
 * heartbeats that could close their window, as a collector that writes in receipt order would have them.
 */
export async function publishScenario(producer: BusProducer, topics: Topics, envs: AnyEnvelope[], sliceMs = 1000, from = 0, to = Infinity): Promise<void> {
  const slices = new Map<number, AnyEnvelope[]>();
  for (const e of envs) {
    const t = Date.parse(e.receivedAt);
    if (t < from || t >= to) continue;
    const s = Math.floor(t / sliceMs);
    slices.get(s)?.push(e) ?? slices.set(s, [e]);
  }
  for (const slice of [...slices.keys()].sort((a, b) => a - b)) {
    const items = slices.get(slice) ?? [];
    for (const kind of ['deployment', 'crash', 'heartbeat'] as const) {
      const byTopic = items.filter((e) => e.kind === kind);
      if (!byTopic.length) continue;
      // Batchable like the collector's records: a bus with bus.batch_records writes batch records (format v3 by default).
      await producer.publish(topicOf(byTopic[0], topics), byTopic.map((e) => ({ key: envelopeKey(e), value: encodeEnvelope(e), batchable: kind !== 'deployment' })));
    }
  }
}

export interface DecisionReader {
  decisions(): Decision[];
  /** Resolves once `done` holds for the decisions read so far. */
  until(done: (ds: Decision[]) => boolean, timeoutMs: number): Promise<Decision[]>;
  stop(): Promise<void>;
}

/** Reads the decisions topic from the start; copies of one id must be identical. */
export async function readDecisions(bus: Bus, topic: string, label = topic): Promise<DecisionReader> {
  const byId = new Map<string, string>();
  const conflicts: string[] = [];
  const consumer = bus.consumer({
    groupId: `test-decisions-${randomUUID()}`, topics: [topic], fromBeginning: true,
    handler: async (batch) => {
      for (const r of batch.records) {
        const text = r.value.toString('utf8');
        const id = (JSON.parse(text) as Decision).id;
        const known = byId.get(id);
        if (known !== undefined && known !== text) conflicts.push(`${id}:\n  ${known}\n  ${text}`);
        byId.set(id, text);
      }
    },
  });
  await consumer.start();
  const decisions = () => [...byId.values()].map((t) => JSON.parse(t) as Decision);
  return {
    decisions,
    async until(done, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      while (!done(decisions())) {
        if (Date.now() > deadline) throw new Error(`${label}: timed out waiting for decisions (have ${byId.size}, newest window ${decisions().map((d) => d.windowStart).sort().at(-1)})`);
        await sleep(200);
      }
      return decisions();
    },
    async stop() {
      await consumer.stop();
      assert.deepEqual(conflicts, [], 'every copy of a decision is identical');
    },
  };
}

/** True once a window starting at or after `ms` has been judged. */
export const judgedThrough = (ms: number) => (ds: Decision[]) => ds.some((d) => Date.parse(d.windowStart) >= ms);
