// `ringwatch demo` (what `npm start` runs), as a user runs it: a child process with no external service.
// It must finish within two minutes, serve /metrics while it runs, deliver the page to its local stand-in,
// and end with a summary saying the release was caught in its first ring.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startCli } from '../support/cli.ts';

const TWO_MINUTES_MS = 120_000;

test('the demo stops the CrowdStrike-like release in its first ring, within two minutes, serving /metrics', async () => {
  const started = Date.now();
  const { child, output } = await startCli(['demo'], /metrics: +(http:\S+\/metrics)/, {}, 30_000);
  const metricsUrl = /metrics: +(http:\S+\/metrics)/.exec(output())?.[1] as string;
  const res = await fetch(metricsUrl);
  const body = await res.text();
  assert.equal(res.status, 200);
  assert.match(body, /^ringwatch_collector_/m, 'the collector metrics are served while the demo runs');

  const code = await new Promise<number | null>((resolve, reject) => {
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`demo still running after 2 minutes:\n${output().slice(-3000)}`)); }, TWO_MINUTES_MS - (Date.now() - started));
    child.once('exit', (c) => { clearTimeout(timer); resolve(c); });
  });
  const out = output();
  const elapsed = Date.now() - started;
  assert.equal(code, 0, out.slice(-3000));
  assert.ok(elapsed < TWO_MINUTES_MS, `${elapsed} ms`);
  assert.match(out, /PAGE \(local PagerDuty stand-in\): \[critical\] Release channel-291@/, 'the page is shown as it arrives');
  assert.match(out, /HALT SIGNAL on the signals topic: channel-291@\S+ on canary/);
  assert.match(out, /CAUGHT channel-291@2024-07-19\.0409 \(catastrophic\) in its first ring \(canary\)/, out.slice(-3000));
  assert.match(out, /blast radius \d+ of 2000 devices \(canary \d+\)/, 'the blast radius stays in canary');
  assert.match(out, /attributed to channel-291@2024-07-19\.0409/);
  assert.doesNotMatch(out, /\x1b\[/, 'plain text when stdout is not a terminal');
  // The per-ring table is read from the telemetry topics: at the end the canary is dark and the rest reports.
  const rows = (ring: string) => [...out.matchAll(new RegExp(`^ +${ring} +(\\d+) +([\\d.]+)% +([\\d.]+)%`, 'gm'))];
  const canary = rows('canary').at(-1);
  const main = rows('main').at(-1);
  assert.ok(canary && main, out.slice(-3000));
  assert.equal(Number(canary[1]), 10, 'every canary device was heard from');
  assert.ok(Number(canary[3]) >= 50, `canary silent at the end: ${canary[0]}`);
  assert.ok(Number(main[2]) >= 90, `main reporting at the end: ${main[0]}`);
  assert.doesNotMatch(out, /"level":"(error|fatal)"/, 'no component logged an error');
});
