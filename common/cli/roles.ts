// The roles a process can run, by command name.
import type { RoleFactory } from '../runtime/role.ts';
import { collectorFactory } from '../../collectors/role.ts';
import { processorFactory } from '../../processors/role.ts';
import { alerterFactory } from '../../alerting/role.ts';

export const ROLE_FACTORIES: Record<'collector' | 'processor' | 'alerter', RoleFactory> = {
  collector: collectorFactory,
  processor: processorFactory,
  alerter: alerterFactory,
};
