// The board over HTTP on the alerter role (memory bus): pages for a failing release, links from every
// PagerDuty page, change event and webhook, a clear 4xx HTML page for each kind of bad input (never a 5xx,
// never the input echoed as markup), markup in decision text escaped, and the history rebuilt on restart.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryBus } from '../../common/bus/memory-bus.ts';
import { topicNames } from '../../common/bus/topics.ts';
import { capturingLogger, FakeReceiver, releaseDecision, waitFor } from '../alerting/support.ts';
import { alertingSettings, decisionRecords, received, startAlerter } from '../alerting/harness.ts';

const topics = topicNames('ringwatch.');
const BAD = { component: 'channel-291', version: 'C-00000291-bad' };
const now = Date.now() - 60_000;
const INJECTED = '<img src=x onerror=alert(1)><script>alert(2)</script>';

describe('release safety board (HTTP)', () => {
  const pager = new FakeReceiver();
  const hooks = new FakeReceiver();
  const bus = new MemoryBus();
  const { logger } = capturingLogger();
  let alerter: Awaited<ReturnType<typeof startAlerter>>;
  let board = '';
  const config = () => ({
    bus: { kind: 'memory' }, collector: { auth_enabled: false },
    alerting: alertingSettings(pager, hooks, { board_public_url: 'https://board.example.test/' }),
  });
  const get = async (path: string) => {
    const res = await fetch(`${board}${path}`, { redirect: 'manual' });
    return { status: res.status, type: res.headers.get('content-type') ?? '', csp: res.headers.get('content-security-policy') ?? '', body: await res.text() };
  };

  before(async () => {
    await pager.start();
    await hooks.start();
    alerter = await startAlerter({ config: config(), logger, bus });
    board = `http://127.0.0.1:${alerter.servers.get('board')?.port}`;
    const windows = [0, 1, 2, 3].map((w) => releaseDecision({ ...BAD, window: w, evidence: { updated: { exposed: 50, affected: w * 10 }, control: { exposed: 950, affected: 1 }, statistic: 0, threshold: 13.8, startedAt: new Date(now).toISOString() } }, now));
    const fail = releaseDecision({ ...BAD, window: 4, verdict: 'fail', summary: `48 of 50 went silent ${INJECTED}`,
      evidence: { updated: { exposed: 50, affected: 48 }, control: { exposed: 950, affected: 1 }, pValue: 1e-40, statistic: 92.1, threshold: 13.8,
        reasonCode: 'catastrophe_excess', soakRemainingSecs: 120, note: INJECTED, failedSince: new Date(now + 4000).toISOString(),
        attribution: [{ component: BAD.component, version: BAD.version, score: 0.97, startedAt: new Date(now).toISOString(), why: `started 2 s before the onset ${INJECTED}` }] } }, now);
    await alerter.context.producer.publish(topics.decisions, decisionRecords([...windows, fail]));
    await waitFor('the page and the halt', () => received(pager, hooks).triggers.length === 1 && received(pager, hooks).changes.length === 1 && received(pager, hooks).hooks.length === 2);
  });
  after(async () => {
    await alerter.stop();
    await bus.stop();
    await pager.stop();
    await hooks.stop();
  });

  it('shows the failing release in the list and its ring page with the evidence, escaped', async () => {
    const list = await get('/board');
    assert.equal(list.status, 200);
    assert.match(list.type, /^text\/html/);
    assert.match(list.csp, /script-src 'self'/);
    assert.match(list.body, /channel-291@C-00000291-bad<\/a><\/th>\s*<td><span class="verdict verdict-fail">fail<\/span>/);
    const ring = await get('/board/releases/channel-291/C-00000291-bad/canary');
    assert.equal(ring.status, 200);
    assert.match(ring.body, /Verdict: <span class="verdict verdict-fail">fail<\/span> <span class="reason">failed<\/span>/);
    assert.match(ring.body, /data-points="5"/, 'five windows charted');
    assert.match(ring.body, /<dt>soakRemainingSecs<\/dt><dd>120<\/dd>/, 'an evidence field the board does not know is shown, and read as waiting-for');
    assert.match(ring.body, /<dt>reasonCode<\/dt><dd>catastrophe_excess<\/dd>/);
    assert.match(ring.body, /0\.97/, 'attribution score');
    assert.doesNotMatch(ring.body, /<img src=x|<script>alert/, 'markup from decisions is escaped');
    assert.match(ring.body, /&lt;img src=x onerror=alert\(1\)&gt;/);
    const release = await get('/board/releases/channel-291/C-00000291-bad');
    assert.equal(release.status, 200);
    assert.match(release.body, /href="\/board\/releases\/channel-291\/C-00000291-bad\/canary"/);
    const asset = await fetch(`${board}/board/assets/uPlot.iife.min.js`);
    assert.equal(asset.status, 200);
    assert.match(await asset.text(), /uPlot/);
  });

  it('links every page, change event and webhook to the release\'s board page', () => {
    const url = 'https://board.example.test/board/releases/channel-291/C-00000291-bad/canary';
    const { triggers, changes, hooks: posted } = received(pager, hooks);
    assert.equal(triggers[0].client_url, url);
    assert.ok(triggers[0].links.some((l: { href: string }) => l.href === url));
    assert.ok(changes[0].links.some((l: { href: string }) => l.href === url));
    for (const h of posted) assert.equal(h.links.board, url);
  });

  const BAD_INPUT: [string, string, number, RegExp][] = [
    ['unknown release', '/board/releases/nothing/0.0/canary', 404, /no decision about this release on this ring/],
    ['unknown release (all rings)', '/board/releases/nothing/0.0', 404, /no decision about this release/],
    ['malformed ring', '/board/releases/channel-291/C-00000291-bad/Canary%20Ring', 400, /A ring name is lower-case/],
    ['overlong path', `/board/releases/${'a'.repeat(5000)}/1/canary`, 414, /longer than 1024 bytes/],
    ['script in a component name', `/board/releases/${encodeURIComponent('<script>alert(1)</script>')}/1/canary`, 400, /component name has characters/],
    ['script in a ring', `/board/releases/a/b/${encodeURIComponent('"><svg onload=alert(1)>')}`, 400, /A ring name/],
    ['bad percent-encoding', '/board/releases/%E0%A4%A/1/canary', 400, /not valid percent-encoding/],
    ['too many parts', '/board/releases/a/b/c/d', 400, /Use \/board\/releases/],
    ['bad page', '/board?page=-1', 400, /page must be a whole number/],
    ['bad verdict filter', `/board?verdict=${encodeURIComponent('<b>x</b>')}`, 400, /verdict must be one of/],
    ['unknown page', '/board/nope', 404, /no such page/],
    ['unknown asset', '/board/assets/../../package.json', 404, /no such page|no such asset/],
    ['outside the board', '/v1/verdicts/a/b', 404, /the board is under \/board/],
    ['proto key', '/board/releases/__proto__/1/canary', 400, /component name has characters/],
  ];
  for (const [what, path, status, message] of BAD_INPUT) {
    it(`answers ${status} with a clear page for ${what}`, async () => {
      const r = await get(path);
      assert.equal(r.status, status, r.body.slice(0, 500));
      assert.match(r.type, /^text\/html/);
      assert.match(r.body, new RegExp(`<h1>${status} `));
      assert.match(r.body, message);
      assert.doesNotMatch(r.body, /<script>alert|<svg onload|<b>x<\/b>/, 'the input is never echoed as markup');
    });
  }

  it('answers an oversized request line with a 4xx, not a 5xx', async () => {
    const r = await fetch(`${board}/board/${'x'.repeat(20_000)}`);
    assert.ok(r.status >= 400 && r.status < 500, String(r.status));
  });

  it('redirects / to /board', async () => {
    const r = await get('/');
    assert.deepEqual([r.status], [302]);
  });

  it('rebuilds the chart from the state it reads back after a restart', async () => {
    await alerter.stop();
    alerter = await startAlerter({ config: config(), logger, bus });
    board = `http://127.0.0.1:${alerter.servers.get('board')?.port}`;
    const ring = await get('/board/releases/channel-291/C-00000291-bad/canary');
    assert.equal(ring.status, 200);
    assert.match(ring.body, /Verdict: <span class="verdict verdict-fail">fail/);
    assert.match(ring.body, /data-points="1"/, 'the latest window of each cell is all the incidents topic holds');
    assert.match(ring.body, /failing since/, 'the halt time is not stored: the failing cell\'s own time stands in');
  });
});
