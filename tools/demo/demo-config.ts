// The demo's configuration: every role in this process on the embedded memory bus (no Kafka, auth off,
// which the config allows only with the memory bus), the processor's intervals taken from the scenario,
// and PagerDuty plus one webhook pointed at the built-in local stand-in. Validated like any config file.
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { buildConfig } from '../../app/config.ts';
import type { Config } from '../../app/config.ts';
import type { Scenario } from '../simulator/scenario-schema.ts';
import { fastProcessorSettings } from './fast-settings.ts';
import { PAGER_PATHS } from './local-pager.ts';

/** Routing keys of the local stand-in: not secrets, nothing leaves the machine. 32 chars like real keys. */
export const DEMO_RELEASE_KEY = 'local-demo-release-owners-key-01';
export const DEMO_PIPELINE_KEY = 'local-demo-pipeline-oncall-key-2';
/** Webhooks are always signed; the local receiver does not check it. */
export const DEMO_WEBHOOK_SECRET = 'local-demo-webhook-secret';

export interface DemoPorts {
  /** Collector on base, processor on base+1, alerter on base+2; 0: any free ports. */
  base: number;
  /** The alerter's board (pages link to it, so it is known before start: base+3, or a free port picked first). */
  board: number;
}

/** A port free right now on 127.0.0.1 (the board's URL goes into the config before the alerter starts). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export const demoBoardPort = async (base: number): Promise<number> => (base ? base + 3 : freePort());

export function demoConfig(scenario: Scenario, pagerUrl: string, ports: DemoPorts): Config {
  const port = (k: number) => (ports.base ? ports.base + k : 0);
  const listen = (k: number) => ({ listen_host: '127.0.0.1', listen_port: port(k) });
  return buildConfig({
    bus: { kind: 'memory' },
    telemetry: { log_level: 'warn' },
    collector: { ...listen(0), auth_enabled: false },
    processor: { ...listen(1), ...fastProcessorSettings(scenario) },
    alerting: {
      ...listen(2),
      pagerduty_url: pagerUrl,
      pagerduty_release_routing_key: DEMO_RELEASE_KEY,
      pagerduty_pipeline_routing_key: DEMO_PIPELINE_KEY,
      webhooks: [{ name: 'release-bot', url: `${pagerUrl}${PAGER_PATHS.webhook}`, hmac_secret: DEMO_WEBHOOK_SECRET }],
      request_timeout_ms: 2000, retry_initial_delay_ms: 200, max_retry_delay_ms: 2000, tick_interval_ms: 250,
      board_listen_port: ports.board, board_public_url: `http://127.0.0.1:${ports.board}`,
    },
  }, {});
}
