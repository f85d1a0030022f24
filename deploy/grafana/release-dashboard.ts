// Release view: each rolling release across rings, with its verdicts and their evidence.
import { dashboard, queryVariable, VERDICT_MAPPINGS, type RowSpec } from './panels.ts';

const SEL = 'component=~"$component", version=~"$version", ring=~"$ring"';
const RAW = `job="ringwatch", ${SEL}`;

const rows: RowSpec[] = [
  { row: 'Verdicts', panels: [
    { title: 'Current verdict per release and ring', type: 'table', wide: true, mappings: VERDICT_MAPPINGS,
      description: 'The alerter\'s verdict table: pass, inconclusive (too little data, no control, stale, or a telemetry gap) or fail. The same answer the verdict API gives Argo Rollouts and Flagger.',
      queries: [{ expr: `component_version_ring:ringwatch_release_verdict:state{${SEL}}`, instant: true, legend: '{{component}} {{version}} {{ring}}' }] },
    { title: 'Verdict over time', type: 'state-timeline', wide: true, mappings: VERDICT_MAPPINGS,
      thresholds: [{ color: 'green', value: null }, { color: 'yellow', value: 1 }, { color: 'red', value: 2 }],
      description: 'One lane per release and ring: when each ring turned inconclusive or fail.',
      queries: [{ expr: `component_version_ring:ringwatch_release_verdict:state{${SEL}}`, legend: '{{component}} {{version}} {{ring}}' }] },
  ] },
  { row: 'Evidence', panels: [
    { title: 'Affected ratio: updated vs control', unit: 'percentunit', min: 0,
      description: 'Share of devices silent, crashed or boot-looping in the latest window, among devices that took the release (updated) and those that did not (control), same ring, same window.',
      queries: [{ expr: `component_version_ring_signal_group:ringwatch_release_affected:ratio{${SEL}}`, legend: '{{ring}} {{signal}} {{group}}' }] },
    { title: 'Excess over control', unit: 'percentunit',
      description: 'Updated ratio minus control ratio, in percentage points. The catastrophe rule also asks for at least processor.min_excess_fraction.',
      queries: [{ expr: `component_version_ring_signal:ringwatch_release_affected_excess:ratio{${SEL}}`, legend: '{{ring}} {{signal}}' }] },
    { title: 'Devices: affected and exposed', unit: 'short',
      description: 'Numerators and denominators of the ratios (distinct devices, not reports).',
      queries: [
        { expr: `sum by (ring, signal, group) (ringwatch_release_affected_devices{${RAW}, layer="catastrophe"})`, legend: 'affected {{ring}} {{signal}} {{group}}' },
        { expr: `sum by (ring, signal, group) (ringwatch_release_exposed_devices{${RAW}, layer="catastrophe"})`, legend: 'exposed {{ring}} {{signal}} {{group}}' },
      ] },
    { title: 'Test statistic vs threshold by layer', unit: 'short',
      description: 'Latest statistic of each detection layer and the threshold it is compared with (see docs on the layers).',
      queries: [
        { expr: `max by (ring, signal, layer) (ringwatch_release_statistic{${RAW}})`, legend: 'statistic {{ring}} {{signal}} {{layer}}' },
        { expr: `max by (ring, signal, layer) (ringwatch_release_threshold{${RAW}})`, legend: 'threshold {{ring}} {{signal}} {{layer}}' },
      ] },
    { title: 'Age of the newest decision', unit: 's',
      description: 'Seconds since the end of the newest decision window per release and ring; past alerting.verdict_stale_after_secs a pass becomes inconclusive.',
      queries: [{ expr: `component_version_ring:ringwatch_release_decision_age_seconds:min{${SEL}}`, legend: '{{component}} {{version}} {{ring}}' }] },
  ] },
  { row: 'Incidents and halt signals', panels: [
    { title: 'Open incidents by kind', unit: 'short', min: 0,
      description: 'catastrophe and regression incidents (one per release) page release owners; pipeline_gap pages the pipeline on-call.',
      queries: [{ expr: 'sum by (kind) (ringwatch_alerting_incidents_open{job="ringwatch"})', legend: '{{kind}}' }] },
    { title: 'Halt signals sent', unit: 'short',
      description: 'Halt / rollback signals delivered in the last 15 minutes, by integration.',
      queries: [{ expr: 'sum by (integration) (integration_outcome:ringwatch_alerting_signals:increase15m{outcome="sent"})', legend: '{{integration}}' }] },
  ] },
];

export const releaseDashboard = dashboard({
  uid: 'ringwatch-releases', title: 'ringwatch / Releases', tags: ['releases'],
  description: 'Each rolling release across rings: its verdicts and the evidence behind them.',
  variables: [
    queryVariable('component', 'Component', 'ringwatch_release_verdict'),
    queryVariable('version', 'Version', 'ringwatch_release_verdict{component=~"$component"}'),
    queryVariable('ring', 'Ring', 'ringwatch_release_verdict{component=~"$component", version=~"$version"}'),
  ],
  rows,
});
