// Alerting settings as an operator meets them: defaults, refusals, and secrets that `ringwatch config`
// never prints.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildConfig, redactConfig } from '../../app/config.ts';
import { checkAlertingSettings } from '../../alerting/role.ts';
import { pagerKeys } from '../../alerting/integrations/senders.ts';

const config = (alerting: Record<string, unknown>) => buildConfig({ alerting }, {});

describe('alerting settings', () => {
  it('refuses unsigned webhooks, non-HTTP URLs, duplicate names and owners without a key', () => {
    const problems = checkAlertingSettings(config({
      webhooks: [{ name: 'a', url: 'ftp://x' }, { name: 'a', url: 'http://y', hmac_secret: 's' }],
      release_owners: [{ component: 'agent' }],
    }).alerting);
    assert.deepEqual(problems, [
      'alerting.webhooks.0.hmac_secret: required (webhooks are always signed)',
      'alerting.webhooks.0.url: must be an http(s) URL',
      'alerting.release_owners.0.pagerduty_release_routing_key: required',
      'alerting.webhooks: names must be unique',
    ]);
  });

  it('pages a component\'s own owners first, then the release-wide key; gaps only the pipeline key', () => {
    const keys = pagerKeys(config({
      pagerduty_release_routing_key: 'everyone', release_owners: [{ component: 'agent', pagerduty_release_routing_key: 'agent-team' }],
    }).alerting);
    assert.equal(keys('release', 'agent'), 'agent-team');
    assert.equal(keys('release', 'channel-291'), 'everyone');
    assert.equal(keys('pipeline'), undefined, 'no pipeline key: no page, and never the release owners');
  });

  it('reads keys from *_file siblings and never prints them', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ringwatch-alerting-settings-'));
    writeFileSync(join(dir, 'pd'), 'from-file-key\n');
    const c = config({
      pagerduty_pipeline_routing_key_file: join(dir, 'pd'), pagerduty_release_routing_key: 'inline-key',
      release_owners: [{ component: 'agent', pagerduty_release_routing_key: 'owner-key' }],
      webhooks: [{ name: 'w', url: 'http://x', hmac_secret: 'hook-key' }],
    });
    assert.equal(c.alerting.pagerduty_pipeline_routing_key, 'from-file-key');
    const printed = JSON.stringify(redactConfig(c));
    for (const secret of ['from-file-key', 'inline-key', 'owner-key', 'hook-key']) assert.ok(!printed.includes(secret), secret);
  });
});
