// The processor role as the process runs it: the source stage (consumer group over heartbeats and
// crashes, partial cells out), the judge stage (every instance judges the merged windows and writes
// decisions), a lag poller, and a status route.
import type { Role, RoleContext, RoleFactory } from '../common/runtime/role.ts';
import { startAll, stopAll } from '../common/runtime/lifecycle.ts';
import { sendJson } from '../common/http/server.ts';
import { LabelLimiter } from '../common/telemetry/metrics.ts';
import type { ProcessorSettings } from './config.ts';
import { detectionSettings } from './core/settings.ts';
import { JudgeStage } from './shell/judge-stage.ts';
import { ProcessorMetrics } from './shell/metrics.ts';
import { SourceStage } from './shell/source-stage.ts';

/** A replay of one partition that takes longer than this fails the batch (it is retried). */
const RESTORE_TIMEOUT_MS = 10 * 60_000;

export const processorFactory: RoleFactory<ProcessorSettings> = {
  name: 'processor',
  create(ctx: RoleContext<ProcessorSettings>): Role {
    const section = ctx.settings;
    const settings = detectionSettings(section);
    const partitions = section.source_partitions || ctx.shared.bus.partitions;
    const metrics = new ProcessorMetrics(ctx.registry, new LabelLimiter(ctx.registry, ctx.shared.telemetry.label_cardinality_limit));
    const common = { bus: ctx.bus, producer: ctx.producer, topics: ctx.topics, settings, partitions, metrics, logger: ctx.logger, clock: ctx.clock, maxSpanLinks: ctx.shared.telemetry.trace_max_links };
    const judge = new JudgeStage({
      ...common, groupId: section.group_id, instanceId: ctx.shared.instanceId, deploymentsWaitMs: section.deployments_wait_ms,
    });
    const sources = new SourceStage({
      ...common, groupId: section.group_id, idleAdvanceMs: section.idle_advance_secs * 1000, restoreTimeoutMs: RESTORE_TIMEOUT_MS,
      fleetWatermark: () => judge.judge.newestWindowEnd('heartbeats/'),
    });
    let lagTimer: NodeJS.Timeout | undefined;
    const pollLag = async () => {
      const groups = [
        { stage: 'source', group: section.group_id, topics: [ctx.topics.heartbeats, ctx.topics.crashes] },
        { stage: 'judge', group: judge.cellsGroup, topics: [ctx.topics.cells] },
      ];
      for (const g of groups) {
        const lags = await ctx.bus.lag(g.group, g.topics).catch(() => []);
        for (const topic of g.topics) metrics.lag.set({ stage: g.stage, topic }, lags.filter((l) => l.topic === topic).reduce((n, l) => n + l.lag, 0));
      }
    };
    return {
      name: 'processor',
      routes: [{
        method: 'GET',
        path: '/v1/processor/status',
        handler: (_req, res) => sendJson(res, 200, {
          sources: [...sources.cores.values()].map((c) => ({
            source: c.source, devices: c.devices.size, evicted: c.devices.evicted, crashedDevices: c.crashes.size,
            nextWindow: c.nextClose, nextOffset: c.nextOffset.toString(),
          })),
          judge: { nextWindow: judge.judge.nextWindow, windowsJudged: judge.judge.judged, waitingFor: judge.judge.nextReady() === undefined ? 'sources' : 'nothing' },
        }),
      }],
      readiness: [{ name: 'processor', ready: () => sources.started && judge.started }],
      listen: { host: section.listen_host, port: section.listen_port },
      start: async () => {
        await startAll([judge, sources]);
        lagTimer = setInterval(() => void pollLag(), section.lag_poll_ms);
      },
      stop: async () => {
        if (lagTimer) clearInterval(lagTimer);
        lagTimer = undefined;
        await stopAll([judge, sources]);
      },
    };
  },
};
