// The board in a real headless browser (Debian's chromium, driven by playwright-core, started here) on a
// running demo-like pipeline: every role in this process on the memory bus, the CrowdStrike-like scenario
// played live against the collector, PagerDuty a local stand-in. The link in the page PagerDuty received
// opens the release's canary page, which shows the failing verdict and a drawn chart with one point per
// window the alerter decided. With RINGWATCH_BOARD_SCREENSHOTS=DIR it also writes the README screenshots.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Registry } from 'prom-client';
import { chromium, type Browser } from 'playwright-core';
import { ROLE_FACTORIES } from '../../app/role-factories.ts';
import { runRoles } from '../../app/run-roles.ts';
import { silentLogger } from '../../common/telemetry/logger.ts';
import type { Decision } from '../../common/contract/decision.ts';
import { demoBoardPort, demoConfig } from '../../tools/demo/demo-config.ts';
import { LocalPager } from '../../tools/demo/local-pager.ts';
import { playLiveRollout } from '../../tools/demo/live-rollout.ts';
import { loadScenario } from '../../tools/simulator/scenario-load.ts';

const CHROMIUM = process.env.RINGWATCH_CHROMIUM ?? '/usr/bin/chromium';
const SCENARIO = fileURLToPath(new URL('../../deploy/scenarios/crowdstrike.yaml', import.meta.url));
const RELEASE = { component: 'channel-291', version: '2024-07-19.0409' };

test('the board shows the CrowdStrike-like release failing in canary, opened from the PagerDuty page, chart drawn', { timeout: 240_000 }, async () => {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} missing: apt-get install -y chromium (test/support/ensure-tools.sh does)`);
  const scenario = loadScenario(SCENARIO, {});
  const pager = new LocalPager();
  await pager.start();
  const config = demoConfig(scenario, pager.url, { base: 0, board: await demoBoardPort(0) });
  const running = await runRoles({ config, factories: Object.values(ROLE_FACTORIES), logger: silentLogger, registry: new Registry() });
  // What the alerter consumed, read independently: the windows the silent chart of canary must show.
  const windows = new Set<string>();
  const watcher = running.bus.consumer({
    groupId: 'board-test-decisions', topics: [running.context.topics.decisions], fromBeginning: true,
    handler: async (batch) => {
      for (const r of batch.records) {
        const d = JSON.parse(r.value.toString()) as Decision;
        if (d.release?.component === RELEASE.component && d.ring === 'canary' && d.signal === 'silent' && d.evidence.updated && d.evidence.control) windows.add(d.windowStart);
      }
    },
  });
  await watcher.start();
  let browser: Browser | undefined;
  try {
    const port = (role: string) => running.servers.get(role)?.port;
    await playLiveRollout(scenario, {
      target: `http://127.0.0.1:${port('collector')}`, tokens: { device: [] },
      verdictUrl: `http://127.0.0.1:${port('alerter')}/v1/verdicts/{component}/{version}?ring={ring}`,
      settleMs: process.env.RINGWATCH_BOARD_SCREENSHOTS ? 12_000 : 3000,
    });
    const page = pager.triggers().find((t) => t.body.payload?.component === RELEASE.component);
    assert.ok(page, 'the release owners were paged');
    const link = page.body.links?.find((l: { href: string }) => l.href.includes('/board/'))?.href as string;
    assert.equal(link, `http://127.0.0.1:${port('board')}/board/releases/channel-291/2024-07-19.0409/canary`);
    assert.equal(page.body.client_url, link, 'client_url is the board page too');

    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu'] });
    const tab = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    tab.on('pageerror', (e) => errors.push(e.message));
    tab.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    const answer = await tab.goto(link);
    assert.equal(answer?.status(), 200);
    assert.match(await tab.locator('#verdict-h').innerText(), /Verdict:\s*fail\s+failed/);
    assert.match(await tab.locator('.verdict-box .summary').innerText(), /silent \d+\/\d+ .* updated vs .* control/);

    const area = tab.locator('#chart-silent');
    await area.locator('canvas').waitFor({ timeout: 10_000 });
    await tab.waitForFunction("document.querySelector('#chart-silent')?.getAttribute('data-drawn-points') !== null");
    const drawn = Number(await area.getAttribute('data-drawn-points'));
    assert.ok(windows.size >= 3, `decided windows: ${windows.size}`);
    assert.equal(drawn, windows.size, 'one point per window the alerter decided');
    assert.equal(await tab.locator('#chart-silent + script + noscript + details tbody tr').count(), windows.size, 'the data table has the same rows');
    // Runs in the page (no DOM types in this project's TypeScript setup).
    const inked = await area.evaluate((el: any) => {
      const canvas = el.querySelector('canvas');
      const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
      let n = 0;
      for (let i = 3; i < data.length; i += 4) if (data[i] > 0) n++;
      return { n, width: canvas.width, height: canvas.height };
    });
    assert.ok(inked.width > 0 && inked.height > 0 && inked.n > 500, `canvas has ink: ${JSON.stringify(inked)}`);
    assert.match(await tab.locator('#attr-h + table').innerText(), /channel-291@2024-07-19\.0409 \(this release\)/);
    const shots = process.env.RINGWATCH_BOARD_SCREENSHOTS;
    if (shots) await tab.screenshot({ path: join(shots, 'board-release.png'), fullPage: false });
    // Keyboard: the first Tab reaches the skip link, which moves focus to main; the data table opens with Enter.
    await tab.keyboard.press('Tab');
    assert.equal(await tab.evaluate('document.activeElement?.textContent'), 'Skip to content');
    await tab.keyboard.press('Enter');
    assert.equal(await tab.evaluate('document.activeElement?.id'), 'main');
    await tab.locator('#chart-silent ~ details > summary').focus();
    await tab.keyboard.press('Enter');
    assert.equal(await tab.locator('#chart-silent ~ details').getAttribute('open'), '', 'the text alternative opens from the keyboard');
    assert.deepEqual(errors, [], 'no script errors');
    await tab.goto(`http://127.0.0.1:${port('board')}/board`);
    const row = tab.locator('table.releases tbody tr').first();
    assert.match(await row.innerText(), /channel-291@2024-07-19\.0409\s+fail/);
    assert.match(await row.locator('.rings').innerText(), /canary: fail failed/);
    if (shots) await tab.screenshot({ path: join(shots, 'board-releases.png'), fullPage: false });
  } finally {
    await browser?.close();
    await watcher.stop();
    await running.stop();
    await pager.stop();
  }
});
