// A real Prometheus (Debian's /usr/bin/prometheus) for tests: a temporary config scraping the given
// targets every second, the repository's rule files, its own TSDB in a temp dir, a free loopback port.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { freePort } from '../../../common/runtime/free-port.ts';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';

export interface ScrapeTarget { address: string; labels: Record<string, string> }


export interface QueryResult { status: string; error?: string; data?: { resultType: string; result: unknown[] } }

export class PrometheusProcess {
  private child: ChildProcess | undefined;
  private log = '';
  readonly dir = mkdtempSync(join(tmpdir(), 'ringwatch-prom-'));
  url = '';

  async start(options: { job: string; targets: ScrapeTarget[]; ruleFiles: string[]; binary?: string; timeoutMs?: number }): Promise<void> {
    const port = await freePort();
    this.url = `http://127.0.0.1:${port}`;
    const config = {
      global: { scrape_interval: '1s', scrape_timeout: '900ms', evaluation_interval: '1s' },
      rule_files: options.ruleFiles,
      scrape_configs: [{ job_name: options.job, static_configs: options.targets.map((t) => ({ targets: [t.address], labels: t.labels })) }],
    };
    writeFileSync(join(this.dir, 'prometheus.yml'), stringify(config));
    const child = spawn(options.binary ?? '/usr/bin/prometheus', [
      `--config.file=${join(this.dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(this.dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn',
    ], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    const collect = (d: Buffer) => { this.log = (this.log + d.toString()).slice(-20_000); };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    const exited = new Promise<never>((_, reject) => {
      child.once('error', (err) => reject(new Error(`cannot start prometheus: ${err.message} (apt-get install -y prometheus)`)));
      child.once('exit', (code) => reject(new Error(`prometheus exited ${code}:\n${this.log}`)));
    });
    exited.catch(() => {}); // after start, an exit is reported by stop() / the queries, not as unhandled
    await Promise.race([exited, this.waitReady(options.timeoutMs ?? 30_000)]);
  }

  private async waitReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const ok = await fetch(`${this.url}/-/ready`).then((r) => r.ok, () => false);
      if (ok) return;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`prometheus not ready after ${timeoutMs} ms:\n${this.log}`);
  }

  async get<T>(path: string, params: Record<string, string> = {}): Promise<T> {
    const url = new URL(path, this.url);
    for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
    const res = await fetch(url);
    return await res.json() as T;
  }

  /** Instant query: Prometheus's answer, errors (parse errors included) as status "error". */
  query(expr: string): Promise<QueryResult> {
    return this.get<QueryResult>('/api/v1/query', { query: expr });
  }

  output(): string {
    return this.log;
  }

  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (child && child.exitCode === null) {
      const gone = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await gone;
      clearTimeout(timer);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
