// The demo's terminal output. On a TTY a status block (one line per ring) is redrawn in place and events
// (verdict changes, the page, the halt) scroll above it; elsewhere (CI, pipes) everything is plain lines,
// the status every few seconds, so a log stays readable.
import type { SimulationSummary } from '../simulator/summary.ts';
import type { VerdictRead } from './live-rollout.ts';
import type { RingView } from './ring-tally.ts';

const pct = (n: number, of: number) => `${of ? ((100 * n) / of).toFixed(1) : '0.0'}%`.padStart(6);

/** Latest verdict and rollout state of each release on one ring, e.g. "channel-291@v2 fail (halted)". */
export function releasesOnRing(ring: string, summary: SimulationSummary | undefined, reads: VerdictRead[]): string {
  if (!summary) return '';
  const parts: string[] = [];
  for (const r of summary.releases) {
    const actions = summary.actions.filter((a) => a.component === r.component && a.version === r.version && a.ring === ring);
    if (!actions.length) continue;
    const read = reads.findLast((v) => v.component === r.component && v.version === r.version && v.ring === ring);
    parts.push(`${r.component}@${r.version} ${read?.verdict ?? 'no verdict yet'} (${actions.at(-1)?.action})`);
  }
  return parts.join('; ');
}

export function statusLines(elapsedSecs: number, views: RingView[], summary: SimulationSummary | undefined, reads: VerdictRead[]): string[] {
  const width = Math.max(...views.map((v) => v.ring.length));
  const header = `t+${elapsedSecs.toFixed(0).padStart(3)}s  ring${' '.repeat(Math.max(0, width - 4))}  devices  reporting  silent  crashed  release verdicts`;
  return [header, ...views.map((v) => `        ${v.ring.padEnd(width)}  ${String(v.devices).padStart(7)}    ${pct(v.reporting, v.devices)}  ${pct(v.silent, v.devices)}   ${pct(v.crashed, v.devices)}  `
    + releasesOnRing(v.ring, summary, reads))];
}

export class Screen {
  private readonly out: NodeJS.WriteStream;
  private readonly tty: boolean;
  private shown = 0;

  constructor(out: NodeJS.WriteStream, tty: boolean) {
    this.out = out;
    this.tty = tty;
  }

  /** Replace the status block (TTY) or print it (plain). */
  status(lines: string[]): void {
    this.clear();
    this.out.write(`${lines.join('\n')}\n`);
    if (this.tty) this.shown = lines.length;
  }

  /** A line that stays: printed above the status block. */
  event(line: string): void {
    this.clear();
    this.out.write(`${line}\n`);
    this.shown = 0;
  }

  /** Keep the current status block on screen (the final one, above the summary). */
  freeze(): void {
    this.shown = 0;
  }

  private clear(): void {
    if (this.tty && this.shown) this.out.write(`\x1b[${this.shown}A\x1b[J`);
    this.shown = 0;
  }
}
