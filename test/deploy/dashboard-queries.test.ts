// The dashboard-query test: a real Prometheus scrapes a running ringwatch fed by the fleet simulator,
// loads ringwatch's rules, and every PromQL expression of every dashboard panel, dashboard variable and
// rule must parse and return data (at least one series). A query that returns nothing on a live system
// is a dashboard that shows "No data" or an alert that can never fire.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { PrometheusProcess } from './support/prometheus.ts';
import { RingwatchStack } from './support/ringwatch-stack.ts';
import { dashboardExpressions, queryFor, ruleExpressions, ruleFiles, type Expression } from './support/expressions.ts';
import { ROOT } from './support/tools.ts';

const SCENARIO = join(ROOT, 'deploy/scenarios/crowdstrike.yaml');
const DEADLINE_MS = 100_000;

interface Outcome { e: Expression; query: string; problem?: string }

async function evaluate(prom: PrometheusProcess, expressions: Expression[]): Promise<Outcome[]> {
  return Promise.all(expressions.map(async (e) => {
    const query = queryFor(e);
    const r = await prom.query(query);
    if (r.status !== 'success') return { e, query, problem: `error: ${r.error}` };
    if (!r.data?.result.length) return { e, query, problem: 'no data' };
    return { e, query };
  }));
}

interface RuleHealth { data: { groups: { rules: { name: string; health: string; lastError?: string }[] }[] } }

test('every dashboard and rule expression returns data from a real Prometheus scraping ringwatch fed by the simulator', async (t) => {
  const expressions = [...dashboardExpressions(), ...ruleExpressions()];
  assert.ok(expressions.filter((e) => e.kind === 'panel').length >= 20, 'the dashboards have panels');
  const stack = new RingwatchStack();
  const prom = new PrometheusProcess();
  t.after(async () => { await stack.stop(); await prom.stop(); });

  await stack.start();
  stack.simulate(SCENARIO, 150);
  await prom.start({
    job: 'ringwatch',
    targets: (['collector', 'processor', 'alerter'] as const).map((role) => ({ address: `127.0.0.1:${stack.ports[role]}`, labels: { role } })),
    ruleFiles: ruleFiles(),
  });

  // Data builds up over the rollout (verdicts need decisions, deliveries need incidents): poll until
  // every expression has data, or the deadline passes and the missing ones are reported.
  const deadline = Date.now() + DEADLINE_MS;
  let outcomes: Outcome[] = [];
  for (;;) {
    outcomes = await evaluate(prom, expressions);
    const parseErrors = outcomes.filter((o) => o.problem?.startsWith('error'));
    assert.deepEqual(parseErrors.map((o) => `${o.e.source}: ${o.problem}`), [], 'every expression parses and evaluates');
    if (outcomes.every((o) => !o.problem) || Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 3000));
  }
  const missing = outcomes.filter((o) => o.problem).map((o) => `${o.e.kind} ${o.e.source}: ${o.problem}\n    ${o.query}`);
  assert.deepEqual(missing, [], `expressions without data after ${DEADLINE_MS / 1000} s; simulator: ${stack.simulatorOutput().slice(-1500)}`);

  // Prometheus itself evaluated every rule without error.
  const rules = await prom.get<RuleHealth>('/api/v1/rules');
  const loaded = rules.data.groups.flatMap((g) => g.rules);
  assert.equal(loaded.length, ruleExpressions().length, 'every rule is loaded');
  assert.deepEqual(loaded.filter((r) => r.health !== 'ok').map((r) => `${r.name}: ${r.health} ${r.lastError ?? ''}`), []);
  t.diagnostic(`${outcomes.length} expressions returned data (${expressions.filter((e) => e.kind === 'panel').length} panel queries, ${expressions.filter((e) => e.kind === 'variable').length} variables, ${loaded.length} rules); receiver got ${stack.deliveries()} deliveries`);
});
