// The demo's closing summary, from what happened outside ringwatch (the release tool's log, the pages the
// local stand-in received, the halts on the signals topic): what was caught, how long after its onset,
// attributed to what, and how many devices had received it (the blast radius).
import type { ReleaseSummary } from '../simulator/summary.ts';
import { onsetOf, ringsReached, type LiveRolloutResult } from './live-rollout.ts';
import type { PagerDelivery } from './local-pager.ts';

export interface DemoOutcome {
  lines: string[];
  /** Every release the scenario makes harmful was halted on its first ring and reached no other ring. */
  caughtInFirstRing: boolean;
}

const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

function releaseLines(r: ReleaseSummary, run: LiveRolloutResult, pages: PagerDelivery[], halts: Record<string, any>[]): { lines: string[]; caught: boolean } {
  const { summary } = run;
  const name = `${r.component}@${r.version}`;
  const onset = onsetOf(summary, r);
  const firstRing = summary.actions.find((a) => a.component === r.component && a.version === r.version && a.action === 'started')?.ring;
  const haltRing = summary.actions.find((a) => a.component === r.component && a.version === r.version && a.action === 'halted')?.ring;
  const reached = ringsReached(r);
  const page = pages.find((p) => p.body.payload?.custom_details?.release?.component === r.component && p.body.payload.custom_details.release.version === r.version);
  const halt = halts.find((h) => h.release?.component === r.component && h.release?.version === r.version);
  const blast = `blast radius ${r.exposure.total} of ${summary.devices} devices (${reached.map((ring) => `${ring} ${r.exposure.byRing[ring]}`).join(', ') || 'none'})`;
  if (r.effect === 'healthy') {
    return { lines: [`  ${name} (healthy): ${r.outcome}${r.haltedAtMs !== undefined ? ' - HALTED, a false alarm' : ', not halted'}; ${blast}`], caught: r.haltedAtMs === undefined };
  }
  const caught = r.haltReason === 'verdict_fail' && haltRing === firstRing && reached.every((ring) => ring === firstRing);
  const lines = [caught
    ? `  CAUGHT ${name} (${r.effect}) in its first ring (${firstRing}): halted and rolled back there`
    : `  NOT CAUGHT in its first ring: ${name} (${r.effect}) is ${r.outcome}${haltRing ? `, halted on ${haltRing}` : ''}`];
  if (onset !== undefined && r.haltedAtMs !== undefined) lines.push(`    halt ${secs(r.haltedAtMs - onset)} after the onset (release start on ${firstRing})`);
  if (onset !== undefined && page) lines.push(`    page ${secs(page.atMs - onset)} after the onset: "${page.body.payload.summary}"`);
  if (halt) lines.push(`    halt signal: ${halt.reason}, rollback recommended: ${halt.rollbackRecommended}`);
  const ranking = page?.body.payload.custom_details.evidence?.attribution as { component: string; version: string; score: number }[] | undefined;
  if (page) lines.push(`    attributed to ${page.body.payload.custom_details.release.component}@${page.body.payload.custom_details.release.version}`
    + (ranking?.length ? ` (ranking: ${ranking.map((c) => `${c.component}@${c.version} ${c.score}`).join(', ')})` : ''));
  lines.push(`    ${blast}${r.bootLoops ? `; ${r.bootLoops} of them boot-looping` : ''}`);
  return { lines, caught };
}

export function demoOutcome(run: LiveRolloutResult, pages: PagerDelivery[], halts: Record<string, any>[]): DemoOutcome {
  const lines = [`summary: ${run.summary.scenario} (seed ${run.summary.seed}), ${run.summary.devices} devices, ${secs(run.wallMs)} of wall time, `
    + `${run.summary.driver?.accepted ?? 0} events accepted by the collector, ${pages.length} page(s) delivered`];
  let caught = true;
  for (const r of run.summary.releases) {
    const part = releaseLines(r, run, pages, halts);
    lines.push(...part.lines);
    caught &&= part.caught;
  }
  const wrong = pages.filter((p) => !run.summary.releases.some((r) => r.effect !== 'healthy' && p.body.payload?.custom_details?.release?.component === r.component));
  if (wrong.length) lines.push(`  ${wrong.length} page(s) named no harmful release: ${wrong.map((p) => p.body.payload?.summary).join(' | ')}`);
  return { lines, caughtInFirstRing: caught && wrong.length === 0 };
}
