// The real OpenTelemetry SDK as a user turns it on (OTEL_TRACES_EXPORTER=console): a role's spans carry
// service.name = ringwatch-<role>, unless the user named the service in OTEL_SERVICE_NAME or in
// OTEL_RESOURCE_ATTRIBUTES, which then wins.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { startCli } from '../support/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'ringwatch-otel-'));
const config = join(dir, 'config.yaml');
writeFileSync(config, stringify({ bus: { kind: 'memory' }, collector: { listen_host: '127.0.0.1', listen_port: 0, auth_enabled: false } }));

/** Run `ringwatch collector` with tracing to the console, send one request, stop it; its output. */
async function serviceNameOf(env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const { child, output } = await startCli(['collector', '--config', config], /"msg":"ringwatch running"/, {
    OTEL_TRACES_EXPORTER: 'console', OTEL_SERVICE_NAME: '', OTEL_RESOURCE_ATTRIBUTES: '', ...env,
  });
  const line = output().split('\n').find((l) => l.includes('"msg":"ringwatch running"'))!;
  const port = (JSON.parse(line) as { ports: { collector: number } }).ports.collector;
  const res = await fetch(`http://127.0.0.1:${port}/v1/heartbeats`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"events":[]}' });
  assert.equal(res.status, 200);
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM'); // stopping flushes the SDK's span processor
  await exited;
  assert.match(output(), /name: 'POST \/v1\/heartbeats'/, 'the request span was exported');
  return /'service\.name': '([^']+)'/.exec(output())?.[1];
}

describe('service.name', () => {
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('is ringwatch-<role> by default', async () => {
    assert.equal(await serviceNameOf({}), 'ringwatch-collector');
  });

  it('is the user\'s from OTEL_RESOURCE_ATTRIBUTES or OTEL_SERVICE_NAME', async () => {
    assert.equal(await serviceNameOf({ OTEL_RESOURCE_ATTRIBUTES: 'service.name=edge-ingest' }), 'edge-ingest');
    assert.equal(await serviceNameOf({ OTEL_SERVICE_NAME: 'edge-ingest-2' }), 'edge-ingest-2');
  });
});
