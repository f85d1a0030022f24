// `ringwatch config`: validate a configuration file and print it with defaults filled in and secrets redacted.
import { loadConfig, redactConfig } from './config.ts';
import { CONFIG_OPTION, type Command } from './command.ts';

export const configCommand: Command = {
  name: 'config',
  summary: 'validate a configuration and print it with defaults filled in (secrets redacted)',
  usage: 'ringwatch config [--config FILE]',
  options: { ...CONFIG_OPTION },
  async run(values) {
    const config = loadConfig(values.config as string | undefined);
    process.stdout.write(`${JSON.stringify(redactConfig(config), null, 2)}\n`);
    return 0;
  },
};
