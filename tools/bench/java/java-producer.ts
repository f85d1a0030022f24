// The machine limit: Kafka's own Java producer (org.apache.kafka.tools.ProducerPerformance from
// kafka-tools on Maven Central) against the same broker, acks=all, idempotent, ~380-byte records, one
// topic of the same partition count. Jars are assembled with Maven from tools/bench/java/pom.xml, as
// deploy/kafka/kafka.sh assembles the broker, into .ringwatch/kafka-tools-<version> (git-ignored), once.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel } from 'kafkajs';

const POM = fileURLToPath(new URL('./pom.xml', import.meta.url));
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export interface JavaProducerResult {
  records: number;
  recordsPerSec: number;
  mbPerSec: number;
  avgLatencyMs: number;
  maxLatencyMs: number;
  p50Ms: number;
  p99Ms: number;
  recordSize: number;
  line: string;
}

/** Where the kafka-tools classpath lives; fetched with Maven when missing. */
export function kafkaToolsClasspath(version = process.env.RINGWATCH_KAFKA_VERSION ?? '4.1.2'): string {
  const dir = process.env.RINGWATCH_KAFKA_TOOLS_DIR ?? `${ROOT}.ringwatch/kafka-tools-${version}`;
  const done = `${dir}/.complete`;
  if (!existsSync(done)) {
    const tmp = `${dir}.tmp.${process.pid}`;
    rmSync(tmp, { recursive: true, force: true });
    console.log(`  fetching kafka-tools ${version} jars from Maven Central (once) ...`);
    execFileSync(process.env.RINGWATCH_KAFKA_MVN ?? 'mvn', ['-B', '-q', '-Dstyle.color=never', '-f', POM, 'dependency:copy-dependencies',
      `-Dkafka.version=${version}`, '-DincludeScope=runtime', `-DoutputDirectory=${tmp}`], { stdio: ['ignore', 'ignore', 'inherit'] });
    if (!readdirSync(tmp).some((f) => f.startsWith(`kafka-tools-${version}`))) throw new Error(`kafka-tools-${version}.jar not fetched`);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(`${dir}/..`, { recursive: true });
    renameSync(tmp, dir);
    writeFileSync(done, `kafka-tools ${version}\n`);
  }
  return `${dir}/*`;
}

/** "1000000 records sent, 245000.1 records/sec (88.9 MB/sec), 12.3 ms avg latency, 456.0 ms max latency, 10 ms 50th, ... 99th, ..." */
export function parseSummary(line: string, recordSize: number): JavaProducerResult | undefined {
  const m = /(\d+) records sent, ([\d.]+) records\/sec \(([\d.]+) MB\/sec\), ([\d.]+) ms avg latency, ([\d.]+) ms max latency, (\d+) ms 50th, (\d+) ms 95th, (\d+) ms 99th/.exec(line);
  if (!m) return undefined;
  return { records: Number(m[1]), recordsPerSec: Number(m[2]), mbPerSec: Number(m[3]), avgLatencyMs: Number(m[4]), maxLatencyMs: Number(m[5]),
    p50Ms: Number(m[6]), p99Ms: Number(m[8]), recordSize, line: line.trim() };
}

export interface JavaProducerOptions {
  brokers: string[];
  topic: string;
  partitions: number;
  records: number;
  recordSize?: number;
  /** Extra producer properties, e.g. { 'compression.type': 'zstd' }. */
  props?: Record<string, string>;
}

/** Run ProducerPerformance once (the topic is created first); resolves with its summary line parsed. */
export async function javaProducer(o: JavaProducerOptions): Promise<JavaProducerResult> {
  const classpath = kafkaToolsClasspath();
  const kafka = new Kafka({ clientId: 'bench-java-setup', brokers: o.brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  try {
    // Not waiting for leaders here (kafkajs gives up early on a busy box): the Java producer waits for metadata itself.
    await admin.createTopics({ waitForLeaders: false, timeout: 30_000, topics: [{ topic: o.topic, numPartitions: o.partitions }] });
  } finally {
    await admin.disconnect();
  }
  const recordSize = o.recordSize ?? 380;
  const props = { 'bootstrap.servers': o.brokers.join(','), acks: 'all', 'enable.idempotence': 'true', ...o.props };
  const args = ['-Xmx512m', '-cp', classpath, 'org.apache.kafka.tools.ProducerPerformance', '--topic', o.topic,
    '--num-records', String(o.records), '--record-size', String(recordSize), '--throughput', '-1',
    '--producer-props', ...Object.entries(props).map(([k, v]) => `${k}=${v}`)];
  const java = process.env.JAVA_HOME ? `${process.env.JAVA_HOME}/bin/java` : 'java';
  return new Promise((resolve, reject) => {
    const child = spawn(java, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => { out += c.toString(); });
    child.stderr.on('data', (c: Buffer) => { err += c.toString(); });
    child.once('error', reject);
    child.once('exit', (code) => {
      const summary = out.split('\n').map((l) => parseSummary(l, recordSize)).filter((x) => x !== undefined).at(-1);
      if (code === 0 && summary) resolve(summary);
      else reject(new Error(`ProducerPerformance exited ${code}: ${(out + err).slice(-1500)}`));
    });
  });
}
