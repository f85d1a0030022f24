// The command line as an operator meets it.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli, startCli } from '../support/cli.ts';

const example = fileURLToPath(new URL('../../deploy/examples/embedded.yaml', import.meta.url));

describe('ringwatch command line', () => {
  it('--help lists every role', async () => {
    const { code, stdout } = await runCli(['--help']);
    assert.equal(code, 0);
    for (const role of ['collector', 'processor', 'alerter', 'all']) assert.match(stdout, new RegExp(`^  ${role} `, 'm'));
  });

  it('each role has its own --help', async () => {
    const { code, stdout } = await runCli(['processor', '--help']);
    assert.equal(code, 0);
    assert.match(stdout, /--config VALUE/);
  });

  it('refuses a misspelt key and a negative interval at start-up, naming both paths', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rw-cli-'));
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'bus:\n  kafka:\n    topik: events\nprocessor:\n  heartbeat_interval_secs: -30\n');
    const { code, stderr } = await runCli(['all', '--config', file]);
    assert.equal(code, 78);
    assert.match(stderr, /bus\.kafka\.topik: unrecognized key/);
    assert.match(stderr, /processor\.heartbeat_interval_secs: must be >= 1/);
  });

  it('`all` with the example config runs on the embedded bus without Kafka, serves /readyz, and stops on SIGTERM', async () => {
    const env = { RINGWATCH_COLLECTOR_LISTEN_PORT: '0', RINGWATCH_PROCESSOR_LISTEN_PORT: '0', RINGWATCH_ALERTING_LISTEN_PORT: '0', RINGWATCH_KAFKA_BROKERS: '127.0.0.1:1' };
    const { child, output } = await startCli(['all', '--config', example], /ringwatch running/, env);
    const running = output().split('\n').find((l) => l.includes('ringwatch running'))!;
    const { bus, ports } = JSON.parse(running) as { bus: string; ports: Record<string, number> };
    assert.equal(bus, 'memory');
    for (const port of Object.values(ports)) {
      const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
      assert.equal(ready.status, 200);
      const metrics = await fetch(`http://127.0.0.1:${port}/metrics`);
      assert.match(metrics.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    }
    child.kill('SIGTERM');
    const code = await new Promise((resolve) => child.once('exit', resolve));
    assert.equal(code, 0);
  });
});
