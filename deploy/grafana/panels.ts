// Small builders for Grafana dashboard JSON (schemaVersion 39, Grafana 10.4+): panels on a two-column
// grid, Prometheus targets through a `datasource` variable (the provisioned uid by default), and query
// variables whose "All" value is the regex `.*`, so every query filters with `=~"$var"`.
export const DATASOURCE_UID = 'ringwatch-prometheus';
const DS = { type: 'prometheus', uid: '${datasource}' };

export interface Query { expr: string; legend?: string; instant?: boolean }
export interface PanelSpec {
  title: string;
  description: string;
  type?: 'timeseries' | 'stat' | 'table' | 'state-timeline' | 'bargauge';
  unit?: string;
  queries: Query[];
  /** Full width instead of half. */
  wide?: boolean;
  min?: number;
  max?: number;
  mappings?: unknown[];
  thresholds?: { color: string; value: number | null }[];
}
export interface RowSpec { row: string; panels: PanelSpec[] }

const target = (q: Query, i: number) => ({
  refId: String.fromCharCode(65 + i), datasource: DS, expr: q.expr, legendFormat: q.legend ?? '__auto',
  range: !q.instant, instant: q.instant ?? false, editorMode: 'code',
});

function panel(spec: PanelSpec, id: number, gridPos: { x: number; y: number; w: number; h: number }) {
  const type = spec.type ?? 'timeseries';
  const defaults: Record<string, unknown> = { unit: spec.unit ?? 'short' };
  if (spec.min !== undefined) defaults.min = spec.min;
  if (spec.max !== undefined) defaults.max = spec.max;
  if (spec.mappings) defaults.mappings = spec.mappings;
  if (spec.thresholds) defaults.thresholds = { mode: 'absolute', steps: spec.thresholds };
  if (type === 'timeseries') defaults.custom = { drawStyle: 'line', lineWidth: 1, fillOpacity: 10, showPoints: 'never', spanNulls: false };
  const options: Record<string, unknown> = type === 'timeseries'
    ? { legend: { displayMode: 'table', placement: 'bottom', calcs: ['lastNotNull', 'max'] }, tooltip: { mode: 'multi', sort: 'desc' } }
    : type === 'table' ? { showHeader: true, cellHeight: 'sm' }
    : type === 'state-timeline' ? { showValue: 'never', mergeValues: true, rowHeight: 0.8 }
    : { reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false }, orientation: 'auto' };
  return {
    id, type, title: spec.title, description: spec.description, datasource: DS, gridPos,
    targets: spec.queries.map(target), fieldConfig: { defaults, overrides: [] }, options,
    ...(type === 'table' ? { transformations: [{ id: 'merge', options: {} }] } : {}),
  };
}

/** Lay rows and panels out on Grafana's 24-column grid, two panels a line unless `wide`. */
export function layout(rows: RowSpec[]): unknown[] {
  const out: unknown[] = [];
  let id = 1;
  let y = 0;
  for (const r of rows) {
    out.push({ id: id++, type: 'row', title: r.row, collapsed: false, gridPos: { x: 0, y: y++, w: 24, h: 1 }, panels: [] });
    let x = 0;
    for (const p of r.panels) {
      const w = p.wide ? 24 : 12;
      if (x + w > 24) { x = 0; y += 8; }
      out.push(panel(p, id++, { x, y, w, h: 8 }));
      x += w;
    }
    y += 8;
  }
  return out;
}

export function queryVariable(name: string, label: string, metric: string) {
  const definition = `label_values(${metric}, ${name})`;
  return {
    name, label, type: 'query', datasource: DS, definition, query: { query: definition, refId: `${name}-values` },
    includeAll: true, multi: true, allValue: '.*', current: { selected: true, text: ['All'], value: ['$__all'] },
    refresh: 2, sort: 1, hide: 0, options: [],
  };
}

export function dashboard(options: { uid: string; title: string; description: string; tags: string[]; variables: unknown[]; rows: RowSpec[]; links?: unknown[] }) {
  return {
    uid: options.uid, title: options.title, description: options.description, tags: ['ringwatch', ...options.tags],
    schemaVersion: 39, version: 1, editable: false, graphTooltip: 1, timezone: 'utc', refresh: '30s',
    time: { from: 'now-6h', to: 'now' }, fiscalYearStartMonth: 0, liveNow: false, weekStart: '',
    annotations: { list: [] },
    links: options.links ?? [{ type: 'dashboards', tags: ['ringwatch'], asDropdown: true, title: 'ringwatch', includeVars: true, keepTime: true }],
    templating: {
      list: [
        { name: 'datasource', label: 'Prometheus', type: 'datasource', query: 'prometheus', current: { selected: true, text: 'Prometheus', value: DATASOURCE_UID }, hide: 0, refresh: 1, options: [] },
        ...options.variables,
      ],
    },
    panels: layout(options.rows),
  };
}

/** 0 pass, 1 inconclusive, 2 fail (component_version_ring:ringwatch_release_verdict:state). */
export const VERDICT_MAPPINGS = [{
  type: 'value',
  options: {
    0: { text: 'pass', color: 'green', index: 0 },
    1: { text: 'inconclusive', color: 'yellow', index: 1 },
    2: { text: 'fail', color: 'red', index: 2 },
  },
}];
