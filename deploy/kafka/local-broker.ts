// kafka.sh from TypeScript: the one place that runs the script and reads its KAFKA_BROKERS line, for the
// test runner, tests with a broker of their own, and the benchmarks.
import { execFile, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const script = fileURLToPath(new URL('./kafka.sh', import.meta.url));

/** Run `kafka.sh <command>` with the given environment (RINGWATCH_KAFKA_*); returns its stdout. */
export function kafkaSh(command: string, env: NodeJS.ProcessEnv): string {
  const r = spawnSync('bash', [script, command], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (r.status !== 0) throw new Error(`kafka.sh ${command} failed (exit ${r.status})`);
  return r.stdout;
}

/** The same without blocking the event loop (a test keeps its load running while the broker resumes). */
export async function kafkaShAsync(command: string, env: NodeJS.ProcessEnv): Promise<string> {
  const { stdout } = await promisify(execFile)('bash', [script, command], { env, maxBuffer: 1 << 20 });
  return stdout;
}

export interface LocalBroker {
  brokers: string[];
  /** Another kafka.sh command on the same broker (kill, resume, status, stop), without blocking. */
  call(command: string): Promise<string>;
  stop(): void;
}

/** Start (or find running) the broker that `env` names and wait until it is ready. */
export function startLocalBroker(env: NodeJS.ProcessEnv): LocalBroker {
  const brokers = /KAFKA_BROKERS=(\S+)/.exec(kafkaSh('start', env))?.[1];
  if (!brokers) throw new Error('kafka.sh start printed no KAFKA_BROKERS line');
  return { brokers: brokers.split(','), call: (command) => kafkaShAsync(command, env), stop: () => void kafkaSh('stop', env) };
}
