// What a backtest says, as records: verdict changes per (release, ring), incidents opened / updated /
// resolved, halt signals, each with the virtual time and the deliveries production would have made; and
// per release the facts a team asks first (when did it first fail, where, how many devices by then).
import type { Decision, Release, Verdict } from '../../common/contract/decision.ts';
import { releaseKey } from '../../common/contract/decision.ts';
import type { AlerterCore } from '../../alerting/core/alerter-core.ts';
import type { Notice } from '../../alerting/core/model.ts';
import type { PlannedDelivery } from '../../alerting/core/routing.ts';
import type { PipelineObserver } from './virtual-pipeline.ts';
import type { BlastRadius, ExposureTracker } from './backtest-exposure.ts';
import { ReleaseSummaries, type ReleaseSummary } from './backtest-releases.ts';

export type BacktestRecord = Record<string, unknown> & { type: string; at: string };

export interface ReportCounts {
  decisions: number;
  verdictChanges: number;
  incidents: { opened: number; updated: number; resolved: number };
  pipelineGapIncidents: number;
  pages: number;
  halts: number;
}

const iso = (ms: number) => new Date(ms).toISOString();
const brief = (d: PlannedDelivery) => ({ integration: d.integration, target: d.target, action: d.action });

export class BacktestReport implements PipelineObserver {
  private readonly exposure: ExposureTracker;
  private readonly allDecisions: boolean;
  private alerter?: AlerterCore;
  /** (release, ring) pairs a decision touched since the last settle, and the verdict last reported. */
  private readonly touched = new Map<string, { release: Release; ring: string }>();
  private readonly lastVerdict = new Map<string, Verdict>();
  private decisionRecords: BacktestRecord[] = [];
  private noticeRecords: BacktestRecord[] = [];
  readonly releases = new ReleaseSummaries();
  readonly counts: ReportCounts = {
    decisions: 0, verdictChanges: 0, incidents: { opened: 0, updated: 0, resolved: 0 }, pipelineGapIncidents: 0, pages: 0, halts: 0,
  };

  constructor(exposure: ExposureTracker, options: { allDecisions: boolean }) {
    this.exposure = exposure;
    this.allDecisions = options.allDecisions;
  }

  /** Something happened since the last settle. */
  get pending(): boolean {
    return this.touched.size > 0 || this.decisionRecords.length > 0 || this.noticeRecords.length > 0;
  }

  /** The alerter whose verdict table is read (the pipeline's; set once it exists). */
  attach(alerter: AlerterCore): void {
    this.alerter = alerter;
  }

  decision(d: Decision, nowMs: number): void {
    this.counts.decisions++;
    if (this.allDecisions) this.decisionRecords.push({ type: 'decision', at: iso(nowMs), decision: d });
    if (!d.release) return;
    this.releases.note(d.release);
    this.touched.set(`${releaseKey(d.release)}|${d.ring}`, { release: d.release, ring: d.ring });
  }

  notice(n: Notice, deliveries: PlannedDelivery[], nowMs: number): void {
    const at = iso(nowMs);
    const sent = deliveries.map(brief);
    if (n.type === 'signal.halt') {
      const radius = this.exposure.blastRadius(n.signal.release);
      this.counts.halts++;
      this.releases.halted(n.signal, at, radius);
      this.noticeRecords.push({ type: 'halt', at, halt: n.signal, blastRadius: radius, deliveries: sent });
      return;
    }
    const i = n.incident;
    const event = n.type.slice('incident.'.length) as 'opened' | 'updated' | 'resolved';
    this.counts.incidents[event]++;
    if (event === 'opened') {
      // An opened incident is a page: a PagerDuty trigger wherever an integration key is configured.
      this.counts.pages++;
      if (i.kind === 'pipeline_gap') this.counts.pipelineGapIncidents++;
      if (i.release) this.releases.paged(i.release);
    }
    this.noticeRecords.push({
      type: n.type, at, noticeId: n.id,
      incident: {
        id: i.id, kind: i.kind, status: i.status, episode: i.episode, release: i.release, scope: i.scope, rings: i.rings,
        severity: i.severity, summary: i.summary, openedAt: i.openedAt, resolvedAt: i.resolvedAt,
        decisionId: i.last.id, layer: i.last.layer, signal: i.last.signal, evidence: i.last.evidence,
      },
      deliveries: sent,
    });
  }

  /**
   * After each pipeline step: the verdict of every touched (release, ring), reported when it changed, then
   * the step's notices (so a halt follows the verdict change that caused it).
   */
  settle(nowMs: number): BacktestRecord[] {
    const out = this.decisionRecords;
    this.decisionRecords = [];
    if (this.alerter) {
      for (const [key, { release, ring }] of this.touched) {
        const view = this.alerter.verdict(release, ring, nowMs);
        if (this.lastVerdict.get(key) === view.verdict) continue;
        const previous = this.lastVerdict.get(key) ?? null;
        this.lastVerdict.set(key, view.verdict);
        this.counts.verdictChanges++;
        const cause = view.cells.filter((c) => c.verdict === view.verdict).sort((a, b) => b.windowEnd.localeCompare(a.windowEnd))[0];
        const at = iso(nowMs);
        this.releases.verdict(release, ring, view.verdict, at, cause?.decisionId);
        out.push({
          type: 'verdict', at, release, ring, verdict: view.verdict, previous, reason: view.reason,
          ...(cause ? { decisionId: cause.decisionId, layer: cause.layer, signal: cause.signal, summary: cause.summary, evidence: cause.evidence } : {}),
        });
      }
    }
    this.touched.clear();
    if (this.noticeRecords.length) {
      out.push(...this.noticeRecords);
      this.noticeRecords = [];
    }
    return out;
  }

  /** Per release, with its blast radius at the end of the replay. */
  summaries(): (ReleaseSummary & { blastRadiusAtEnd: BlastRadius })[] {
    for (const r of this.exposure.startedReleases()) this.releases.note(r);
    return this.releases.all().map((s) => ({ ...s, blastRadiusAtEnd: this.exposure.blastRadius(s) }));
  }
}
