// External tools the deploy checks run (promtool, amtool, the validators), as child processes. A missing
// tool fails the test with the line that installs it: a check that did not run proves nothing.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

const INSTALL_HINTS: Record<string, string> = {
  promtool: 'apt-get install -y prometheus',
  prometheus: 'apt-get install -y prometheus',
  amtool: 'apt-get install -y prometheus-alertmanager',
  python3: 'apt-get install -y python3',
  go: 'a Go toolchain (golang)',
  bash: 'bash',
};

export interface ToolResult { code: number | null; stdout: string; stderr: string; output: string }

/** Run a tool to completion; throws when it cannot be started at all (not installed). */
export function runTool(command: string, args: string[], options: { cwd?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv; input?: string } = {}): ToolResult {
  const r = spawnSync(command, args, {
    cwd: options.cwd ?? ROOT, encoding: 'utf8', timeout: options.timeoutMs ?? 120_000,
    env: { ...process.env, ...options.env }, maxBuffer: 32 * 1024 * 1024, input: options.input,
  });
  if (r.error) {
    const code = (r.error as NodeJS.ErrnoException).code;
    const hint = code === 'ENOENT' ? ` (not installed: ${INSTALL_HINTS[command] ?? command})` : '';
    throw new Error(`cannot run ${command}: ${r.error.message}${hint}`);
  }
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, output: `${r.stdout}\n${r.stderr}` };
}

/** Run a tool and require exit 0; the assertion message carries its output. */
export function runToolOk(command: string, args: string[], options: Parameters<typeof runTool>[2] = {}): ToolResult {
  const r = runTool(command, args, options);
  if (r.code !== 0) throw new Error(`${command} ${args.join(' ')} exited ${r.code}:\n${r.output.slice(-4000)}`);
  return r;
}
