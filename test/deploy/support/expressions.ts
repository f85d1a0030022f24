// Every PromQL expression ringwatch ships: rule files and dashboard panels / variables, made queryable.
// Grafana variables become `.*` (the dashboards filter with `=~"$var"`), Grafana's interval macros get
// fixed ranges, label_values() becomes the series query it stands for, and an alert's condition
// `X > N` is asked as `X > bool N` so it returns a 0/1 series for every input series, firing or not.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ROOT } from './tools.ts';

export interface Expression { source: string; expr: string; kind: 'record' | 'alert' | 'panel' | 'variable' }

export const RULES_DIR = join(ROOT, 'deploy/prometheus/rules');
export const DASHBOARDS_DIR = join(ROOT, 'deploy/grafana/dashboards');

const filesIn = (dir: string, ext: string) => readdirSync(dir).filter((f) => f.endsWith(ext)).sort().map((f) => join(dir, f));
export const ruleFiles = () => filesIn(RULES_DIR, '.yaml');
export const dashboardFiles = () => filesIn(DASHBOARDS_DIR, '.json');

interface RuleFile { groups: { name: string; rules: { record?: string; alert?: string; expr: string }[] }[] }

export function ruleExpressions(): Expression[] {
  return ruleFiles().flatMap((file) => (parse(readFileSync(file, 'utf8')) as RuleFile).groups.flatMap((g) =>
    g.rules.map((r) => ({ source: `${g.name}/${r.record ?? r.alert}`, expr: r.expr.trim(), kind: r.alert ? 'alert' as const : 'record' as const }))));
}

interface Panel { title?: string; type?: string; targets?: { expr?: string }[]; panels?: Panel[] }
interface Dashboard { uid: string; panels: Panel[]; templating: { list: { name: string; type: string; definition?: string }[] } }

export function dashboardExpressions(): Expression[] {
  const out: Expression[] = [];
  for (const file of dashboardFiles()) {
    const d = JSON.parse(readFileSync(file, 'utf8')) as Dashboard;
    const walk = (panels: Panel[]) => panels.forEach((p) => {
      p.targets?.forEach((t, i) => t.expr && out.push({ source: `${d.uid}/${p.title}#${i}`, expr: t.expr, kind: 'panel' }));
      if (p.panels) walk(p.panels);
    });
    walk(d.panels);
    for (const v of d.templating.list) {
      if (v.type === 'query' && v.definition) out.push({ source: `${d.uid}/$${v.name}`, expr: v.definition, kind: 'variable' });
    }
  }
  return out;
}

const MACROS: Record<string, string> = { __rate_interval: '1m', __interval: '15s', __range: '5m' };

/** Replace Grafana variables and macros: `$x`, `${x}`, `[[x]]`. */
export function substituteVariables(expr: string): string {
  return expr.replace(/\$\{(\w+)(?::\w+)?\}|\$(\w+)|\[\[(\w+)\]\]/g, (_m, a?: string, b?: string, c?: string) => MACROS[(a ?? b ?? c)!] ?? '.*');
}

/** `label_values(metric{sel}, label)` -> the series that give the variable its values. */
function labelValuesQuery(expr: string): string {
  const m = /^label_values\((.*),\s*(\w+)\)$/s.exec(expr.trim());
  return m ? `count by (${m[2]}) (${m[1]})` : expr;
}

const CONDITION = /^(.*\S)\s*(==|!=|>=|<=|>|<)\s*(-?\d+(?:\.\d+)?(?:e[+-]?\d+)?)$/s;

/** The query that must return data for this expression. */
export function queryFor(e: Expression): string {
  const expr = substituteVariables(e.kind === 'variable' ? labelValuesQuery(e.expr) : e.expr);
  if (e.kind !== 'alert') return expr;
  const m = CONDITION.exec(expr);
  if (!m || /\bbool\b/.test(m[1])) throw new Error(`${e.source}: an alert expression must end in "<expr> <op> <number>" (got ${expr})`);
  return `(${m[1]}) ${m[2]} bool ${m[3]}`;
}
