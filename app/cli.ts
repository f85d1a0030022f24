// ringwatch command line: the one list of commands (the roles, then the tools built on them). Loaded by
// the entry, app/ringwatch.ts; only this file exits the process.
import { parseArgs } from 'node:util';
import { ConfigError } from '../common/config/load.ts';
import { helpText, type Command } from './command.ts';
import { serveCommand } from './serve-command.ts';
import { configCommand } from './config-command.ts';
import { simulateCommand } from '../tools/simulator/simulate-command.ts';
import { exportCommand } from '../tools/replay/export-command.ts';
import { demoCommand } from '../tools/demo/demo-command.ts';
import { backtestCommand } from '../tools/replay/backtest-command.ts';

const COMMANDS: Command[] = [
  serveCommand('collector'), serveCommand('processor'), serveCommand('alerter'), serveCommand('all'),
  configCommand, demoCommand, simulateCommand, exportCommand, backtestCommand,
];

function topHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  const lines = COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return `ringwatch: catch a bad release in its first ring, and stop it there.\n\nUsage: ringwatch <command> [options]\n\nCommands:\n${lines.join('\n')}\n\nRun 'ringwatch <command> --help' for a command's options.\n`;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(topHelp());
    return name ? 0 : 2;
  }
  const cmd = COMMANDS.find((c) => c.name === name);
  if (!cmd) {
    process.stderr.write(`ringwatch: unknown command '${name}'\n\n${topHelp()}`);
    return 2;
  }
  let parsed;
  try {
    parsed = parseArgs({
      args: rest, allowPositionals: true, strict: true,
      options: { ...cmd.options, help: { type: 'boolean', short: 'h' } },
    });
  } catch (err) {
    process.stderr.write(`ringwatch ${name}: ${(err as Error).message}\n\n${helpText(cmd)}`);
    return 2;
  }
  if (parsed.values.help) {
    process.stdout.write(helpText(cmd));
    return 0;
  }
  try {
    return await cmd.run(parsed.values as Record<string, string | boolean | undefined>, parsed.positionals);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`ringwatch: ${err.message}\n`);
      return 78; // EX_CONFIG
    }
    process.stderr.write(`ringwatch ${name}: ${(err as Error).stack ?? err}\n`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
// Open handles (sockets being torn down, kafkajs timers) must not keep a finished command alive.
setTimeout(() => process.exit(process.exitCode), 3000).unref();
