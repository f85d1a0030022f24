// Per-release facts of a backtest: first fail and first inconclusive verdict (time and ring), pages, halts,
// and the blast radius at the first halt. Kept in first-seen order so the summary reads like a timeline.
import type { Release, Verdict } from '../../common/contract/decision.ts';
import { releaseKey } from '../../common/contract/decision.ts';
import type { HaltSignal } from '../../alerting/core/model.ts';
import type { BlastRadius } from './backtest-exposure.ts';

export interface FirstVerdict {
  at: string;
  ring: string;
  decisionId?: string;
}

export interface ReleaseSummary extends Release {
  release: string;
  firstFail: FirstVerdict | null;
  firstInconclusive: FirstVerdict | null;
  /** Incidents opened for this release (each a PagerDuty trigger where a key is configured). */
  pages: number;
  halts: { at: string; ring: string; reason: HaltSignal['reason']; rollbackRecommended: boolean }[];
  /** Devices the release could have reached by its first halt (null: never halted). */
  blastRadiusAtHalt: (BlastRadius & { at: string }) | null;
}

export class ReleaseSummaries {
  private readonly byKey = new Map<string, ReleaseSummary>();

  note(r: Release): ReleaseSummary {
    const key = releaseKey(r);
    let s = this.byKey.get(key);
    if (!s) {
      s = { release: key, component: r.component, version: r.version, firstFail: null, firstInconclusive: null, pages: 0, halts: [], blastRadiusAtHalt: null };
      this.byKey.set(key, s);
    }
    return s;
  }

  verdict(r: Release, ring: string, verdict: Verdict, at: string, decisionId: string | undefined): void {
    const s = this.note(r);
    const first = { at, ring, ...(decisionId ? { decisionId } : {}) };
    if (verdict === 'fail' && !s.firstFail) s.firstFail = first;
    if (verdict === 'inconclusive' && !s.firstInconclusive) s.firstInconclusive = first;
  }

  paged(r: Release): void {
    this.note(r).pages++;
  }

  halted(h: HaltSignal, at: string, radius: BlastRadius): void {
    const s = this.note(h.release);
    s.halts.push({ at, ring: h.ring, reason: h.reason, rollbackRecommended: h.rollbackRecommended });
    s.blastRadiusAtHalt ??= { at, ...radius };
  }

  all(): ReleaseSummary[] {
    return [...this.byKey.values()];
  }
}
