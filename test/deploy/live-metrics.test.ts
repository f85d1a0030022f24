// `promtool check metrics` on what Prometheus really scrapes: each role started as a user starts it
// (`ringwatch collector|processor|alerter|all`), its /metrics fetched over HTTP. `all` is fed by the simulator
// first, so the series that only exist once data flows (verdicts, exposures, deliveries) are linted too.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { stringify } from 'yaml';
import { startCli } from '../support/cli.ts';
import { RingwatchStack, type RolePorts } from './support/ringwatch-stack.ts';
import { ROOT, runTool } from './support/tools.ts';

const ROLES = ['collector', 'processor', 'alerter'] as const;

async function scrape(port: number): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  return res.text();
}

function assertLintClean(what: string, exposition: string): void {
  const lint = runTool('promtool', ['check', 'metrics'], { input: exposition });
  assert.equal(lint.output.trim(), '', `promtool check metrics on ${what}`);
  assert.equal(lint.code, 0, `promtool check metrics on ${what}`);
}

/** The standard process and Node.js names, unprefixed; ringwatch's own under ringwatch_. */
function assertStandardNames(what: string, exposition: string): void {
  for (const name of ['process_cpu_seconds_total', 'process_resident_memory_bytes', 'nodejs_eventloop_lag_p99_seconds', 'nodejs_heap_size_used_bytes']) {
    assert.match(exposition, new RegExp(`^# TYPE ${name} `, 'm'), `${what} serves ${name}`);
  }
  const families = [...exposition.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]);
  const foreign = families.filter((f) => !/^(ringwatch|process|nodejs)_/.test(f));
  assert.deepEqual(foreign, [], `${what}: every family is ringwatch_*, process_* or nodejs_*`);
  assert.deepEqual(families.filter((f) => f.startsWith('ringwatch_process_') || f.startsWith('ringwatch_nodejs_')), [], 'no prefixed defaults');
}

describe('live /metrics of every role pass promtool check metrics', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ringwatch-live-metrics-'));
  const children: ChildProcess[] = [];
  const stack = new RingwatchStack();
  after(async () => {
    for (const child of children) {
      if (child.exitCode !== null) continue;
      const gone = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await gone;
    }
    await stack.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  for (const role of ROLES) {
    it(`ringwatch ${role}`, async () => {
      const file = join(dir, `${role}.yaml`);
      writeFileSync(file, stringify({
        bus: { kind: 'memory' },
        collector: { listen_host: '127.0.0.1', listen_port: 0, auth_enabled: false },
        processor: { listen_host: '127.0.0.1', listen_port: 0 },
        alerting: { listen_host: '127.0.0.1', listen_port: 0, board_listen_port: 0 },
      }));
      const started = await startCli([role, '--config', file], /"msg":"ringwatch running"/);
      children.push(started.child);
      const line = started.output().split('\n').find((l) => l.includes('"msg":"ringwatch running"'))!;
      const port = (JSON.parse(line) as { ports: Partial<RolePorts> }).ports[role]!;
      const text = await scrape(port);
      assertStandardNames(role, text);
      assertLintClean(role, text);
    });
  }

  it('ringwatch all, fed by the simulator until verdicts and pages exist', async () => {
    await stack.start();
    stack.simulate(join(ROOT, 'deploy/scenarios/crowdstrike.yaml'), 120);
    const deadline = Date.now() + 90_000;
    let text = '';
    for (;;) {
      text = await scrape(stack.ports.alerter);
      const populated = /^ringwatch_release_verdict\{/m.test(text) && /^ringwatch_processor_verdict\{/m.test(text)
        && /^ringwatch_collector_\w+\{/m.test(text) && stack.deliveries() > 0;
      if (populated || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 2000));
    }
    assert.match(text, /^ringwatch_release_verdict\{/m, `verdict series before the deadline; simulator: ${stack.simulatorOutput().slice(-800)}`);
    assert.ok(stack.deliveries() > 0, 'a page or webhook was delivered');
    assertStandardNames('all', text);
    assertLintClean('all', text);
    // One process, one registry: every role's port serves it, and each scrape is lint-clean.
    for (const role of ROLES) assertLintClean(`all (${role} port)`, await scrape(stack.ports[role]));
  });
});
