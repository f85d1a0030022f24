// Runs one or more roles in this process: bus, topics, shared producer, one HTTP server per role, and an
// orderly shutdown (intake first, then flush) on SIGTERM / SIGINT.
import type { Registry } from 'prom-client';
import type { Config } from './config.ts';
import type { Bus } from '../common/bus/types.ts';
import { createBus, topicSpecs } from '../common/bus/create-bus.ts';
import { CoalescingProducer } from '../common/bus/coalescing-producer.ts';
import { topicNames } from '../common/bus/topics.ts';
import { ConsumerMonitor } from '../common/bus/consumer-monitor.ts';
import { HttpServer } from '../common/http/server.ts';
import { createRegistry } from '../common/telemetry/metrics.ts';
import type { Logger } from '../common/telemetry/logger.ts';
import { roleServiceName, startTracing, stopTracing } from '../common/telemetry/tracing.ts';
import { systemClock, type Clock } from '../common/runtime/clock.ts';
import { stopAll } from '../common/runtime/lifecycle.ts';
import type { Role, RoleContext, SharedSettings } from '../common/runtime/role.ts';
import { ROLE_SECTION, type AnyRoleFactory } from './role-factories.ts';
import { withRetries } from '../common/runtime/retry.ts';

export interface RunningRoles {
  roles: Role[];
  servers: Map<string, HttpServer>;
  bus: Bus;
  registry: Registry;
  context: Omit<RoleContext, 'settings'>;
  stop(): Promise<void>;
}

export interface RunOptions {
  config: Config;
  factories: AnyRoleFactory[];
  logger: Logger;
  clock?: Clock;
  registry?: Registry;
  /** Use this bus instead of creating one (embedded demo, tests). */
  bus?: Bus;
  onFatal?: (err: Error) => void;
  /** /metrics text of every role server (collector workers: the sum over all workers, from the primary). */
  metricsText?: () => Promise<string>;
}

/** The settings every role shares, from the one configuration. */
export const sharedSettings = (config: Config): SharedSettings =>
  ({ instanceId: config.instance_id ?? 'ringwatch', bus: config.bus, telemetry: config.telemetry });

export async function runRoles(options: RunOptions): Promise<RunningRoles> {
  const { config, logger } = options;
  await startTracing(roleServiceName(options.factories.map((f) => f.name)));
  const registry = options.registry ?? createRegistry();
  const bus = options.bus ?? createBus(config.bus, config.instance_id ?? 'ringwatch', logger, 'proc', options.onFatal);
  // Kafka may come up after us (compose, Kubernetes): wait for it a while instead of crash-looping at once.
  await withRetries(() => bus.start(), { attempts: 30, initialMs: 500, maxMs: 5000, logger, what: 'connect to the bus' });
  // Several instances starting at once race to create topics; the loser sees transient metadata errors.
  if (config.bus.create_topics) {
    await withRetries(() => bus.ensureTopics(topicSpecs(config.bus)), { attempts: 5, initialMs: 500, maxMs: 3000, logger, what: 'create topics' });
  }
  const producer = new CoalescingProducer(bus.producer(), {
    lingerMs: config.bus.publish_linger_ms,
    maxRecords: config.bus.publish_batch_max_records,
  });
  await producer.start();
  const context: Omit<RoleContext, 'settings'> = {
    shared: sharedSettings(config), bus, producer, registry, logger, clock: options.clock ?? systemClock, topics: topicNames(config.bus.topic_prefix),
  };
  const roles: Role[] = [];
  const servers = new Map<string, HttpServer>();
  const monitor = new ConsumerMonitor(bus, registry, {
    pollMs: config.bus.lag_poll_secs * 1000, stallMs: config.bus.consumer_stall_secs * 1000, clock: context.clock, logger,
  });
  const stop = async () => {
    await monitor.stop();
    // Intake first (HTTP servers), then roles (they flush), then the producer and the bus.
    await stopAll([...servers.values()]).catch((err) => logger.error({ err }, 'stopping servers'));
    await stopAll(roles).catch((err) => logger.error({ err }, 'stopping roles'));
    await producer.stop().catch((err) => logger.error({ err }, 'stopping producer'));
    if (!options.bus) await bus.stop().catch((err) => logger.error({ err }, 'stopping bus'));
    await stopTracing();
  };
  try {
    for (const factory of options.factories) {
      const role = factory.create({ ...context, settings: config[ROLE_SECTION[factory.name]], logger: logger.child({ role: factory.name }) });
      roles.push(role);
      await role.start();
      const server = new HttpServer({
        host: role.listen.host, port: role.listen.port, registry, logger,
        routes: role.routes, prefixRoutes: role.prefixRoutes, metricsText: options.metricsText,
        readiness: [...(role.answersWithoutBus ? [] : [{ name: 'bus', ready: () => bus.ready() }, monitor.readiness]), ...role.readiness],
      });
      await server.start();
      servers.set(role.name, server);
      for (const extra of role.extraServers ?? []) {
        const more = new HttpServer({
          host: extra.listen.host, port: extra.listen.port, registry, logger, routes: extra.routes, prefixRoutes: extra.prefixRoutes, metricsText: options.metricsText,
          readiness: [{ name: 'bus', ready: () => bus.ready() }, ...role.readiness],
        });
        await more.start();
        servers.set(extra.name, more);
        logger.info({ role: role.name, server: extra.name, port: more.port }, 'server started');
      }
      logger.info({ role: role.name, port: server.port }, 'role started');
    }
    await monitor.start();
  } catch (err) {
    await stop();
    throw err;
  }
  return { roles, servers, bus, registry, context, stop };
}
