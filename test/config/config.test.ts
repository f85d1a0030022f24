// Configuration: one schema, every error at once with its path, environment and secret files.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, leafSettings } from '../../common/config/load.ts';
import { buildConfig, ConfigSchema, loadConfig, redactConfig } from '../../app/config.ts';
import { renderConfigReference } from '../../app/config-reference.ts';

const problemsOf = (fn: () => unknown): string[] => {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.problems;
  }
  assert.fail('configuration was accepted');
};

describe('configuration', () => {
  it('fills every default from an empty file', () => {
    const config = buildConfig({}, {});
    assert.equal(config.bus.kind, 'kafka');
    assert.equal(config.processor.heartbeat_interval_secs, 300);
    assert.deepEqual(config.alerting.webhooks, []);
  });

  it('reports a misspelt key and a negative interval together, each with its path', () => {
    const problems = problemsOf(() => buildConfig({ bus: { kafka: { topik: 'x' } }, processor: { window_secs: -1 } }, {}));
    assert.deepEqual(problems, ['bus.kafka.topik: unrecognized key', 'processor.window_secs: must be >= 0']);
  });

  it('reports YAML syntax errors with their line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rw-config-'));
    writeFileSync(join(dir, 'bad.yaml'), 'bus:\n  kind: memory\n  kind: kafka\n');
    assert.match(problemsOf(() => loadConfig(join(dir, 'bad.yaml'), {}))[0], /^line 3: /);
  });

  it('takes brokers and secrets from the environment and secrets from files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rw-config-'));
    writeFileSync(join(dir, 'tokens'), 'tok-a\ntok-b\n');
    writeFileSync(join(dir, 'pd'), 'R0UT1NGKEY\n');
    const config = buildConfig({ collector: { device_tokens_file: join(dir, 'tokens') }, alerting: { pagerduty_release_routing_key_file: join(dir, 'pd') } },
      { RINGWATCH_KAFKA_BROKERS: 'k1:9092, k2:9092', RINGWATCH_COLLECTOR_RELEASE_TOKEN: 'rel', RINGWATCH_PROCESSOR_WINDOW_SECS: '5' });
    assert.deepEqual(config.bus.kafka.brokers, ['k1:9092', 'k2:9092']);
    assert.deepEqual(config.collector.device_tokens, ['tok-a', 'tok-b']);
    assert.equal(config.collector.release_token, 'rel');
    assert.equal(config.alerting.pagerduty_release_routing_key, 'R0UT1NGKEY');
    assert.equal(config.processor.window_secs, 5);
    assert.deepEqual(problemsOf(() => buildConfig({}, { RINGWATCH_PROCESSOR_WINDOW_SECS: 'soon' })), ['processor.window_secs: expected integer']);
  });

  it('refuses unauthenticated ingest outside the embedded mode', () => {
    assert.deepEqual(problemsOf(() => buildConfig({ collector: { auth_enabled: false } }, {})),
      ['collector.auth_enabled: may be false only with bus.kind memory (embedded mode)']);
    assert.equal(buildConfig({ bus: { kind: 'memory' }, collector: { auth_enabled: false } }, {}).collector.auth_enabled, false);
  });

  it('never prints a secret', () => {
    const config = buildConfig({ collector: { device_tokens: ['s3cr3t-device'], release_token: 's3cr3t-release' } }, {});
    const text = JSON.stringify(redactConfig(config));
    assert.ok(!text.includes('s3cr3t'), text);
  });

  it('documents every setting with a description', () => {
    for (const leaf of leafSettings(ConfigSchema)) assert.ok(leaf.schema.description, `${leaf.path.join('.')} has no description`);
  });

  it('keeps docs/configuration.md in step with the schema', () => {
    const file = new URL('../../docs/configuration.md', import.meta.url);
    assert.ok(readFileSync(file, 'utf8') === renderConfigReference(), 'docs/configuration.md is stale: run `npm run docs:config`');
  });
});
