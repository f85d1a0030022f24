// `ringwatch collector|processor|alerter|all`: run roles until SIGTERM / SIGINT.
import { loadConfig } from './config.ts';
import { createLogger } from '../common/telemetry/logger.ts';
import { runRoles } from './run-roles.ts';
import type { RoleFactory } from '../common/runtime/role.ts';
import { CONFIG_OPTION, type Command } from './command.ts';
import { ROLE_FACTORIES } from './role-factories.ts';
import { createRegistry } from '../common/telemetry/metrics.ts';
import { collectorWorkerCount, isCollectorWorker, onPrimaryGone, runCollectorPrimary, workerMetrics, workerReady } from './collector-workers.ts';

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
      const worker = name === 'collector' && isCollectorWorker();
      if (name === 'collector' && !worker) {
        const workers = collectorWorkerCount(config);
        if (workers > 1) return runCollectorPrimary(workers, config, logger);
      }
      const registry = createRegistry();
      let fatal: Error | undefined;
      let wake: () => void = () => {};
      const done = new Promise<void>((resolve) => { wake = resolve; });
      const running = await runRoles({
        config, factories, logger, registry,
        ...(worker ? { metricsText: workerMetrics(registry) } : {}),
        onFatal: (err) => { fatal = err; logger.fatal({ err }, 'consumer gave up; exiting for the supervisor'); wake(); },
      });
      const ports = Object.fromEntries([...running.servers].map(([k, s]) => [k, s.port]));
      if (worker) {
        workerReady(ports.collector);
        onPrimaryGone(() => { logger.warn('the collector primary is gone; stopping'); wake(); });
      } else logger.info({ roles: factories.map((f) => f.name), bus: config.bus.kind, ports }, 'ringwatch running');
      for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => { logger.info({ signal }, 'stopping'); wake(); });
      await done;
      await running.stop();
      // A worker's IPC channel would keep it alive; closing it lets the process end now.
      if (worker && process.connected) process.disconnect();
      return fatal ? 1 : 0;
    },
  };
}
