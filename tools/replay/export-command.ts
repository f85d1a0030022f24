// `ringwatch export --from 7d [--to T] --output FILE`: production history into a backtest file.
import { loadConfig } from '../../app/config.ts';
import { createBus } from '../../common/bus/create-bus.ts';
import { topicNames } from '../../common/bus/topics.ts';
import { createLogger } from '../../common/telemetry/logger.ts';
import { exportTelemetry, parseTimeArg } from './export.ts';
import { openLineWriter } from './ndjson-writer.ts';
import { CONFIG_OPTION, type Command } from '../../app/command.ts';

export const exportCommand: Command = {
  name: 'export',
  summary: 'write telemetry from the Kafka topics over a time range as NDJSON (input of `backtest`)',
  usage: 'ringwatch export --config FILE --from 7d|RFC3339 [--to RFC3339] --output FILE[.gz]',
  options: {
    ...CONFIG_OPTION,
    from: { type: 'string', description: 'Start of the range: RFC 3339, or a duration back from now (90m, 36h, 7d). Default: the beginning.' },
    to: { type: 'string', description: 'End of the range (exclusive). Default: now.' },
    output: { type: 'string', short: 'o', description: 'Output file; .gz compresses; - is stdout (the default).' },
  },
  async run(values) {
    const config = loadConfig(values.config as string | undefined);
    const logger = createLogger(config.telemetry.log_level === 'info' ? 'warn' : config.telemetry.log_level, 'ringwatch-export');
    const now = Date.now();
    const range = {
      fromMs: values.from ? parseTimeArg(values.from as string, now) : undefined,
      toMs: values.to ? parseTimeArg(values.to as string, now) : now,
    };
    const bus = createBus(config.bus, config.instance_id ?? 'ringwatch', logger, 'export');
    await bus.start();
    const out = openLineWriter((values.output as string | undefined) ?? '-');
    try {
      const summary = await exportTelemetry(bus, topicNames(config.bus.topic_prefix), range, out);
      process.stderr.write(`exported ${summary.written} events (${summary.invalid} invalid records skipped): ${JSON.stringify(summary.byTopic)}\n`);
    } finally {
      await out.close();
      await bus.stop();
    }
    return 0;
  },
};
