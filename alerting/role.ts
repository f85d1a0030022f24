// The alerter role as the process runs it. (Skeleton: the alerter issue fills in routes and work.)
import type { Role, RoleContext, RoleFactory } from '../common/runtime/role.ts';

export const alerterFactory: RoleFactory = {
  name: 'alerter',
  create(ctx: RoleContext): Role {
    const section = ctx.config.alerting;
    return {
      name: 'alerter',
      routes: [],
      readiness: [],
      listen: { host: section.listen_host, port: section.listen_port },
      start: async () => {},
      stop: async () => {},
    };
  },
};
