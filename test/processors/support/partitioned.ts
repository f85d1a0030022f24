// The Kafka topology, in-process and without Kafka: envelopes routed to heartbeats/p and crashes/p by
// the default partitioner, one SourceCore per partition, a tick into crashes/p whenever heartbeats/p
// closes windows, and one judge over all partials.
import type { AnyEnvelope } from '../../../common/contract/envelope.ts';
import { envelopeKey } from '../../../common/contract/envelope.ts';
import type { Decision } from '../../../common/contract/decision.ts';
import { partitionFor } from '../../../common/bus/partitioner.ts';
import { Judge } from '../../../processors/core/judge.ts';
import type { DetectionSettings } from '../../../processors/core/settings.ts';
import { SourceCore } from '../../../processors/core/source-core.ts';
import { sourceNames } from '../../../processors/shell/judge-stage.ts';

export function runPartitioned(envs: AnyEnvelope[], s: DetectionSettings, partitions: number): Decision[] {
  const judge = new Judge(s, sourceNames(partitions));
  const cores = new Map<string, SourceCore>();
  const core = (name: string) => {
    let c = cores.get(name);
    if (!c) cores.set(name, (c = new SourceCore(name, s)));
    return c;
  };
  const out: Decision[] = [];
  for (const env of envs) {
    if (env.kind === 'deployment') {
      judge.addDeployment(env);
      continue;
    }
    const p = partitionFor(envelopeKey(env), partitions);
    const source = core(`${env.kind === 'heartbeat' ? 'heartbeats' : 'crashes'}/${p}`);
    source.feed(env);
    const partials = source.drain();
    for (const partial of partials) judge.addPartial(partial);
    if (env.kind === 'heartbeat' && partials.length) {
      const last = partials[partials.length - 1];
      const crashes = core(`crashes/${p}`);
      crashes.advance((last.window + 1) * last.windowMs, last.closedAt);
      for (const partial of crashes.drain()) judge.addPartial(partial);
    }
    out.push(...judge.drain());
  }
  return out;
}
