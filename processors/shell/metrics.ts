// Processor self-telemetry on the injected registry. Ring, component and version come from data, so they
// pass through the LabelLimiter; every other label has a closed set of values, pre-initialised to 0.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { Decision, Layer } from '../../common/contract/decision.ts';
import type { LabelLimiter } from '../../common/telemetry/metrics.ts';
import { SeriesRounds } from '../../common/telemetry/series-rounds.ts';

const VERDICT_VALUE = { pass: 0, inconclusive: 1, fail: 2 } as const;
const FEED_OUTCOMES = ['accepted', 'duplicate', 'late', 'backfill', 'ignored', 'invalid', 'tick'] as const;
const PARTIAL_OUTCOMES = ['published', 'added', 'duplicate', 'stale', 'unknown_source', 'invalid'] as const;


export class ProcessorMetrics {
  readonly events: Counter<'topic' | 'outcome'>;
  readonly partials: Counter<'outcome'>;
  readonly decisions: Counter<'kind' | 'layer' | 'verdict'>;
  readonly windowsClosed: Counter;
  readonly windowsJudged: Counter;
  readonly restores: Counter<'outcome'>;
  readonly evictions: Counter;
  readonly devices: Gauge;
  readonly sourcesOwned: Gauge;
  readonly lag: Gauge<'stage' | 'topic'>;
  readonly judgedUntil: Gauge;
  readonly batchSeconds: Histogram<'stage'>;
  readonly eventAge: Histogram;
  private readonly verdict: Gauge<'ring' | 'component' | 'version' | 'signal' | 'layer'>;
  private readonly affected: Gauge<'ring' | 'component' | 'version' | 'signal' | 'side'>;
  private readonly exposed: Gauge<'ring' | 'component' | 'version' | 'signal' | 'side'>;
  private readonly statistic: Gauge<'ring' | 'component' | 'version' | 'signal' | 'layer'>;
  private readonly threshold: Gauge<'ring' | 'component' | 'version' | 'signal' | 'layer'>;
  private readonly gaps: Gauge<'kind'>;
  private readonly labels: LabelLimiter;
  /** Release series hold the latest judged windows: a release no longer judged (or evicted) loses them. */
  private readonly rounds = new SeriesRounds();

  constructor(registry: Registry, labels: LabelLimiter) {
    this.labels = labels;
    const registers = [registry];
    const rel = ['ring', 'component', 'version', 'signal'] as const;
    this.events = new Counter({ name: 'ringwatch_processor_events_total', help: 'Telemetry records consumed, by topic kind and outcome.', labelNames: ['topic', 'outcome'], registers });
    for (const topic of ['heartbeats', 'crashes', 'deployments']) for (const outcome of FEED_OUTCOMES) this.events.inc({ topic, outcome }, 0);
    this.partials = new Counter({ name: 'ringwatch_processor_partials_total', help: 'Partial windows published by sources and taken in by the judge.', labelNames: ['outcome'], registers });
    for (const outcome of PARTIAL_OUTCOMES) this.partials.inc({ outcome }, 0);
    this.decisions = new Counter({ name: 'ringwatch_processor_decisions_total', help: 'Decisions published.', labelNames: ['kind', 'layer', 'verdict'], registers });
    this.windowsClosed = new Counter({ name: 'ringwatch_processor_windows_closed_total', help: 'Windows closed by the sources this instance owns.', registers });
    this.windowsJudged = new Counter({ name: 'ringwatch_processor_windows_judged_total', help: 'Fleet-wide windows judged.', registers });
    this.restores = new Counter({ name: 'ringwatch_processor_state_restores_total', help: 'Source partitions whose state was rebuilt by replay.', labelNames: ['outcome'], registers });
    for (const outcome of ['ok', 'failed']) this.restores.inc({ outcome }, 0);
    this.evictions = new Counter({ name: 'ringwatch_processor_device_evictions_total', help: 'Devices evicted because max_tracked_devices was reached.', registers });
    this.devices = new Gauge({ name: 'ringwatch_processor_devices_tracked', help: 'Devices in state across the source partitions this instance owns.', registers });
    this.sourcesOwned = new Gauge({ name: 'ringwatch_processor_source_partitions_owned', help: 'Heartbeat and crash partitions this instance owns.', registers });
    this.lag = new Gauge({ name: 'ringwatch_processor_consumer_lag_records', help: 'Committed-offset lag, records.', labelNames: ['stage', 'topic'], registers });
    this.judgedUntil = new Gauge({ name: 'ringwatch_processor_judged_window_end_timestamp_seconds', help: 'End of the newest judged window.', registers });
    this.batchSeconds = new Histogram({ name: 'ringwatch_processor_batch_duration_seconds', help: 'Time to process one consumed batch.', labelNames: ['stage'], buckets: [0.001, 0.005, 0.02, 0.1, 0.5, 2, 10], registers });
    this.eventAge = new Histogram({ name: 'ringwatch_processor_event_age_seconds', help: 'Receipt-to-processing age of telemetry: per consumed partition batch, of its oldest and its newest accepted event.', buckets: [0.01, 0.1, 0.5, 1, 5, 30, 120, 600], registers });
    this.verdict = new Gauge({ name: 'ringwatch_processor_verdict', help: 'Latest verdict per release, ring, signal and layer: 0 pass, 1 inconclusive, 2 fail.', labelNames: [...rel, 'layer'], registers });
    this.affected = new Gauge({ name: 'ringwatch_processor_affected_devices', help: 'Numerator of the latest comparison: devices showing the signal.', labelNames: [...rel, 'side'], registers });
    this.exposed = new Gauge({ name: 'ringwatch_processor_exposed_devices', help: 'Denominator of the latest comparison: devices that could show it.', labelNames: [...rel, 'side'], registers });
    this.statistic = new Gauge({ name: 'ringwatch_processor_statistic', help: 'Latest statistic (catastrophe: excess fraction; gate: log-likelihood ratio; baseline: CUSUM).', labelNames: [...rel, 'layer'], registers });
    this.threshold = new Gauge({ name: 'ringwatch_processor_threshold', help: 'Threshold the statistic is compared with (catastrophe: alpha).', labelNames: [...rel, 'layer'], registers });
    this.gaps = new Gauge({ name: 'ringwatch_processor_pipeline_gaps', help: 'Scopes in a telemetry gap in the latest judged window.', labelNames: ['kind'], registers });
    for (const kind of ['region', 'collector']) this.gaps.set({ kind }, 0);
  }

  /** Update verdict, ratio and statistic series from a judged window's decisions. */
  observe(decisions: readonly Decision[]): void {
    const gaps = { region: 0, collector: 0 };
    this.labels.nextRound();
    for (const d of decisions) {
      this.decisions.inc({ kind: d.kind, layer: d.layer, verdict: d.verdict });
      if (d.kind === 'pipeline_gap') {
        if (d.verdict === 'inconclusive') gaps[d.scope?.region !== undefined ? 'region' : 'collector']++;
        continue;
      }
      if (!d.release || !d.signal) continue;
      const rel = {
        ring: this.labels.value('ring', d.ring), component: this.labels.value('component', d.release.component),
        version: this.labels.value('version', d.release.version), signal: d.signal,
      };
      const layer: Layer = d.layer;
      this.rounds.set(this.verdict, { ...rel, layer }, VERDICT_VALUE[d.verdict]);
      if (typeof d.evidence.statistic === 'number' && Number.isFinite(d.evidence.statistic)) this.rounds.set(this.statistic, { ...rel, layer }, d.evidence.statistic);
      if (typeof d.evidence.threshold === 'number') this.rounds.set(this.threshold, { ...rel, layer }, d.evidence.threshold);
      if (layer !== 'catastrophe') continue;
      for (const side of ['updated', 'control'] as const) {
        const e = d.evidence[side];
        if (!e) continue;
        this.rounds.set(this.affected, { ...rel, side }, e.affected);
        this.rounds.set(this.exposed, { ...rel, side }, e.exposed);
      }
    }
    this.rounds.endRound();
    this.gaps.set({ kind: 'region' }, gaps.region);
    this.gaps.set({ kind: 'collector' }, gaps.collector);
  }
}
