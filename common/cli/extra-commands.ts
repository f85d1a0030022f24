// Tool subcommands contributed by other parts (simulate, demo, backtest, export).
import type { Command } from './commands.ts';
import { simulateCommand } from '../simulator/simulate-command.ts';

export const EXTRA_COMMANDS: Command[] = [simulateCommand];
