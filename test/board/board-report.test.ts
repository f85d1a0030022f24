// `ringwatch backtest --report DIR` on the shipped CrowdStrike-like recording: static board pages that
// open from the file system in a real headless chromium (no server, no internet), the release failing in
// canary with its chart drawn, reached by following links from the release list.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { runCli } from '../support/cli.ts';

const here = (p: string) => fileURLToPath(new URL(`../../${p}`, import.meta.url));
const CHROMIUM = process.env.RINGWATCH_CHROMIUM ?? '/usr/bin/chromium';

test('backtest --report writes the board as static HTML that a browser opens from disk', { timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'board-report-'));
  const r = await runCli(['backtest', '-c', here('deploy/examples/backtest/crowdstrike.yaml'), '-i', here('deploy/examples/backtest/crowdstrike-300.ndjson.gz'),
    '-o', join(dir, 'records.ndjson'), '--report', join(dir, 'board')]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /board report: .*index\.html \(1 releases, \d+ files\)/);
  const ringFile = join(dir, 'board/releases/channel-291/2024-07-19.0409/canary.html');
  assert.ok(existsSync(ringFile));
  assert.match(readFileSync(ringFile, 'utf8'), /backtest report/);

  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu'] });
  try {
    const tab = await browser.newPage();
    const errors: string[] = [];
    tab.on('pageerror', (e) => errors.push(e.message));
    await tab.goto(pathToFileURL(join(dir, 'board/index.html')).href);
    await tab.locator('table.releases .rings a', { hasText: 'canary' }).click();
    assert.match(tab.url(), /releases\/channel-291\/2024-07-19\.0409\/canary\.html$/);
    assert.match(await tab.locator('#verdict-h').innerText(), /Verdict:\s*fail\s+failed/);
    await tab.waitForFunction("document.querySelector('#chart-silent')?.getAttribute('data-drawn-points') !== null");
    const drawn = Number(await tab.locator('#chart-silent').getAttribute('data-drawn-points'));
    assert.equal(drawn, Number(await tab.locator('#chart-silent').getAttribute('data-points')));
    assert.ok(drawn >= 3, String(drawn));
    assert.match(await tab.locator('#chart-silent ~ details caption').textContent() ?? '', /halt \(catastrophe\)/, 'the halt is marked');
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});
