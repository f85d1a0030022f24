// `ringwatch collector|processor|alerter|all`: run roles until SIGTERM / SIGINT.
import { loadConfig } from './config.ts';
import { createLogger } from '../common/telemetry/logger.ts';
import { runRoles } from './run-roles.ts';
import type { RoleFactory } from '../common/runtime/role.ts';
import { CONFIG_OPTION, type Command } from './command.ts';
import { ROLE_FACTORIES } from './role-factories.ts';

const SUMMARIES = {
  collector: 'ingest heartbeats, crashes and deployments over HTTP and write them to Kafka',
  processor: 'consume telemetry, keep per-device state, judge releases per ring',
  alerter: 'turn decisions into incidents, pages, verdicts and halt / rollback signals',
  all: 'run every role in one process (with bus.kind memory: the embedded mode, no Kafka needed)',
} as const;

export function serveCommand(name: keyof typeof SUMMARIES): Command {
  return {
    name,
    summary: SUMMARIES[name],
    usage: `ringwatch ${name} [--config FILE]`,
    options: { ...CONFIG_OPTION },
    async run(values) {
      const config = loadConfig(values.config as string | undefined);
      const logger = createLogger(config.telemetry.log_level, 'ringwatch');
      const factories: RoleFactory[] = name === 'all' ? Object.values(ROLE_FACTORIES) : [ROLE_FACTORIES[name]];
      let fatal: Error | undefined;
      let wake: () => void = () => {};
      const done = new Promise<void>((resolve) => { wake = resolve; });
      const running = await runRoles({
        config, factories, logger,
        onFatal: (err) => { fatal = err; logger.fatal({ err }, 'consumer gave up; exiting for the supervisor'); wake(); },
      });
      logger.info({ roles: factories.map((f) => f.name), bus: config.bus.kind, ports: Object.fromEntries([...running.servers].map(([k, s]) => [k, s.port])) }, 'ringwatch running');
      for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => { logger.info({ signal }, 'stopping'); wake(); });
      await done;
      await running.stop();
      return fatal ? 1 : 0;
    },
  };
}
