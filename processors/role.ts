// The processor role as the process runs it. (Skeleton: the processor issue fills in routes and work.)
import type { Role, RoleContext, RoleFactory } from '../common/runtime/role.ts';

export const processorFactory: RoleFactory = {
  name: 'processor',
  create(ctx: RoleContext): Role {
    const section = ctx.config.processor;
    return {
      name: 'processor',
      routes: [],
      readiness: [],
      listen: { host: section.listen_host, port: section.listen_port },
      start: async () => {},
      stop: async () => {},
    };
  },
};
