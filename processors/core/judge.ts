// The judge: collects partial windows from every source, and judges a window once every source has
// closed it (a source that moved past a window without sending it had nothing for it), strictly in
// window order. Replays and redeliveries repeat partials: the first copy of (source, window) counts.
import type { Envelope } from '../../common/contract/envelope.ts';
import type { Decision } from '../../common/contract/decision.ts';
import { mergePartials, type PartialWindow } from './partial.ts';
import { judgedRollouts, RolloutFeed } from './rollout.ts';
import type { DetectionSettings } from './settings.ts';
import { WindowJudge } from './window-judge.ts';

export type PartialOutcome = 'added' | 'duplicate' | 'stale' | 'unknown_source';

const NO_DECISIONS: readonly Decision[] = Object.freeze([]);

export class Judge {
  readonly rollout = new RolloutFeed();
  readonly windows: WindowJudge;
  private readonly s: DetectionSettings;
  private readonly sources: Set<string>;
  private readonly pending = new Map<number, Map<string, PartialWindow>>();
  private readonly newest = new Map<string, number>();
  /** Windows before this one are judged. */
  nextWindow: number | undefined;
  judged = 0;

  constructor(settings: DetectionSettings, sources: string[]) {
    this.s = settings;
    this.sources = new Set(sources);
    this.windows = new WindowJudge(settings);
  }

  addDeployment(env: Envelope<'deployment'>): boolean {
    return this.rollout.add(env);
  }

  addPartial(p: PartialWindow): PartialOutcome {
    if (!this.sources.has(p.source)) return 'unknown_source';
    if (this.nextWindow !== undefined && p.window < this.nextWindow) return 'stale';
    let bySource = this.pending.get(p.window);
    if (!bySource) this.pending.set(p.window, (bySource = new Map()));
    if (bySource.has(p.source)) return 'duplicate';
    bySource.set(p.source, p);
    this.newest.set(p.source, Math.max(this.newest.get(p.source) ?? -Infinity, p.window));
    return 'added';
  }

  /** End (ms) of the newest window closed by any source whose name starts with `prefix`. */
  newestWindowEnd(prefix: string): number | undefined {
    let newest = -Infinity;
    for (const [source, w] of this.newest) if (source.startsWith(prefix)) newest = Math.max(newest, w);
    return Number.isFinite(newest) ? (newest + 1) * this.s.windowMs : undefined;
  }

  /** Lowest window waiting to be judged, if every source has reached it. */
  nextReady(): number | undefined {
    if (!this.pending.size) return undefined;
    const w = Math.min(...this.pending.keys());
    for (const source of this.sources) if ((this.newest.get(source) ?? -Infinity) < w) return undefined;
    return w;
  }

  /** Judge every complete window, in order. */
  drain(): readonly Decision[] {
    // Asked after every event in-process (backtests), and almost always with no window complete.
    if (!this.pending.size) return NO_DECISIONS;
    const out: Decision[] = [];
    for (let w = this.nextReady(); w !== undefined; w = this.nextReady()) {
      const partials = [...(this.pending.get(w)?.values() ?? [])].sort((a, b) => (a.source < b.source ? -1 : 1));
      this.pending.delete(w);
      this.nextWindow = w + 1;
      const merged = mergePartials(w, this.s.windowMs, partials);
      const endMs = (w + 1) * this.s.windowMs;
      const rollouts = judgedRollouts(this.rollout.startedAsOf(endMs), endMs, this.s.judgeAfterCompleteMs, this.s.releaseMaxAgeMs);
      out.push(...this.windows.judge(merged, rollouts));
      this.rollout.prune(endMs - this.s.releaseMaxAgeMs - this.s.judgeAfterCompleteMs);
      this.judged++;
    }
    return out;
  }
}
