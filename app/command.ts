// Subcommands of `ringwatch`. Each has a summary and a help text; `main()` is the only place that exits.
export interface Command {
  name: string;
  summary: string;
  usage: string;
  options: Record<string, { type: 'string' | 'boolean'; short?: string; description: string }>;
  run(values: Record<string, string | boolean | undefined>, positionals: string[]): Promise<number>;
}

export const CONFIG_OPTION = {
  config: { type: 'string' as const, short: 'c', description: 'YAML configuration file (default: built-in defaults + RINGWATCH_* environment).' },
};

export function helpText(cmd: Command): string {
  const opts = Object.entries({ ...cmd.options, help: { type: 'boolean', short: 'h', description: 'Show this help.' } })
    .map(([name, o]) => `  ${o.short ? `-${o.short}, ` : '    '}--${name}${o.type === 'string' ? ' VALUE' : ''}\n      ${o.description}`);
  return `ringwatch ${cmd.name}: ${cmd.summary}\n\nUsage: ${cmd.usage}\n\nOptions:\n${opts.join('\n')}\n`;
}
