// The roles a process can run, by command name, and the configuration section each one takes.
import type { RoleFactory, RoleName } from '../common/runtime/role.ts';
import { collectorFactory } from '../collectors/role.ts';
import { processorFactory } from '../processors/role.ts';
import { alerterFactory } from '../alerting/role.ts';

import type { Config } from './config.ts';

/** A factory of any role: each takes its own section type, which run-roles looks up by name (ROLE_SECTION). */
export type AnyRoleFactory = RoleFactory<any>;

export const ROLE_FACTORIES: Record<'collector' | 'processor' | 'alerter', AnyRoleFactory> = {
  collector: collectorFactory,
  processor: processorFactory,
  alerter: alerterFactory,
};

/** The section of the one configuration each role is given (the alerter's is called `alerting`). */
export const ROLE_SECTION = { collector: 'collector', processor: 'processor', alerter: 'alerting' } as const satisfies Record<RoleName, keyof Config>;
