// Runs the alerter role as the process does (runRoles), with fake PagerDuty and webhook receivers, and
// gives tests the handles a user would have: the verdict API, the topics and what the receivers got.
import { Registry } from 'prom-client';
import { buildConfig } from '../../app/config.ts';
import { runRoles, type RunningRoles } from '../../app/run-roles.ts';
import type { Bus } from '../../common/bus/types.ts';
import { decisionKey, type Decision } from '../../common/contract/decision.ts';
import type { Logger } from '../../common/telemetry/logger.ts';
import { alerterFactory } from '../../alerting/role.ts';
import { FakeReceiver } from './support.ts';

export const RELEASE_KEY = 'release-owners-key-0000000000001';
export const PIPELINE_KEY = 'pipeline-oncall-key-000000000002';
export const HOOK_SECRET = 'webhook-hmac-secret-3';

/** Alerting settings for fast tests: small backoffs and intervals, local receivers. */
export function alertingSettings(pager: FakeReceiver, hooks: FakeReceiver, extra: Record<string, unknown> = {}) {
  return {
    listen_host: '127.0.0.1', listen_port: 0, board_listen_port: 0, public_url: 'http://ringwatch.test',
    pagerduty_url: pager.url, pagerduty_release_routing_key: RELEASE_KEY, pagerduty_pipeline_routing_key: PIPELINE_KEY,
    webhooks: [{ name: 'release-bot', url: `${hooks.url}/ringwatch`, hmac_secret: HOOK_SECRET }],
    request_timeout_ms: 1000, retry_initial_delay_ms: 100, max_retry_delay_ms: 400,
    tick_interval_ms: 100, lag_check_interval_ms: 200, verdict_stale_after_secs: 3600,
    ...extra,
  };
}

export async function startAlerter(options: { config: Record<string, unknown>; logger: Logger; bus?: Bus }): Promise<RunningRoles & { url: string }> {
  const config = buildConfig(options.config, {});
  const running = await runRoles({ config, factories: [alerterFactory], logger: options.logger, bus: options.bus, registry: new Registry() });
  return Object.assign(running, { url: `http://127.0.0.1:${running.servers.get('alerter')?.port}` });
}

export function decisionRecords(decisions: Decision[]) {
  return decisions.map((d) => ({ key: decisionKey(d), value: Buffer.from(JSON.stringify(d)) }));
}

export async function getJson(url: string): Promise<{ status: number; body: any }> {
  const res = await fetch(url);
  return { status: res.status, body: await res.json() };
}

export async function postJson(url: string, body: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(url, { method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body), headers: { 'content-type': 'application/json' } });
  return { status: res.status, body: await res.json() };
}

export const verdictPath = (component: string, version: string, ring?: string) =>
  `/v1/verdicts/${encodeURIComponent(component)}/${encodeURIComponent(version)}${ring ? `?ring=${ring}` : ''}`;

/** What the receivers got, by kind. */
export function received(pager: FakeReceiver, hooks: FakeReceiver) {
  const pdEvents = pager.on('/v2/enqueue').map((r) => r.json());
  return {
    triggers: pdEvents.filter((e) => e.event_action === 'trigger'),
    resolves: pdEvents.filter((e) => e.event_action === 'resolve'),
    changes: pager.on('/v2/change/enqueue').map((r) => r.json()),
    hooks: hooks.on('/ringwatch').map((r) => r.json()),
  };
}
