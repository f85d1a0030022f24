// What every role (collector, processor, alerter) gets from the process and gives back to it.
import type { Registry } from 'prom-client';
import type { Config } from '../config/schema.ts';
import type { Bus, BusProducer } from '../bus/types.ts';
import type { Topics } from '../bus/topics.ts';
import type { Logger } from '../telemetry/logger.ts';
import type { Clock } from './clock.ts';
import type { Lifecycle, ReadinessCheck } from './lifecycle.ts';
import type { Route } from '../http/server.ts';

export interface RoleContext {
  config: Config;
  bus: Bus;
  /** Shared, coalescing producer (acknowledged = written to every in-sync replica). */
  producer: BusProducer;
  topics: Topics;
  registry: Registry;
  logger: Logger;
  clock: Clock;
}

export interface Role extends Lifecycle {
  readonly name: 'collector' | 'processor' | 'alerter';
  /** Extra routes on the role's HTTP server (which already serves /metrics, /livez, /readyz). */
  readonly routes: Route[];
  readonly prefixRoutes?: Route[];
  readonly readiness: ReadinessCheck[];
  /** Where its HTTP server listens. */
  readonly listen: { host: string; port: number };
}

export type RoleName = Role['name'];

export interface RoleFactory {
  name: RoleName;
  create(ctx: RoleContext): Role;
}
