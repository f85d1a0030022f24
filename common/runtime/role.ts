// What every role (collector, processor, alerter) gets from the process and gives back to it.
import type { Registry } from 'prom-client';
import type { BusSettings, TelemetrySettings } from '../config/common-sections.ts';
import type { Bus, BusProducer } from '../bus/types.ts';
import type { Topics } from '../bus/topics.ts';
import type { Logger } from '../telemetry/logger.ts';
import type { Clock } from './clock.ts';
import type { Lifecycle, ReadinessCheck } from './lifecycle.ts';
import type { Route } from '../http/server.ts';

/** The settings every role shares; each role's own section comes as `settings`. */
export interface SharedSettings {
  instanceId: string;
  bus: BusSettings;
  telemetry: TelemetrySettings;
}

export interface RoleContext<S = unknown> {
  /** This role's own configuration section. */
  settings: S;
  shared: SharedSettings;
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
  /** Its HTTP answers stay honest while the bus is out of reach: /readyz leaves out the bus and consumer checks. */
  readonly answersWithoutBus?: boolean;
  /** Where its HTTP server listens. */
  readonly listen: { host: string; port: number };
  /** More HTTP servers of this role on their own ports (the alerter's board), named for `servers`. */
  readonly extraServers?: ExtraServer[];
}

export interface ExtraServer {
  name: string;
  listen: { host: string; port: number };
  routes: Route[];
  prefixRoutes?: Route[];
}

export type RoleName = Role['name'];

export interface RoleFactory<S = never> {
  name: RoleName;
  create(ctx: RoleContext<S>): Role;
}
