// Fleet overview by ring: how many devices report, and how silent / crashing / boot-looping each ring is
// against its baselines: the same-time control (devices of the ring that did not take the release) and
// the hour-of-week history (baseline layer). Figures come from the processors' latest comparisons.
import { dashboard, queryVariable, VERDICT_MAPPINGS, type PanelSpec, type RowSpec } from './panels.ts';

const R = 'job="ringwatch", ring=~"$ring"';

const ratioPanel = (signal: string, what: string): PanelSpec => ({
  title: `${what} ratio by ring: updated vs control`, unit: 'percentunit', min: 0,
  description: `Share of devices ${what.toLowerCase()} in the latest window, among devices that took a release under way in the ring (updated) and devices of the same ring that did not (control: the same-time baseline). Summed over the ring's release comparisons before dividing.`,
  queries: [{ expr: `ring_side_signal:ringwatch_processor_affected:ratio{ring=~"$ring", signal="${signal}"}`, legend: '{{ring}} {{side}}' }],
});

const rows: RowSpec[] = [
  { row: 'Devices', panels: [
    { title: 'Reporting devices by ring', unit: 'short', min: 0,
      description: 'Devices expected to heartbeat that did in the latest window (exposed minus silent), from the largest release comparison of each ring.',
      queries: [{ expr: `ring:ringwatch_processor_reporting_devices:max{ring=~"$ring"}`, legend: '{{ring}}' }] },
    { title: 'Silent devices by ring', unit: 'short', min: 0,
      description: 'Devices that missed processor.silence_intervals heartbeats in a row: what a boot-looping fleet looks like from the server.',
      queries: [{ expr: `max by (ring) (sum by (ring, component, version) (ringwatch_processor_affected_devices{${R}, signal="silent"}))`, legend: '{{ring}}' }] },
    { title: 'Devices in processor state', unit: 'short', min: 0,
      description: 'Devices tracked across all processor instances (bounded by processor.max_tracked_devices; evictions are counted).',
      queries: [
        { expr: 'sum(ringwatch_processor_devices_tracked{job="ringwatch"})', legend: 'tracked' },
        { expr: 'sum(increase(ringwatch_processor_device_evictions_total{job="ringwatch"}[$__rate_interval]))', legend: 'evicted' },
      ] },
    { title: 'Telemetry gaps', unit: 'short', min: 0,
      description: 'Regions and collectors whose heartbeats arrive short across every version and ring: a data gap pages the pipeline on-call and makes verdicts inconclusive, never failing.',
      queries: [{ expr: 'kind:ringwatch_processor_pipeline_gaps:max', legend: '{{kind}}' }] },
  ] },
  { row: 'Signals against baselines', panels: [
    ratioPanel('silent', 'Silent'),
    ratioPanel('crashed', 'Crashed'),
    ratioPanel('boot_loop', 'Boot-looping'),
    { title: 'History baseline: CUSUM over threshold by ring', unit: 'short', min: 0,
      description: 'Baseline layer: CUSUM against the ring\'s hour-of-week history divided by its threshold (1 = alarm). Ticket-level: slow drift and 100% rollouts without a control.',
      queries: [{ expr: `max by (ring, signal) (ringwatch_processor_statistic{${R}, layer="baseline"} / ringwatch_processor_threshold{${R}, layer="baseline"})`, legend: '{{ring}} {{signal}}' }] },
  ] },
  { row: 'Verdicts by ring', panels: [
    { title: 'Worst verdict per ring and layer', type: 'state-timeline', wide: true, mappings: VERDICT_MAPPINGS,
      thresholds: [{ color: 'green', value: null }, { color: 'yellow', value: 1 }, { color: 'red', value: 2 }],
      description: 'The worst latest verdict of any release in the ring, per detection layer (catastrophe, gate, baseline, completeness).',
      queries: [{ expr: `max by (ring, layer) (ringwatch_processor_verdict{${R}})`, legend: '{{ring}} {{layer}}' }] },
  ] },
];

export const fleetDashboard = dashboard({
  uid: 'ringwatch-fleet', title: 'ringwatch / Fleet overview by ring', tags: ['fleet'],
  description: 'Reporting devices, silent, crash and boot-loop ratios by ring against their same-time and history baselines.',
  variables: [queryVariable('ring', 'Ring', 'ringwatch_processor_exposed_devices')],
  rows,
});
