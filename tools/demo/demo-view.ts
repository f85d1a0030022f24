// What the demo watches while it runs: telemetry on the bus (per-ring tally), halts on the signals topic,
// the release tool's actions and verdict reads, and deliveries at the local pager. It turns them into
// event lines as they happen and a status block on a timer.
import type { Bus, BusConsumer } from '../../common/bus/types.ts';
import type { Topics } from '../../common/bus/topics.ts';
import { decodeSignal, type HaltSignal } from '../../common/contract/signals.ts';
import { formatFieldError } from '../../common/contract/validate.ts';
import type { Scenario } from '../simulator/scenario-schema.ts';
import type { SimulationSummary } from '../simulator/summary.ts';
import { Screen, statusLines } from './demo-display.ts';
import type { LiveRolloutResult, VerdictRead } from './live-rollout.ts';
import { PAGER_PATHS, type PagerDelivery } from './local-pager.ts';
import { RingTally } from './ring-tally.ts';

/** The tally counts a device silent after this many missed heartbeats (the processor's default k). */
const SILENT_AFTER_HEARTBEATS = 3;
const CRASH_RECENT_SECS = 30;
const MAX_TALLIED_DEVICES = 1_000_000;

export class DemoView {
  readonly screen: Screen;
  readonly halts: HaltSignal[] = [];
  private readonly tally: RingTally;
  private readonly rings: string[];
  private readonly startMs = Date.now();
  private readonly statusEveryMs: number;
  private consumers: BusConsumer[] = [];
  private timer: NodeJS.Timeout | undefined;
  private summary: SimulationSummary | undefined;
  private reads: VerdictRead[] = [];
  private actionsShown = 0;
  private readonly lastVerdict = new Map<string, string>();

  constructor(scenario: Scenario, out: NodeJS.WriteStream, tty: boolean) {
    this.screen = new Screen(out, tty);
    this.rings = scenario.fleet.rings.map((r) => r.name);
    this.statusEveryMs = tty ? 1000 : 5000;
    const heartbeatMs = scenario.fleet.heartbeat_interval_secs * 1000;
    this.tally = new RingTally({ silentAfterMs: SILENT_AFTER_HEARTBEATS * heartbeatMs, crashRecentMs: CRASH_RECENT_SECS * 1000, maxDevices: MAX_TALLIED_DEVICES });
  }

  private get t(): string {
    return `t+${((Date.now() - this.startMs) / 1000).toFixed(1)}s`;
  }

  /** Subscribe to telemetry and signals (own consumer groups: the roles' consumption is untouched). */
  async watch(bus: Bus, topics: Topics): Promise<void> {
    this.consumers = [
      bus.consumer({
        groupId: 'demo-view-telemetry', topics: [topics.heartbeats, topics.crashes], fromBeginning: true,
        handler: async (batch) => { for (const r of batch.records) this.tally.feedRecord(r); },
      }),
      bus.consumer({
        groupId: 'demo-view-signals', topics: [topics.signals], fromBeginning: true,
        handler: async (batch) => {
          for (const r of batch.records) {
            const decoded = decodeSignal(r.value);
            if (!decoded.ok) {
              this.screen.event(`${this.t}  unreadable record on the signals topic: ${decoded.errors.map(formatFieldError).join('; ')}`);
              continue;
            }
            const halt = decoded.value;
            this.halts.push(halt);
            this.screen.event(`${this.t}  HALT SIGNAL on the signals topic: ${halt.release.component}@${halt.release.version} on ${halt.ring} (${halt.reason}; rollback recommended: ${halt.rollbackRecommended})`);
          }
        },
      }),
    ];
    for (const c of this.consumers) await c.start();
    this.timer = setInterval(() => this.drawStatus(), this.statusEveryMs);
  }

  progress(summary: SimulationSummary, reads: VerdictRead[]): void {
    this.summary = summary;
    this.reads = reads;
    for (const a of summary.actions.slice(this.actionsShown)) {
      this.screen.event(`${this.t}  release tool: ${a.component}@${a.version} ${a.action} on ${a.ring}${a.reason ? ` (${a.reason})` : ''}`);
    }
    this.actionsShown = summary.actions.length;
  }

  verdict(read: VerdictRead): void {
    const key = `${read.component}@${read.version} on ${read.ring}`;
    if (this.lastVerdict.get(key) === read.verdict) return;
    this.lastVerdict.set(key, read.verdict);
    this.screen.event(`${this.t}  verdict API: ${key} -> ${read.verdict}`);
  }

  delivered(d: PagerDelivery): void {
    if (d.path === PAGER_PATHS.events && d.body.event_action === 'trigger') {
      this.screen.event(`${this.t}  PAGE (local PagerDuty stand-in): [${d.body.payload?.severity}] ${d.body.payload?.summary}`);
      if (typeof d.body.client_url === 'string') this.screen.event(`        why, on the board: ${d.body.client_url}`);
    } else if (d.path === PAGER_PATHS.changes) {
      this.screen.event(`${this.t}  change event (local PagerDuty stand-in): ${d.body.payload?.summary}`);
    } else if (d.path === PAGER_PATHS.webhook && d.body.type === 'signal.halt') {
      this.screen.event(`${this.t}  webhook release-bot: halt ${d.body.signal?.release?.component ?? ''}@${d.body.signal?.release?.version ?? ''}`);
    }
  }

  finish(run: LiveRolloutResult): void {
    clearInterval(this.timer);
    this.progress(run.summary, run.reads);
    this.drawStatus();
    this.screen.freeze();
  }

  private drawStatus(): void {
    this.screen.status(statusLines((Date.now() - this.startMs) / 1000, this.tally.snapshot(Date.now(), this.rings), this.summary, this.reads));
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    for (const c of this.consumers) await c.stop();
  }
}
