// Alerting faults on a real broker, alerters as `ringwatch alerter` child processes, PagerDuty a local
// fake: the active alerter SIGKILLed between a decision and its page, and PagerDuty answering 500 for a
// settable time. "Pages" counts what PagerDuty would show: alerts, i.e. distinct dedup_keys of accepted
// triggers; the requests behind them are listed beside.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { startCli } from '../support/cli.ts';
import { uniquePrefix } from '../support/kafka.ts';
import type { PrivateBroker } from '../support/private-broker.ts';
import { FakeReceiver, releaseDecision, type Received } from '../alerting/support.ts';
import { alertingSettings, decisionRecords } from '../alerting/harness.ts';
import { testKafkaBus } from '../alerting/kafka-support.ts';
import { until } from './ingest-load.ts';
import type { FaultRow } from './row.ts';

const BAD = { component: 'channel-291', version: 'C-291-fault' };
const SESSION_MS = 6000;

interface Replica { child: ChildProcess; url: string }

async function alerters(broker: PrivateBroker, name: string, pager: FakeReceiver, hooks: FakeReceiver, extra: Record<string, unknown> = {}) {
  const prefix = uniquePrefix(name);
  const file = join(mkdtempSync(join(tmpdir(), 'ringwatch-faults-')), 'alerter.yaml');
  writeFileSync(file, JSON.stringify({
    bus: { kind: 'kafka', topic_prefix: prefix, partitions: 2, kafka: { brokers: broker.brokers, session_timeout_ms: 6000, heartbeat_interval_ms: 1000 } },
    alerting: alertingSettings(pager, hooks, { group_id: `${prefix}alerter`, leader_session_timeout_ms: SESSION_MS, leader_heartbeat_interval_ms: 500, ...extra }),
  }));
  const started: Replica[] = [];
  const bus = testKafkaBus(broker.brokers, `${name}-client`);
  await bus.start();
  return {
    started,
    async start(id: string): Promise<Replica> {
      const { child, output } = await startCli(['alerter', '-c', file], /"role":"alerter","port":\d+/, { RINGWATCH_INSTANCE_ID: id }, 90_000);
      const r = { child, url: `http://127.0.0.1:${/"role":"alerter","port":(\d+)/.exec(output())?.[1]}` };
      started.push(r);
      return r;
    },
    async publishFailure(): Promise<void> {
      const producer = bus.producer();
      await producer.start();
      await producer.publish(`${prefix}decisions`, decisionRecords([releaseDecision({ ...BAD, verdict: 'fail' }, Date.now() - 2000)]));
      await producer.stop();
    },
    async stop(): Promise<void> {
      for (const r of started) if (r.child.exitCode === null && r.child.signalCode === null) r.child.kill('SIGKILL');
      await bus.stop();
    },
  };
}

const metric = async (r: Replica, re: RegExp) => re.test(await fetch(`${r.url}/metrics`).then((res) => res.text()).catch(() => ''));
const isActive = (r: Replica) => metric(r, /^ringwatch_alerting_active 1$/m);
const triggers = (pager: FakeReceiver) => pager.on('/v2/enqueue').filter((r) => r.json().event_action === 'trigger');

/** Settle: the active replica's outbox is empty, then one more retry delay for anything sent twice. */
async function settled(r: Replica): Promise<void> {
  await until('the outbox empty', () => metric(r, /^ringwatch_alerting_outbox_pending\{integration="pagerduty"\} 0$/m), 60_000);
  await new Promise((resolve) => setTimeout(resolve, 1500));
}

export async function activeAlerterKilled(broker: PrivateBroker): Promise<FaultRow> {
  const pager = new FakeReceiver();
  const hooks = new FakeReceiver();
  await pager.start();
  await hooks.start();
  // The first trigger reaches PagerDuty and gets no answer: the active alerter is killed with the page
  // sent but not recorded as delivered, the worst moment for a duplicate.
  const accepted: Received[] = [];
  let hung = 0;
  pager.respond = (r) => {
    if (r.path === '/v2/enqueue' && r.json().event_action === 'trigger' && hung === 0) { hung++; return 'hang'; }
    accepted.push(r);
    return { status: 202 };
  };
  const set = await alerters(broker, 'fault-alerter', pager, hooks);
  try {
    const a = await set.start('a');
    await until('replica a active', () => isActive(a), 60_000);
    const b = await set.start('b');
    await until('replica b following', async () => (await fetch(`${b.url}/readyz`)).status === 200, 60_000);
    await set.publishFailure();
    await until('the page in flight', () => hung === 1, 30_000);
    const killedAt = Date.now();
    a.child.kill('SIGKILL');
    await until('replica b active', () => isActive(b), SESSION_MS + 30_000);
    const tookOver = Date.now() - killedAt;
    await until('the page accepted', () => accepted.some((r) => r.path === '/v2/enqueue'), 30_000);
    await settled(b);
    const sent = triggers(pager);
    const acceptedTriggers = accepted.filter((r) => r.path === '/v2/enqueue').map((r) => r.json());
    const alerts = new Set(sent.map((r) => r.json().dedup_key)).size;
    return {
      fault: 'active alerter SIGKILLed between a decision and its page (2 replicas)', load: '1 failing decision',
      acknowledged: '-', readBack: '-', lost: 0, duplicates: acceptedTriggers.length - 1, pages: alerts,
      checked: [
        `trigger requests at PagerDuty: ${sent.length} (1 unanswered when the active replica died, ${acceptedTriggers.length} answered 202), all with one dedup_key: ${alerts} alert`,
        `standby took over ${tookOver} ms after the SIGKILL (leader_session_timeout_ms ${SESSION_MS})`,
      ],
      ok: alerts === 1 && acceptedTriggers.length === 1,
    };
  } finally {
    await set.stop();
    await pager.stop();
    await hooks.stop();
  }
}

export async function pagerOutage(broker: PrivateBroker, outageSecs: number): Promise<FaultRow> {
  const pager = new FakeReceiver();
  const hooks = new FakeReceiver();
  await pager.start();
  await hooks.start();
  let down = true;
  const accepted: Received[] = [];
  pager.respond = (r) => {
    if (down) return { status: 500 };
    accepted.push(r);
    return { status: 202 };
  };
  const set = await alerters(broker, 'fault-pager', pager, hooks, { retry_initial_delay_ms: 500, max_retry_delay_ms: 5000 });
  try {
    const a = await set.start('a');
    await until('replica a active', () => isActive(a), 60_000);
    await set.publishFailure();
    await until('a refused attempt', () => triggers(pager).length >= 1, 30_000);
    const outageStarted = Date.now();
    await until(`${outageSecs} s of outage`, () => Date.now() - outageStarted >= outageSecs * 1000, outageSecs * 1000 + 5000, 250);
    const refused = triggers(pager).length;
    down = false;
    const recovered = Date.now();
    await until('the page accepted', () => accepted.some((r) => r.path === '/v2/enqueue'), 60_000);
    const delay = Date.now() - recovered;
    await settled(a);
    const acceptedTriggers = accepted.filter((r) => r.path === '/v2/enqueue' && r.json().event_action === 'trigger');
    return {
      fault: `PagerDuty answering 500 for ${outageSecs} s`, load: '1 failing decision',
      acknowledged: '-', readBack: '-', lost: 0, duplicates: acceptedTriggers.length - 1, pages: acceptedTriggers.length,
      checked: [
        `${refused} trigger attempts answered 500 during the outage (backoff up to 5 s), then accepted ${delay} ms after recovery`,
        `accepted triggers: ${acceptedTriggers.length}; change events accepted: ${accepted.filter((r) => r.path === '/v2/change/enqueue').length}`,
      ],
      ok: acceptedTriggers.length === 1,
    };
  } finally {
    await set.stop();
    await pager.stop();
    await hooks.stop();
  }
}
