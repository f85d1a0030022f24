// The Helm chart (deploy/helm/ringwatch), checked offline with helm itself (built by
// deploy/validate/install-tools.sh): helm lint, helm template with the defaults and with every option on,
// the rendered manifests through the same strict validator as deploy/kubernetes/, and what they say:
// the defaults agree with the plain manifests, each value lands where it should, refusals refuse.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { buildConfig } from '../../app/config.ts';
import { CHART_DIR, COPIED, chartFiles } from '../../deploy/helm/sync-files.ts';
import { dashboardFiles, ruleFiles } from './support/expressions.ts';
import { ROOT, runTool, runToolOk } from './support/tools.ts';

// Rendered manifests are free-form YAML.
type Doc = Record<string, any>;

const HELM = process.env.HELM_BIN ?? join(ROOT, '.ringwatch/tools/helm');
const HELM_VERSION = /^HELM_VERSION=(\S+)$/m.exec(readFileSync(join(ROOT, 'deploy/validate/install-tools.sh'), 'utf8'))![1];
const ALL_VALUES = join(CHART_DIR, 'ci/all-values.yaml');
const work = mkdtempSync(join(tmpdir(), 'ringwatch-helm-'));
// A private helm home keeps the run hermetic (no repositories, no plugins, no cache from elsewhere), and a
// kubeconfig that does not exist shows nothing here needs a cluster.
const HELM_ENV = {
  HELM_CACHE_HOME: join(work, 'cache'), HELM_CONFIG_HOME: join(work, 'config'), HELM_DATA_HOME: join(work, 'data'),
  KUBECONFIG: join(work, 'no-kubeconfig'),
};

function helm(args: string[]) {
  assert.ok(existsSync(HELM), `helm not found at ${HELM}: run bash deploy/validate/install-tools.sh`);
  return runTool(HELM, args, { env: HELM_ENV });
}

/** `helm template` as release "ringwatch" in namespace "ringwatch", as the plain manifests name things. */
function template(args: string[] = []): { text: string; docs: Doc[] } {
  const r = helm(['template', 'ringwatch', CHART_DIR, '--namespace', 'ringwatch', ...args]);
  assert.equal(r.code, 0, r.output);
  return { text: r.stdout, docs: parseAllDocuments(r.stdout).map((d) => d.toJS() as Doc).filter(Boolean) };
}

const find = (docs: Doc[], kind: string, name: string) => {
  const doc = docs.find((d) => d.kind === kind && d.metadata.name === name);
  assert.ok(doc, `${kind}/${name} rendered (have: ${docs.map((d) => `${d.kind}/${d.metadata.name}`).join(', ')})`);
  return doc;
};
const container = (docs: Doc[], name: string) => find(docs, 'Deployment', name).spec.template.spec.containers[0];
const ROLES = ['collector', 'processor', 'alerter'] as const;
const SECTION = { collector: 'collector', processor: 'processor', alerter: 'alerting' } as const;

/** A role config file as ringwatch itself loads it, its secret files read from `secretsDir`. */
function loadRoleConfig(configMap: Doc, role: string, secretsDir: string) {
  const text = configMap.data[`${role}.yaml`].replaceAll('/etc/ringwatch/secrets/', `${secretsDir}/`);
  return buildConfig(parse(text), { RINGWATCH_KAFKA_BROKERS: configMap.data.kafka_brokers }, `${configMap.metadata.name}/${role}.yaml`);
}

test('helm is the pinned version, built like a release', () => {
  const r = helm(['version', '--template', '{{.Version}}']);
  assert.equal(r.stdout.trim(), HELM_VERSION, 'the version install-tools.sh builds (a stale or dev build would assume Kubernetes 1.20)');
});

test("the chart's copies of the rules and dashboards are identical to their sources and complete", () => {
  const expected = chartFiles();
  assert.ok(expected.size >= 6, 'rule files and dashboards found');
  for (const { target } of COPIED) {
    const present = readdirSync(join(CHART_DIR, target)).map((f) => `${target}/${f}`).sort();
    assert.deepEqual(present, [...expected.keys()].filter((p) => p.startsWith(`${target}/`)), `${target}: run node deploy/helm/sync-files.ts`);
  }
  for (const [path, text] of expected) {
    assert.ok(readFileSync(join(CHART_DIR, path), 'utf8') === text, `${path} is stale: run node deploy/helm/sync-files.ts`);
  }
});

test('helm lint --strict passes with the default values and with every option on', () => {
  for (const args of [[], ['-f', ALL_VALUES], ['--set', 'serviceMonitor.enabled=true,prometheusRule.enabled=true']]) {
    const r = helm(['lint', '--strict', CHART_DIR, ...args]);
    assert.equal(r.code, 0, r.output);
    assert.match(r.stdout, /1 chart\(s\) linted, 0 chart\(s\) failed/);
    assert.doesNotMatch(r.output, /\[(WARNING|ERROR)\]/, r.output);
  }
});

test('the rendered manifests are valid against the Kubernetes API schemas and the CRDs, strictly', () => {
  const variants: Record<string, string[]> = {
    default: [],
    all: ['-f', ALL_VALUES],
    servicemonitor: ['-f', ALL_VALUES, '--set', 'podMonitor.enabled=false,serviceMonitor.enabled=true'],
  };
  const files = Object.entries(variants).map(([name, args]) => {
    const file = join(work, `${name}.yaml`);
    writeFileSync(file, template(args).text);
    return file;
  });
  const crds = runToolOk('bash', [join(ROOT, 'deploy/validate/check.sh'), 'crd-files']).stdout.trim().split('\n').flatMap((f) => ['--crd', f]);
  const r = runTool('python3', [join(ROOT, 'deploy/validate/validate_manifests.py'), ...crds, ...files], { timeoutMs: 300_000 });
  assert.equal(r.code, 0, r.output);
  assert.match(r.stdout, /\d+ valid, 0 invalid/);
  for (const kind of ['Deployment', 'Service', 'HorizontalPodAutoscaler', 'PodDisruptionBudget', 'ConfigMap', 'Secret', 'PodMonitor', 'ServiceMonitor', 'PrometheusRule']) {
    assert.match(r.stdout, new RegExp(`^ok .* ${kind}/`, 'm'), `${kind} was validated`);
  }
});

// Labels and annotations Helm adds (release, chart version, config checksum): the only intended differences.
const HELM_ADDED = new Set(['app.kubernetes.io/instance', 'helm.sh/chart', 'app.kubernetes.io/version', 'app.kubernetes.io/managed-by', 'checksum/config']);
function withoutHelmLabels(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutHelmLabels);
  if (node === null || typeof node !== 'object') return node;
  const entries = Object.entries(node).filter(([k]) => !HELM_ADDED.has(k)).map(([k, v]) => [k, withoutHelmLabels(v)]);
  return Object.fromEntries(entries.filter(([k, v]) => !(k === 'annotations' && Object.keys(v as object).length === 0)));
}

test('with default values (monitors on) the chart renders what deploy/kubernetes/ applies', () => {
  const { docs } = template(['--set', 'podMonitor.enabled=true,prometheusRule.enabled=true']);
  const plain = ['configmap', 'collector', 'processor', 'alerter', 'podmonitor', 'prometheusrule']
    .flatMap((f) => parseAllDocuments(readFileSync(join(ROOT, `deploy/kubernetes/${f}.yaml`), 'utf8')).map((d) => d.toJS() as Doc));
  for (const manifest of plain) {
    const rendered = find(docs, manifest.kind, manifest.metadata.name);
    if (manifest.kind === 'ConfigMap') {
      assert.equal(rendered.data.kafka_brokers, manifest.data.kafka_brokers);
      const secrets = join(ROOT, 'deploy/compose/secrets');
      for (const role of ROLES) assert.deepEqual(loadRoleConfig(rendered, role, secrets), loadRoleConfig(manifest, role, secrets), `${role}.yaml`);
      continue;
    }
    // What the API server defaults in the plain manifests, the chart says outright.
    for (const c of manifest.spec.template?.spec.containers ?? []) c.imagePullPolicy ??= 'IfNotPresent';
    if (manifest.kind === 'Service') manifest.spec.type ??= 'ClusterIP';
    // The chart leaves the collector's count to its HPA: a replicas field would reset it on every upgrade.
    if (manifest.kind === 'Deployment' && manifest.metadata.name === 'ringwatch-collector') delete manifest.spec.replicas;
    assert.deepEqual(withoutHelmLabels(rendered), withoutHelmLabels(manifest), `${manifest.kind}/${manifest.metadata.name}`);
  }
  const extra = docs.filter((d) => !plain.some((m) => m.kind === d.kind && m.metadata.name === d.metadata.name));
  assert.deepEqual(extra.map((d) => d.metadata.name).sort(), ['ringwatch-dashboard-fleet', 'ringwatch-dashboard-pipeline', 'ringwatch-dashboard-releases'], 'only the dashboards are new');
});

test('every main value lands where it should (ci/all-values.yaml)', () => {
  const values = parse(readFileSync(ALL_VALUES, 'utf8'));
  const { docs } = template(['-f', ALL_VALUES]);
  assert.equal(docs.find((d) => d.kind === 'HorizontalPodAutoscaler'), undefined, 'autoscaling off: no HPA');
  for (const role of ROLES) {
    const deployment = find(docs, 'Deployment', `rw-${role}`);
    const pod = deployment.spec.template.spec;
    const c = pod.containers[0];
    assert.equal(deployment.spec.replicas, values[role].replicas, `${role} replicas`);
    assert.equal(c.image, 'registry.example.com/ringwatch:0.1.1');
    assert.equal(c.imagePullPolicy, 'Always');
    assert.deepEqual(pod.imagePullSecrets, [{ name: 'registry-credentials' }]);
    assert.deepEqual(c.resources, values[role].resources, `${role} resources`);
    assert.equal(c.ports[0].containerPort, values[role].port);
    assert.deepEqual(c.env.map((e: Doc) => e.name), ['RINGWATCH_KAFKA_BROKERS', 'RINGWATCH_INSTANCE_ID', 'OTEL_SERVICE_NAME']);
    assert.deepEqual(c.env[0].valueFrom.configMapKeyRef, { name: 'rw-config', key: 'kafka_brokers' });
    assert.deepEqual(pod.nodeSelector, values.nodeSelector);
    assert.deepEqual(pod.tolerations, values.tolerations);
    const secretVolume = pod.volumes.find((v: Doc) => v.name === 'secrets');
    assert.equal(secretVolume?.secret.secretName, role === 'processor' ? undefined : 'rw-credentials', `${role} mounts the Secret it needs`);
  }
  for (const role of ROLES) assert.deepEqual(find(docs, 'Deployment', `rw-${role}`).spec.strategy, { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } }, role);
  assert.equal(find(docs, 'PodDisruptionBudget', 'rw-collector').spec.minAvailable, 2);
  assert.equal(find(docs, 'PodDisruptionBudget', 'rw-processor').spec.maxUnavailable, 1);
  assert.equal(find(docs, 'PodDisruptionBudget', 'rw-alerter').spec.minAvailable, values.alerter.podDisruptionBudget.minAvailable);
  assert.deepEqual(container(docs, 'rw-alerter').ports[1], { name: 'board', containerPort: values.alerter.boardPort, protocol: 'TCP' });
  assert.deepEqual(find(docs, 'Service', 'rw-alerter').spec.ports, [
    { name: 'http', port: values.alerter.service.port, targetPort: 'http', protocol: 'TCP' },
    { name: 'board', port: values.alerter.service.boardPort, targetPort: 'board', protocol: 'TCP' },
  ]);
  const collectorService = find(docs, 'Service', 'rw-collector').spec;
  assert.equal(collectorService.type, 'LoadBalancer');
  assert.deepEqual(collectorService.ports, [{ name: 'http', port: 443, targetPort: 'http', protocol: 'TCP' }]);
  assert.equal(find(docs, 'PodMonitor', 'rw').metadata.labels.release, 'kube-prometheus-stack');
  assert.equal(find(docs, 'PodMonitor', 'rw').spec.podMetricsEndpoints[0].interval, '30s');
  assert.equal(find(docs, 'PrometheusRule', 'rw').metadata.labels.release, 'kube-prometheus-stack');

  // The Secret, decoded into files as the kubelet mounts it, and each role's config loaded by ringwatch from them.
  const secret = find(docs, 'Secret', 'rw-credentials');
  const secretsDir = join(work, 'mounted-secrets');
  mkdirSync(secretsDir, { recursive: true });
  for (const [key, b64] of Object.entries(secret.data)) writeFileSync(join(secretsDir, key), Buffer.from(b64 as string, 'base64'));
  const configMap = find(docs, 'ConfigMap', 'rw-config');
  assert.equal(configMap.data.kafka_brokers, values.kafka.brokers.join(','));
  for (const role of ROLES) {
    const config = loadRoleConfig(configMap, role, secretsDir);
    assert.equal(config.bus.topic_prefix, 'prod.ringwatch.', role);
    assert.deepEqual(config.bus.kafka.brokers, values.kafka.brokers, role);
    assert.equal(config.bus.partitions, 24, role);
    assert.equal(config.telemetry.log_level, 'debug', role);
    assert.equal(config[SECTION[role]].listen_port, values[role].port, `${role} listens on its container port`);
  }
  assert.equal(loadRoleConfig(configMap, 'processor', secretsDir).processor.window_secs, 120);
  const collector = loadRoleConfig(configMap, 'collector', secretsDir).collector;
  assert.deepEqual(collector.device_tokens, values.secrets.deviceTokens);
  assert.equal(collector.release_token, values.secrets.releaseToken);
  const alerting = loadRoleConfig(configMap, 'alerter', secretsDir).alerting;
  assert.equal(alerting.pagerduty_release_routing_key, values.secrets.pagerdutyReleaseRoutingKey);
  assert.equal(alerting.pagerduty_pipeline_routing_key, values.secrets.pagerdutyPipelineRoutingKey);
  assert.equal(alerting.public_url, 'https://ringwatch.internal.example');
  assert.equal(alerting.board_public_url, 'https://ringwatch-board.internal.example');
  assert.equal(alerting.board_listen_port, values.alerter.boardPort, 'the board listens on its container port');
});

test('the PrometheusRule carries the groups of deploy/prometheus/rules, unchanged', () => {
  const { docs } = template(['--set', 'prometheusRule.enabled=true']);
  const groups = ruleFiles().flatMap((f) => (parse(readFileSync(f, 'utf8')) as { groups: unknown[] }).groups);
  assert.deepEqual(find(docs, 'PrometheusRule', 'ringwatch').spec.groups, groups);
});

test('the dashboards are ConfigMaps with the Grafana sidecar label, the label configurable, the JSON unchanged', () => {
  const defaults = template().docs.filter((d) => d.metadata.name.includes('-dashboard-'));
  const custom = template(['-f', ALL_VALUES]).docs.filter((d) => d.metadata.name.includes('-dashboard-'));
  assert.equal(defaults.length, dashboardFiles().length);
  for (const d of defaults) assert.equal(d.metadata.labels.grafana_dashboard, '1');
  for (const d of custom) {
    assert.equal(d.metadata.labels.ringwatch_dashboard, 'yes');
    assert.equal(d.metadata.labels.grafana_dashboard, undefined);
    assert.equal(d.metadata.namespace, 'monitoring');
    assert.equal(d.metadata.annotations.grafana_folder, 'ringwatch');
  }
  for (const file of dashboardFiles()) {
    const name = file.split('/').pop()!;
    const cm = defaults.find((d) => d.data[name] !== undefined);
    assert.ok(cm, `${name} is in a ConfigMap`);
    assert.ok(cm.data[name] === readFileSync(file, 'utf8'), `${name} byte for byte`);
  }
  assert.equal(template(['--set', 'grafanaDashboards.enabled=false']).docs.filter((d) => d.metadata.name.includes('-dashboard-')).length, 0);
});

test('the ServiceMonitor scrapes every role through a headless Service, relabelled like the PodMonitor', () => {
  const { docs } = template(['--set', 'serviceMonitor.enabled=true']);
  const monitor = find(docs, 'ServiceMonitor', 'ringwatch');
  const service = find(docs, 'Service', 'ringwatch-metrics');
  assert.equal(service.spec.clusterIP, 'None');
  for (const [k, v] of Object.entries(monitor.spec.selector.matchLabels)) assert.equal(service.metadata.labels[k], v, `selects the Service by ${k}`);
  for (const role of ROLES) {
    const pod = find(docs, 'Deployment', `ringwatch-${role}`).spec.template;
    for (const [k, v] of Object.entries(service.spec.selector)) assert.equal(pod.metadata.labels[k], v, `${role} pods are behind the Service`);
    assert.equal(pod.spec.containers[0].ports[0].name, service.spec.ports[0].targetPort);
  }
  const pm = find(template(['--set', 'podMonitor.enabled=true']).docs, 'PodMonitor', 'ringwatch').spec.podMetricsEndpoints[0];
  assert.deepEqual(monitor.spec.endpoints[0].relabelings, pm.relabelings);
  assert.deepEqual(pm.relabelings.find((r: Doc) => r.targetLabel === 'job'), { action: 'replace', targetLabel: 'job', replacement: 'ringwatch' });
  assert.equal(docs.find((d) => d.kind === 'PodMonitor'), undefined);
});

test('by default the pods mount an existing Secret and the chart creates none', () => {
  const byDefault = template().docs;
  assert.equal(byDefault.find((d) => d.kind === 'Secret'), undefined);
  const volumes = find(byDefault, 'Deployment', 'ringwatch-collector').spec.template.spec.volumes;
  assert.equal(volumes.find((v: Doc) => v.name === 'secrets').secret.secretName, 'ringwatch-secrets');
  const named = template(['--set', 'secrets.name=my-ringwatch-credentials']).docs;
  for (const role of ['collector', 'alerter']) {
    const v = find(named, 'Deployment', `ringwatch-${role}`).spec.template.spec.volumes.find((x: Doc) => x.name === 'secrets');
    assert.equal(v.secret.secretName, 'my-ringwatch-credentials');
  }
});

test('credentials appear only in the Secret, and an incomplete one is refused without echoing any value', () => {
  const values = parse(readFileSync(ALL_VALUES, 'utf8')).secrets;
  const credentials = [...values.deviceTokens, values.releaseToken, values.pagerdutyReleaseRoutingKey, values.pagerdutyPipelineRoutingKey];
  const { docs } = template(['-f', ALL_VALUES]);
  const others = JSON.stringify(docs.filter((d) => d.kind !== 'Secret'));
  for (const c of credentials) assert.ok(!others.includes(c) && !others.includes(Buffer.from(c).toString('base64')), 'a credential outside the Secret');
  const r = helm(['template', 'ringwatch', CHART_DIR, '--set', `secrets.create=true,secrets.deviceTokens={${values.deviceTokens[0]}},secrets.releaseToken=${values.releaseToken}`]);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /secrets\.pagerdutyReleaseRoutingKey is required/);
  for (const c of credentials) assert.ok(!r.output.includes(c), 'the error shows no credential');
});

test('the alerter: a PodDisruptionBudget only with 2 or more replicas, the board port only while the board is on', () => {
  const alerterPdb = (args: string[]) => template(args).docs.find((d) => d.kind === 'PodDisruptionBudget' && d.metadata.name === 'ringwatch-alerter');
  assert.equal(alerterPdb([])?.spec.minAvailable, 1, 'two replicas by default, one kept through a drain');
  assert.equal(alerterPdb(['--set', 'alerter.replicas=3'])?.spec.minAvailable, 1);
  assert.equal(alerterPdb(['--set', 'alerter.replicas=1']), undefined, 'one replica: a budget would block every drain');
  assert.equal(alerterPdb(['--set', 'alerter.replicas=0']), undefined);
  assert.equal(alerterPdb(['--set', 'alerter.podDisruptionBudget.enabled=false']), undefined);
  const single = template(['--set', 'alerter.replicas=1']).docs;
  assert.equal(find(single, 'Deployment', 'ringwatch-alerter').spec.replicas, 1);
  assert.equal(find(single, 'Deployment', 'ringwatch-alerter').spec.strategy.type, 'RollingUpdate');

  const off = template(['--set', 'config.alerter.alerting.board_enabled=false']).docs;
  assert.deepEqual(container(off, 'ringwatch-alerter').ports.map((p: Doc) => p.name), ['http']);
  assert.deepEqual(find(off, 'Service', 'ringwatch-alerter').spec.ports.map((p: Doc) => p.name), ['http']);
  const on = template().docs;
  assert.deepEqual(container(on, 'ringwatch-alerter').ports.map((p: Doc) => p.name), ['http', 'board']);
  // The board serves /metrics from the same registry: the monitors must scrape "http" only.
  const pm = find(template(['--set', 'podMonitor.enabled=true']).docs, 'PodMonitor', 'ringwatch').spec.podMetricsEndpoints;
  assert.deepEqual(pm.map((e: Doc) => e.port), ['http']);
  const sm = template(['--set', 'serviceMonitor.enabled=true']).docs;
  assert.deepEqual(find(sm, 'ServiceMonitor', 'ringwatch').spec.endpoints.map((e: Doc) => e.port), ['http']);
  assert.deepEqual(find(sm, 'Service', 'ringwatch-metrics').spec.ports.map((p: Doc) => p.targetPort), ['http']);
});

test('the chart refuses a negative alerter count, one port for API and board, a misspelt value, and scraping through both monitors', () => {
  const refusals: [string[], RegExp][] = [
    [['--set', 'alerter.replicas=-1'], /alerter\.replicas|\/alerter\/replicas/],
    [['--set', 'alerter.boardPort=8082'], /alerter\.port and alerter\.boardPort must differ/],
    [['--set', 'collecter.replicas=3'], /collecter/],
    [['--set', 'podMonitor.enabled=true,serviceMonitor.enabled=true'], /not both/],
  ];
  for (const [args, reason] of refusals) {
    const r = helm(['template', 'ringwatch', CHART_DIR, ...args]);
    assert.notEqual(r.code, 0, `${args.join(' ')} was accepted`);
    assert.match(r.stderr, reason);
  }
});

test('the packaged chart holds the copied files, leaves ci/ out, and renders like the chart folder', () => {
  const r = helm(['package', CHART_DIR, '--destination', work]);
  assert.equal(r.code, 0, r.output);
  const archive = join(work, `ringwatch-${parse(readFileSync(join(CHART_DIR, 'Chart.yaml'), 'utf8')).version}.tgz`);
  const listing = runToolOk('tar', ['-tzf', archive]).stdout.split('\n');
  for (const path of chartFiles().keys()) assert.ok(listing.includes(`ringwatch/${path}`), `${path} is packaged`);
  assert.ok(!listing.some((p) => p.startsWith('ringwatch/ci/')), 'ci/ values stay out of the package');
  const args = ['--namespace', 'ringwatch', '-f', ALL_VALUES];
  const fromArchive = helm(['template', 'ringwatch', archive, ...args]);
  assert.equal(fromArchive.code, 0, fromArchive.output);
  assert.ok(fromArchive.stdout === template(args.slice(2)).text, 'same manifests from the .tgz as from the folder');
});
