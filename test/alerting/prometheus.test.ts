// The alerter's /metrics as Prometheus sees it: `promtool check metrics` finds nothing to lint, and a real
// Prometheus (Debian package `prometheus`) scrapes it; a PromQL query for the bad release's verdict
// returns the failure, the way Argo Rollouts' prometheus provider would gate on it.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { freePort } from '../../common/runtime/free-port.ts';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryBus } from '../../common/bus/memory-bus.ts';
import { topicNames } from '../../common/bus/topics.ts';
import { capturingLogger, FakeReceiver, releaseDecision, waitFor } from './support.ts';
import { alertingSettings, decisionRecords, startAlerter } from './harness.ts';

const BAD = { component: 'channel-291', version: 'C-291-bad' };
const GOOD = { component: 'agent', version: '7.16.1' };


describe('alerter metrics in Prometheus', () => {
  const pager = new FakeReceiver();
  const hooks = new FakeReceiver();
  const bus = new MemoryBus();
  const dir = mkdtempSync(join(tmpdir(), 'ringwatch-prom-'));
  let alerter: Awaited<ReturnType<typeof startAlerter>>;
  let prometheus: ChildProcess | undefined;

  before(async () => {
    await pager.start();
    await hooks.start();
    alerter = await startAlerter({
      logger: capturingLogger('warn').logger, bus,
      config: { bus: { kind: 'memory' }, collector: { auth_enabled: false }, alerting: alertingSettings(pager, hooks) },
    });
    const now = Date.now() - 3000;
    await alerter.context.producer.publish(topicNames('ringwatch.').decisions, decisionRecords([
      releaseDecision({ ...BAD, verdict: 'fail' }, now), releaseDecision(GOOD, now),
    ]));
    await waitFor('the page', () => pager.requests.length >= 1);
  });

  after(async () => {
    if (prometheus && prometheus.exitCode === null) {
      prometheus.kill('SIGTERM');
      await new Promise((resolve) => prometheus?.once('exit', resolve));
    }
    await alerter.stop();
    await pager.stop();
    await hooks.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('passes `promtool check metrics`', async () => {
    const res = await fetch(`${alerter.url}/metrics`);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    assert.match(text, /ringwatch_release_verdict\{ring="canary",component="channel-291",version="C-291-bad",verdict="fail"\} 1/);
    assert.match(text, /ringwatch_alerting_pages_total\{integration="pagerduty",outcome="failed",reason="bad_request"\} 0/, 'pre-initialised');
    const lint = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    assert.equal(lint.error, undefined, 'promtool is installed (Debian package prometheus)');
    assert.equal(`${lint.stdout}${lint.stderr}`.trim(), '');
    assert.equal(lint.status, 0);
  });

  it('lets a real Prometheus scrape it and answer a PromQL query for the bad release\'s verdict', async () => {
    const port = await freePort();
    const target = new URL(alerter.url).host;
    writeFileSync(join(dir, 'prometheus.yml'), [
      'global: { scrape_interval: 1s, evaluation_interval: 1s }',
      'scrape_configs:',
      '  - job_name: ringwatch-alerter',
      `    static_configs: [{ targets: ["${target}"] }]`,
    ].join('\n'));
    prometheus = spawn('/usr/bin/prometheus', [
      `--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn',
    ], { stdio: 'ignore' });
    const api = `http://127.0.0.1:${port}`;
    const query = async (promql: string) => {
      const res = await fetch(`${api}/api/v1/query?query=${encodeURIComponent(promql)}`).catch(() => undefined);
      if (!res?.ok) return [];
      return ((await res.json()) as { data: { result: { metric: Record<string, string>; value: [number, string] }[] } }).data.result;
    };
    const failing = await waitFor('the failing verdict in Prometheus',
      async () => { const r = await query('ringwatch_release_verdict{verdict="fail"} == 1'); return r.length ? r : undefined; }, 40_000, 250);
    assert.equal(failing.length, 1);
    assert.deepEqual([failing[0].metric.component, failing[0].metric.version, failing[0].metric.ring], [BAD.component, BAD.version, 'canary']);
    const good = await query(`ringwatch_release_verdict{component="${GOOD.component}",verdict="pass"}`);
    assert.equal(good[0]?.value[1], '1', 'the healthy release passes');
    const ratio = await query(`ringwatch_release_affected_devices{component="${BAD.component}",group="updated"} / ringwatch_release_exposed_devices`);
    assert.equal(Number(ratio[0]?.value[1]), 48 / 50, 'silent ratio of the updated devices');
  });
});
