// The collector role as the process runs it. (Skeleton: the collector issue fills in routes and work.)
import type { Role, RoleContext, RoleFactory } from '../common/runtime/role.ts';

export const collectorFactory: RoleFactory = {
  name: 'collector',
  create(ctx: RoleContext): Role {
    const section = ctx.config.collector;
    return {
      name: 'collector',
      routes: [],
      readiness: [],
      listen: { host: section.listen_host, port: section.listen_port },
      start: async () => {},
      stop: async () => {},
    };
  },
};
