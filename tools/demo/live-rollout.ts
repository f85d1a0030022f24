// Plays a scenario live against a running collector (runLive), with the release tool reading ringwatch's
// verdict API over HTTP, and stops a few seconds after the first halt: by then the blast radius is fixed
// (a halt cancels every pending pick-up), so waiting for the scenario's end would only cost wall time.
// Shared by `ringwatch demo` and the end-to-end test, which both need onset, halt and verdict times.
import type { Verdict } from '../../common/contract/decision.ts';
import type { DriverTokens } from '../simulator/agent-driver.ts';
import { runLive } from '../simulator/live-run.ts';
import type { Scenario } from '../simulator/scenario-schema.ts';
import type { ReleaseSummary, SimulationSummary } from '../simulator/summary.ts';
import { readVerdict } from '../simulator/verdict-http.ts';

export interface VerdictRead {
  component: string;
  version: string;
  ring: string;
  verdict: Verdict | 'error';
  atMs: number;
}

export interface LiveRolloutOptions {
  target: string;
  tokens: DriverTokens;
  /** Verdict URL template with {component}, {version} and {ring}. */
  verdictUrl: string;
  /** Keep playing this long after the first halt (the halt's pages and signals land meanwhile). */
  settleMs: number;
  progressEveryMs?: number;
  onProgress?: (s: SimulationSummary, reads: VerdictRead[]) => void;
  onVerdict?: (read: VerdictRead) => void;
  signal?: AbortSignal;
}

export interface LiveRolloutResult {
  summary: SimulationSummary;
  /** Every verdict the release tool read, in order. */
  reads: VerdictRead[];
  wallMs: number;
}

/** When the release started in its first ring (the onset of whatever it does), wall-clock ms. */
export function onsetOf(summary: SimulationSummary, release: Pick<ReleaseSummary, 'component' | 'version'>): number | undefined {
  return summary.actions.find((a) => a.component === release.component && a.version === release.version && a.action === 'started')?.atMs;
}

/** Rings where the release reached at least one device. */
export const ringsReached = (r: ReleaseSummary): string[] => Object.entries(r.exposure.byRing).filter(([, n]) => n > 0).map(([ring]) => ring);

export async function playLiveRollout(scenario: Scenario, options: LiveRolloutOptions): Promise<LiveRolloutResult> {
  const started = Date.now();
  const reads: VerdictRead[] = [];
  const stop = new AbortController();
  options.signal?.addEventListener('abort', () => stop.abort(), { once: true });
  let firstHaltMs: number | undefined;
  const summary = await runLive(scenario, {
    target: options.target,
    tokens: options.tokens,
    speed: 1,
    tickMs: 100,
    flushTimeoutMs: 10_000,
    progressEveryMs: options.progressEveryMs ?? 1000,
    signal: stop.signal,
    verdicts: async (q) => {
      let verdict: Verdict | 'error' = 'error';
      try {
        verdict = await readVerdict(options.verdictUrl, q, { timeoutMs: 2000 });
        return verdict;
      } finally {
        const read = { component: q.component, version: q.version, ring: q.ring, verdict, atMs: Date.now() };
        reads.push(read);
        options.onVerdict?.(read);
      }
    },
    onProgress: (s) => {
      firstHaltMs ??= s.releases.map((r) => r.haltedAtMs).filter((t) => t !== undefined).sort((a, b) => a - b)[0];
      options.onProgress?.(s, reads);
      if (firstHaltMs !== undefined && Date.now() - firstHaltMs >= options.settleMs) stop.abort();
    },
  });
  return { summary, reads, wallMs: Date.now() - started };
}
