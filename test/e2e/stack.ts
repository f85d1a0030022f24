// The three roles as production runs them, on a real Kafka broker with private topics: collector (tokens
// on), processor with 1-second heartbeats and 2-second windows, alerter paging a fake PagerDuty and a fake
// webhook. The receivers note when each request arrived, so the test can report time to page.
import { Registry } from 'prom-client';
import { buildConfig } from '../../app/config.ts';
import { runRoles, type RunningRoles } from '../../app/run-roles.ts';
import { ROLE_FACTORIES } from '../../app/role-factories.ts';
import { fastProcessorSettings } from '../../tools/demo/fast-settings.ts';
import type { Scenario } from '../../tools/simulator/scenario-schema.ts';
import { silentLogger } from '../../common/telemetry/logger.ts';
import { testBrokers, uniquePrefix } from '../support/kafka.ts';
import { FakeReceiver, type Received } from '../alerting/support.ts';
import { alertingSettings } from '../alerting/harness.ts';
import { kafkaBus } from '../processors/support/settings.ts';
import { testKafkaBus, topicReader } from '../alerting/kafka-support.ts';

export const DEVICE_TOKENS = ['e2e-device-token-a', 'e2e-device-token-b', 'e2e-device-token-c'];
export const RELEASE_TOKEN = 'e2e-release-token';

/** A fake receiver that also keeps the wall time each request arrived at. */
export class TimedReceiver extends FakeReceiver {
  readonly arrivals = new Map<Received, number>();
  constructor() {
    super();
    this.respond = (r) => {
      this.arrivals.set(r, Date.now());
      return { status: 202 };
    };
  }
}

export interface E2eStack {
  running: RunningRoles;
  pager: TimedReceiver;
  hooks: TimedReceiver;
  collectorUrl: string;
  verdictUrl: string;
  /** What a release tool subscribed to the signals topic got. */
  signals: Awaited<ReturnType<typeof topicReader>>;
  stop(): Promise<void>;
}

export async function startStack(name: string, scenario: Scenario): Promise<E2eStack> {
  const prefix = uniquePrefix(name);
  const pager = await new TimedReceiver().start();
  const hooks = await new TimedReceiver().start();
  const config = buildConfig({
    bus: kafkaBus(testBrokers(), prefix),
    telemetry: { log_level: 'warn' },
    collector: {
      listen_host: '127.0.0.1', listen_port: 0, device_tokens: DEVICE_TOKENS, release_token: RELEASE_TOKEN,
      rate_limit_device_per_sec: 1000, rate_limit_burst: 1000,
    },
    processor: { listen_host: '127.0.0.1', listen_port: 0, group_id: `${prefix}processor`, ...fastProcessorSettings(scenario) },
    alerting: alertingSettings(pager, hooks, { group_id: `${prefix}alerter` }),
  }, {});
  const running = await runRoles({ config, factories: Object.values(ROLE_FACTORIES), logger: silentLogger, registry: new Registry() });
  const reader = testKafkaBus(testBrokers(), `${name}-signals-reader`);
  await reader.start();
  const signals = await topicReader(reader, running.context.topics.signals);
  const port = (role: string) => running.servers.get(role)?.port;
  return {
    running, pager, hooks, signals,
    collectorUrl: `http://127.0.0.1:${port('collector')}`,
    verdictUrl: `http://127.0.0.1:${port('alerter')}/v1/verdicts/{component}/{version}?ring={ring}`,
    async stop() {
      await signals.stop();
      await reader.stop();
      await running.stop();
      await pager.stop();
      await hooks.stop();
    },
  };
}
