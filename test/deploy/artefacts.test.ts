// What deploy/ ships is consistent with itself and with ringwatch: generated files are up to date, the
// example configs load with ringwatch's own config loader, every alert is routed to the audience it
// names and has a runbook section, and dashboards filter with the variables they declare.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { buildConfig } from '../../app/config.ts';
import { renderPrometheusRule, OUTPUT as PROMETHEUS_RULE } from '../../deploy/kubernetes/prometheusrule.ts';
import { renderDashboards, DASHBOARDS_DIR } from '../../deploy/grafana/build-dashboards.ts';
import { dashboardExpressions, ruleFiles } from './support/expressions.ts';
import { ROOT, runTool } from './support/tools.ts';

const rel = (p: string) => join(ROOT, p);
const EXAMPLE_SECRETS = rel('deploy/compose/secrets');
const ENV = { RINGWATCH_KAFKA_BROKERS: 'kafka:9092' };

/** A role config with its secret-file paths pointed at the example secrets, loaded by ringwatch itself. */
function loadExample(text: string, secretsDir: string) {
  return buildConfig(parse(text.replaceAll(secretsDir, `${EXAMPLE_SECRETS}/`)), ENV, 'example');
}

test('prometheusrule.yaml and the dashboard JSON files are generated from their sources', () => {
  assert.ok(readFileSync(PROMETHEUS_RULE, 'utf8') === renderPrometheusRule(), 'prometheusrule.yaml is stale: run node deploy/kubernetes/prometheusrule.ts');
  const rendered = renderDashboards();
  assert.deepEqual(readdirSync(DASHBOARDS_DIR).filter((f) => f.endsWith('.json')).sort(), [...rendered.keys()].sort());
  for (const [file, text] of rendered) assert.ok(readFileSync(join(DASHBOARDS_DIR, file), 'utf8') === text, `${file} is stale: run node deploy/grafana/build-dashboards.ts`);
});

test('the compose and Kubernetes role configs are valid ringwatch configurations', () => {
  for (const role of ['collector', 'processor', 'alerter']) {
    const config = loadExample(readFileSync(rel(`deploy/compose/config/${role}.yaml`), 'utf8'), '/run/secrets/');
    assert.equal(config.bus.kind, 'kafka');
    assert.deepEqual(config.bus.kafka.brokers, ['kafka:9092']);
  }
  const configMap = parse(readFileSync(rel('deploy/kubernetes/configmap.yaml'), 'utf8')) as { data: Record<string, string> };
  for (const role of ['collector', 'processor', 'alerter']) {
    const config = loadExample(configMap.data[`${role}.yaml`], '/etc/ringwatch/secrets/');
    assert.equal(config.bus.replication_factor, 3, `${role}: production replication`);
  }
  const collector = loadExample(configMap.data['collector.yaml'], '/etc/ringwatch/secrets/');
  assert.ok(collector.collector.device_tokens.length > 0, 'device tokens come from the Secret');
});

test('each role listens on the port its Deployment probes and exposes', () => {
  const configMap = parse(readFileSync(rel('deploy/kubernetes/configmap.yaml'), 'utf8')) as { data: Record<string, string> };
  for (const role of ['collector', 'processor', 'alerter']) {
    const port = (parse(configMap.data[`${role}.yaml`]) as Record<string, { listen_port: number }>)[role === 'alerter' ? 'alerting' : role].listen_port;
    const docs = parseAllDocuments(readFileSync(rel(`deploy/kubernetes/${role}.yaml`), 'utf8')).map((d) => d.toJS());
    const container = docs.find((d) => d.kind === 'Deployment').spec.template.spec.containers[0];
    assert.equal(container.ports[0].containerPort, port, role);
    assert.equal(container.readinessProbe.httpGet.path, '/readyz');
    assert.equal(container.livenessProbe.httpGet.path, '/livez');
    assert.equal(container.securityContext.readOnlyRootFilesystem, true);
    assert.ok(container.resources.requests.cpu && container.resources.requests.memory, `${role} has resource requests`);
  }
});

interface Rule { alert?: string; record?: string; labels?: Record<string, string>; annotations?: Record<string, string> }

test('every alert names its audience and severity, has a runbook section, and reaches the matching receiver', () => {
  const docs = readFileSync(rel('docs/deploy.md'), 'utf8');
  const anchors = new Set([...docs.matchAll(/^#+ (.+)$/gm)].map((m) => m[1].toLowerCase().replace(/[^a-z0-9 -]/g, '').replace(/ /g, '-')));
  const alerts = ruleFiles().flatMap((f) => (parse(readFileSync(f, 'utf8')) as { groups: { rules: Rule[] }[] }).groups.flatMap((g) => g.rules)).filter((r) => r.alert);
  assert.ok(alerts.length >= 10);
  for (const a of alerts) {
    const { audience, severity } = a.labels ?? {};
    assert.ok(['pipeline', 'release-owner'].includes(audience), `${a.alert}: audience`);
    assert.ok(['critical', 'warning', 'ticket'].includes(severity), `${a.alert}: severity`);
    assert.ok(a.annotations?.summary, `${a.alert}: summary`);
    const anchor = /#(.+)$/.exec(a.annotations?.runbook_url ?? '')?.[1];
    assert.ok(anchor && anchors.has(anchor), `${a.alert}: runbook_url ${a.annotations?.runbook_url} is a section of docs/deploy.md`);
    const expected = severity === 'ticket' ? 'release-tickets' : audience === 'pipeline' ? 'pipeline-oncall' : 'release-owners';
    const labels = Object.entries({ alertname: a.alert, ...a.labels }).map(([k, v]) => `${k}=${v}`);
    const r = runTool('amtool', ['config', 'routes', 'test', `--config.file=${rel('deploy/alertmanager/alertmanager.yml')}`, `--verify.receivers=${expected}`, ...labels]);
    assert.equal(r.code, 0, `${a.alert} should reach ${expected}: ${r.output}`);
  }
});

test('dashboards use only their declared variables, each as a regex match', () => {
  for (const e of dashboardExpressions()) {
    const uses = [...e.expr.matchAll(/(=~)?"?\$(\w+)/g)].filter((m) => !m[2].startsWith('__'));
    for (const m of uses) assert.equal(m[1], '=~', `${e.source}: $${m[2]} must be used as =~"$${m[2]}" (its All value is .*)`);
  }
  for (const file of readdirSync(DASHBOARDS_DIR).filter((f) => f.endsWith('.json'))) {
    const d = JSON.parse(readFileSync(join(DASHBOARDS_DIR, file), 'utf8'));
    const declared = new Set(d.templating.list.map((v: { name: string }) => v.name));
    for (const m of JSON.stringify(d.panels).matchAll(/\$\{?(\w+)/g)) if (!m[1].startsWith('__')) assert.ok(declared.has(m[1]), `${file}: $${m[1]} is declared`);
    const ids = d.panels.map((p: { id: number }) => p.id);
    assert.equal(new Set(ids).size, ids.length, `${file}: panel ids are unique`);
  }
});

test('the Dockerfile copies what exists and its ignore file lets exactly that through', () => {
  const dockerfile = readFileSync(rel('deploy/docker/Dockerfile'), 'utf8');
  const sources = [...dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((m) => m[1].split(/\s+/));
  assert.ok(sources.includes('common') && sources.includes('package-lock.json'));
  const ignore = readFileSync(rel('deploy/docker/Dockerfile.dockerignore'), 'utf8');
  for (const s of sources) {
    assert.ok(existsSync(rel(s)), `${s} exists`);
    assert.match(ignore, new RegExp(`^!${s.replace('.', '\\.')}/?$`, 'm'), `${s} is let through by Dockerfile.dockerignore`);
  }
  assert.match(dockerfile, /^USER 1000:1000$/m, 'runs as non-root');
  assert.match(dockerfile, /npm ci --omit=dev/, 'production dependencies only');
});
