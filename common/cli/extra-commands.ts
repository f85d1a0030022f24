// Tool subcommands contributed by other parts (simulate, demo, backtest, export).
import type { Command } from './commands.ts';

export const EXTRA_COMMANDS: Command[] = [];
