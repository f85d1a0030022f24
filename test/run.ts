// `npm test`: start a real Kafka broker (unless RINGWATCH_TEST_KAFKA_BROKERS names one), run every test
// file with node's test runner, stop the broker, and fail if any test was skipped: a Kafka test that
// does not run proves nothing.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { startLocalBroker } from '../deploy/kafka/local-broker.ts';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const resultsDir = join(root, '.ringwatch');
mkdirSync(resultsDir, { recursive: true });
const tapFile = join(resultsDir, 'test-results.tap');

// One jar folder for the shared broker and the private ones some tests start (see test/support/private-broker.ts).
process.env.RINGWATCH_KAFKA_LIBS_DIR ??= join(root, '.ringwatch/kafka-libs');
const kafkaEnv = {
  ...process.env,
  RINGWATCH_KAFKA_PORT: process.env.RINGWATCH_KAFKA_PORT ?? '29092',
  RINGWATCH_KAFKA_CONTROLLER_PORT: process.env.RINGWATCH_KAFKA_CONTROLLER_PORT ?? '29093',
  RINGWATCH_KAFKA_WORKDIR: process.env.RINGWATCH_KAFKA_WORKDIR ?? join(root, '.ringwatch/test-kafka'),
};

// Tools some tests drive (promtool, amtool, Prometheus, offline validators): installed only when missing.
if (process.env.RINGWATCH_TEST_SKIP_TOOL_CHECK !== '1') {
  const tools = spawnSync('bash', [join(root, 'test/support/ensure-tools.sh')], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (tools.status !== 0) {
    console.error('test run: the tools the tests need are not there (see above)');
    process.exit(1);
  }
}

let brokers = process.env.RINGWATCH_TEST_KAFKA_BROKERS;
const started = brokers ? undefined : startLocalBroker(kafkaEnv);
brokers ??= started?.brokers.join(',');

const args = process.argv.slice(2);
const files = args.length ? args : ['test/**/*.test.ts'];
const concurrency = process.env.RINGWATCH_TEST_CONCURRENCY ?? '2';
const child = spawn(process.execPath, [
  // --test-force-exit: a file whose tests have all finished ends even if a client library left a socket
  // open (kafkajs can, kafkajs #1639); without it one leaked handle hangs the whole run until CI's timeout.
  '--test', `--test-concurrency=${concurrency}`, '--test-timeout=300000', '--test-force-exit',
  '--test-reporter=spec', '--test-reporter-destination=stdout',
  '--test-reporter=tap', `--test-reporter-destination=${tapFile}`,
  ...files,
], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, RINGWATCH_TEST_KAFKA_BROKERS: brokers },
});

const code: number = await new Promise((resolve) => child.once('exit', (c, signal) => resolve(c ?? (signal ? 1 : 0))));
if (started) {
  try { started.stop(); } catch (err) { console.error(String(err)); }
}

const tap = readFileSync(tapFile, 'utf8');
const count = (name: string) => Number(new RegExp(`^# ${name} (\\d+)$`, 'm').exec(tap)?.[1] ?? 'NaN');
const [tests, pass, fail, skipped, todo] = ['tests', 'pass', 'fail', 'skipped', 'todo'].map(count);
let exit = code;
if (!(tests > 0)) { console.error('test run: no test ran'); exit = 1; }
if (skipped > 0 || todo > 0) { console.error(`test run: ${skipped} skipped, ${todo} todo; every test must run (Kafka tests included)`); exit = 1; }
console.log(`${pass} passed, ${fail} failed, ${skipped} skipped`);
process.exit(exit);
