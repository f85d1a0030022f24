// End-to-end latency for the suite: every role in this process on the real broker (collector with auth,
// processor, alerter), the fleet simulator playing deploy/scenarios/crowdstrike.yaml over HTTP at 1-second
// heartbeats, PagerDuty at a local stand-in (tools/demo/local-pager.ts). Per decision, latency = time it
// is read from the decisions topic - its `decidedAt` (the collector's receipt time of the event that closed
// its window): event received -> decision. Page and halt: time at the fake PagerDuty / read from the
// signals topic - `decidedAt` of the first `fail` decision of that release and ring.
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel } from 'kafkajs';
import { Registry } from 'prom-client';
import { buildConfig } from '../../../app/config.ts';
import type { Decision } from '../../../common/contract/decision.ts';
import { ROLE_FACTORIES } from '../../../app/role-factories.ts';
import { runRoles } from '../../../app/run-roles.ts';
import { loadScenario } from '../../simulator/scenario-load.ts';
import { silentLogger } from '../../../common/telemetry/logger.ts';
import { fastProcessorSettings } from '../../demo/fast-settings.ts';
import { LocalPager } from '../../demo/local-pager.ts';
import { onsetOf, playLiveRollout } from '../../demo/live-rollout.ts';
import { percentile } from '../ingest/stats.ts';

const SCENARIO = fileURLToPath(new URL('../../../deploy/scenarios/crowdstrike.yaml', import.meta.url));
const DEVICE_TOKEN = 'bench-suite-device-token-0123456789';
const RELEASE_TOKEN = 'bench-suite-release-token-0123456789';

export interface LatencyRun {
  decisions: number;
  decisionP50Ms: number;
  decisionP99Ms: number;
  pageMs?: number;
  haltMs?: number;
  /** Release start in its first ring -> page (detection delay, dominated by windows and silence intervals). */
  onsetToPageMs?: number;
  decisionLatenciesMs: number[];
}

export interface LatencyOptions { brokers: string[]; devices: number; maxSecs: number }

export async function latencyRun(o: LatencyOptions): Promise<LatencyRun> {
  const scenario = loadScenario(SCENARIO, { devices: o.devices, durationSecs: o.maxSecs });
  const prefix = `suite-e2e-${Date.now().toString(36)}.`;
  const pager = new LocalPager();
  await pager.start();
  const config = buildConfig({
    bus: { kind: 'kafka', topic_prefix: prefix, partitions: 3, kafka: { brokers: o.brokers } },
    telemetry: { log_level: 'silent' },
    collector: { listen_host: '127.0.0.1', listen_port: 0, device_tokens: [DEVICE_TOKEN], release_token: RELEASE_TOKEN,
      rate_limit_device_per_sec: 1_000_000, rate_limit_burst: 1_000_000, rate_limit_source_per_sec: 10_000_000, rate_limit_source_burst: 10_000_000 },
    processor: { listen_host: '127.0.0.1', listen_port: 0, group_id: `${prefix}processor`, ...fastProcessorSettings(scenario) },
    alerting: {
      listen_host: '127.0.0.1', listen_port: 0, board_listen_port: 0, group_id: `${prefix}alerter`, pagerduty_url: pager.url,
      pagerduty_release_routing_key: 'bench-release-owners-key-0000001', pagerduty_pipeline_routing_key: 'bench-pipeline-oncall-key-000002',
      request_timeout_ms: 2000, retry_initial_delay_ms: 200, max_retry_delay_ms: 2000, tick_interval_ms: 250,
    },
  }, {});
  const running = await runRoles({ config, factories: Object.values(ROLE_FACTORIES), logger: silentLogger, registry: new Registry() });
  const kafka = new Kafka({ clientId: 'bench-suite-e2e', brokers: o.brokers, logLevel: logLevel.NOTHING });
  const reader = kafka.consumer({ groupId: `${prefix}reader`, maxWaitTimeInMs: 50 });
  const decisions = new Map<string, { d: Decision; atMs: number }>();
  const signals: { value: Record<string, any>; atMs: number }[] = [];
  try {
    await reader.connect();
    await reader.subscribe({ topics: [`${prefix}decisions`, `${prefix}signals`], fromBeginning: true });
    await reader.run({ eachMessage: async ({ topic, message }) => {
      const atMs = Date.now();
      const value = JSON.parse(message.value?.toString('utf8') ?? 'null');
      if (topic.endsWith('signals')) signals.push({ value, atMs });
      else if (!decisions.has(value.id)) decisions.set(value.id, { d: value as Decision, atMs });
    } });
    const port = (role: string) => running.servers.get(role)?.port;
    const run = await playLiveRollout(scenario, {
      target: `http://127.0.0.1:${port('collector')}`,
      tokens: { device: [DEVICE_TOKEN], release: RELEASE_TOKEN },
      verdictUrl: `http://127.0.0.1:${port('alerter')}/v1/verdicts/{component}/{version}?ring={ring}`,
      settleMs: 5000,
    });
    const all = [...decisions.values()];
    const latencies = all.map((x) => x.atMs - Date.parse(x.d.decidedAt));
    const firstFail = all.filter((x) => x.d.verdict === 'fail' && x.d.kind === 'release_verdict').sort((a, b) => Date.parse(a.d.decidedAt) - Date.parse(b.d.decidedAt))[0];
    const failAt = firstFail ? Date.parse(firstFail.d.decidedAt) : undefined;
    const page = pager.triggers()[0];
    const halt = signals.find((s) => s.value.type === 'halt');
    const onset = firstFail?.d.release ? onsetOf(run.summary, firstFail.d.release) : undefined;
    return {
      decisions: all.length, decisionP50Ms: percentile(latencies, 50), decisionP99Ms: percentile(latencies, 99),
      pageMs: failAt !== undefined && page ? page.atMs - failAt : undefined,
      haltMs: failAt !== undefined && halt ? halt.atMs - failAt : undefined,
      onsetToPageMs: onset !== undefined && page ? page.atMs - onset : undefined,
      decisionLatenciesMs: latencies,
    };
  } finally {
    await reader.disconnect();
    await running.stop();
    await pager.stop();
  }
}
