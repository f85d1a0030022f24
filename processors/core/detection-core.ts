// The whole detection pipeline in one process, with no bus and no timers: envelopes in receipt order and
// a clock in, decisions out. This is what backtests replay weeks of telemetry through, and what the
// Kafka shell runs split in two (sources per partition, then the judge).
import type { AnyEnvelope } from '../../common/contract/envelope.ts';
import type { Decision } from '../../common/contract/decision.ts';
import { Judge } from './judge.ts';
import type { DetectionSettings } from './settings.ts';
import { SourceCore, type FeedOutcome } from './source-core.ts';

export const IN_PROCESS_SOURCE = 'all';

export class DetectionCore {
  readonly source: SourceCore;
  readonly judge: Judge;
  private readonly s: DetectionSettings;

  constructor(settings: DetectionSettings) {
    this.s = settings;
    this.source = new SourceCore(IN_PROCESS_SOURCE, settings);
    this.judge = new Judge(settings, [IN_PROCESS_SOURCE]);
  }

  /** Apply one envelope; returns the decisions of any windows it closed. */
  feed(env: AnyEnvelope): readonly Decision[] {
    this.feedOnly(env);
    return this.flush();
  }

  /** Apply one envelope without judging (batch callers flush once per batch). */
  feedOnly(env: AnyEnvelope): FeedOutcome {
    if (env.kind === 'deployment') return this.judge.addDeployment(env) ? 'accepted' : 'duplicate';
    return this.source.feed(env);
  }

  /**
   * Move time on without input (virtual clock in backtests; the wall clock after a long silence in
   * production): windows ending more than the allowed lateness before `nowMs` close.
   */
  advance(nowMs: number): readonly Decision[] {
    this.source.advance(nowMs - this.s.latenessMs, nowMs);
    return this.flush();
  }

  flush(): readonly Decision[] {
    for (const p of this.source.drain()) this.judge.addPartial(p);
    return this.judge.drain();
  }
}
