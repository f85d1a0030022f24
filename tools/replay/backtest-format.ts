// Human-readable text of a backtest: the updating progress line (terminals only) and the summary on stderr.
import type { BacktestProgress, BacktestSummary } from './backtest-run.ts';

const n = (x: number) => x.toLocaleString('en-US');

export function progressLine(p: BacktestProgress): string {
  return `backtest: ${n(p.lines)} lines read, ${n(p.events)} events replayed, ${n(p.eventsPerSec)} events/s, virtual time ${p.virtualTime ?? '-'}`;
}

/** Rewrites one terminal line in place (carriage return + erase to end of line). */
export function terminalProgress(stream: NodeJS.WriteStream): { update(p: BacktestProgress): void; done(): void } {
  let shown = false;
  return {
    update(p) {
      shown = true;
      stream.write(`\r\x1b[K${progressLine(p)}`);
    },
    done() {
      if (shown) stream.write('\r\x1b[K');
    },
  };
}

export function formatSummary(s: BacktestSummary): string {
  const mb = (s.peakRssBytes / 1048576).toFixed(0);
  const lines = [
    `backtest of ${s.input}: ${n(s.linesRead)} lines read, ${n(s.eventsReplayed)} events replayed `
      + `(${n(s.eventsByKind.heartbeat)} heartbeats, ${n(s.eventsByKind.crash)} crashes, ${n(s.eventsByKind.deployment)} deployments)`,
    `  bad lines ${n(s.badLines)}, input errors ${s.inputErrors}, late beyond the ${s.reorderWindowSecs} s reorder window ${n(s.lateEvents)} `
      + `(heartbeat ${n(s.lateByKind.heartbeat)}, crash ${n(s.lateByKind.crash)}), forced out of the reorder buffer ${n(s.reorderForced)}`,
    `  virtual time ${s.firstEventAt ?? '-'} .. ${s.lastEventAt ?? '-'}; ${s.wallSecs.toFixed(1)} s wall, ${n(s.eventsPerSec)} events/s; `
      + `${s.cpuSecs.toFixed(1)} s CPU, ${n(s.eventsPerCpuSec)} events per CPU-second; peak RSS ${mb} MB`,
    `  decisions ${n(s.decisions)}, verdict changes ${n(s.verdictChanges)}, incidents opened ${s.incidents.opened} / updated ${s.incidents.updated} / `
      + `resolved ${s.incidents.resolved} (pipeline gaps ${s.pipelineGapIncidents}), pages ${s.pages}, halts ${s.halts}`,
  ];
  for (const r of s.releases) {
    const first = (f: { at: string; ring: string } | null) => (f ? `${f.at} on ${f.ring}` : '-');
    const atHalt = r.blastRadiusAtHalt ? `${n(r.blastRadiusAtHalt.devices)} devices at the halt (${r.blastRadiusAtHalt.at})` : 'no halt';
    lines.push(`  release ${r.release}: first fail ${first(r.firstFail)}, first inconclusive ${first(r.firstInconclusive)}, `
      + `pages ${r.pages}, halts ${r.halts.length}${r.halts.length ? ` (${r.halts.map((h) => `${h.ring} ${h.reason}`).join(', ')})` : ''}, `
      + `blast radius: ${atHalt}, ${n(r.blastRadiusAtEnd.devices)} by the end`);
  }
  return `${lines.join('\n')}\n`;
}
