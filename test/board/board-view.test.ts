// The board's pure parts: the history's bounds (pooling, least recently used), sampling for charts, the
// view models, escaping, and the cost of a page with 1,000 releases in flight and 10,000 windows.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { alerterCoreFor } from '../../alerting/core/alerter-core.ts';
import { BoardHistory, sample, type WindowPoint } from '../../alerting/board/history.ts';
import { escapeHtml, html, jsonScript, raw } from '../../alerting/board/html.ts';
import { fileSafe, serverLinks, staticLinks } from '../../alerting/board/links.ts';
import { parseBoardRequest } from '../../alerting/board/board-path.ts';
import { boardSource } from '../../alerting/board/source.ts';
import { listView } from '../../alerting/board/view-list.ts';
import { ringPageView } from '../../alerting/board/view-release.ts';
import { renderList } from '../../alerting/board/render-list.ts';
import { renderRingPage } from '../../alerting/board/render-release.ts';
import { buildConfig } from '../../app/config.ts';
import { releaseDecision, T0 } from '../alerting/support.ts';

const settings = buildConfig({ bus: { kind: 'memory' }, collector: { auth_enabled: false } }, {}).alerting;
const limits = { windowsPerReleaseRing: 100, releaseRings: 3, eventsPerIncident: 5 };
const counts = (w: number) => ({ updated: { exposed: 10, affected: w % 10 }, control: { exposed: 100, affected: 1 } });

describe('board history', () => {
  it('pools old windows two into one when full, keeping the whole rollout and summed counts', () => {
    const h = new BoardHistory(limits);
    for (let w = 0; w < 250; w++) h.recordDecisions([releaseDecision({ window: w, evidence: counts(w) })]);
    const points = h.get({ component: 'channel-291', version: '2024.07.19-0409' }, 'canary')?.points as WindowPoint[];
    assert.ok(points.length <= 100, String(points.length));
    assert.equal(points[0].startMs, T0, 'the start stays in view');
    assert.equal(points.reduce((n, p) => n + p.span, 0), 250, 'every window counted once');
    assert.equal(points.reduce((n, p) => n + (p.signals.silent?.updatedExposed ?? 0), 0), 2500, 'counts summed, not averaged');
    assert.equal(points.at(-1)?.span, 1, 'the newest window is never pooled');
  });

  it('counts a replayed window once, prefers the catastrophe layer\'s window counts, and forgets the least recently decided', () => {
    const h = new BoardHistory(limits);
    const d = releaseDecision({ window: 1, evidence: counts(3) });
    h.recordDecisions([d, d, releaseDecision({ window: 1, layer: 'gate', evidence: counts(9) })]);
    const r = { component: 'channel-291', version: '2024.07.19-0409' };
    assert.equal(h.get(r, 'canary')?.points.length, 1);
    assert.equal(h.get(r, 'canary')?.points[0].signals.silent?.updatedAffected, 3);
    for (const ring of ['early', 'broad', 'main']) h.recordDecisions([releaseDecision({ ring, evidence: counts(1) })]);
    assert.equal(h.size, 3);
    assert.equal(h.get(r, 'canary'), undefined, 'canary was decided least recently');
  });

  it('samples to at most the chart limit by pooling neighbours', () => {
    const points: WindowPoint[] = Array.from({ length: 10_000 }, (_, i) => ({ startMs: i * 1000, endMs: (i + 1) * 1000, span: 1, verdict: 'pass', signals: { silent: { layer: 'catastrophe', updatedExposed: 1, updatedAffected: 0, controlExposed: 1, controlAffected: 0 } } }));
    const s = sample(points, 300);
    assert.ok(s.length <= 300);
    assert.equal(s.reduce((n, p) => n + p.span, 0), 10_000);
  });
});

describe('board html', () => {
  it('escapes every interpolation, JSON blocks cannot close their script, file names are plain', () => {
    assert.equal(html`<p title="${'"x'}">${'<b>'}${raw('<i>ok</i>')}</p>`.text, '<p title="&quot;x">&lt;b&gt;<i>ok</i></p>');
    assert.equal(escapeHtml(`&<>"'\``), '&amp;&lt;&gt;&quot;&#39;&#96;');
    assert.doesNotMatch(jsonScript({ a: '</script><script>alert(1)</script>' }).text, /<\/script>/);
    assert.equal(fileSafe('a/b@1+2'), 'a~2fb~401~2b2');
    assert.equal(fileSafe('..'), '~2e~2e');
    assert.equal(serverLinks.ring({ component: 'a/b', version: '1' }, 'canary'), '/board/releases/a%2Fb/1/canary');
    assert.equal(staticLinks(3).ring({ component: 'a/b', version: '1' }, 'canary'), '../../../releases/a~2fb/1/canary.html');
    assert.deepEqual(parseBoardRequest('/board/releases/a%2Fb/1/canary', 1024, []), { kind: 'ring', release: { component: 'a/b', version: '1' }, ring: 'canary' });
  });
});

describe('board on odd evidence', () => {
  it('renders evidence of any shape (null sides, strings for counts, junk in the ranking) without throwing', () => {
    const core = alerterCoreFor(settings);
    const history = new BoardHistory(limits);
    const odd = [
      { updated: { exposed: 'ten', affected: null }, control: { exposed: 5 }, attribution: 'none', failedSince: 'yesterday' },
      { updated: null, control: 'x', attribution: [null, 3, 'a', [1], { component: 'c', version: 'v', score: 'high', why: 7 }], power: { nested: [1, 2] }, startedAt: 12 },
    ];
    const ds = odd.map((evidence, w) => releaseDecision({ window: w, verdict: 'fail', evidence: evidence as never }));
    core.apply(ds, T0 + 10_000);
    history.recordDecisions(ds);
    const src = boardSource(core, history, { now: T0 + 10_000, health: { ok: true }, resolveAfterWindows: 3, staleAfterMs: 600_000, origin: 'live' });
    const view = ringPageView(src, { component: 'channel-291', version: '2024.07.19-0409' }, 'canary', { maxPoints: 300 });
    const page = renderRingPage(view!, serverLinks).text;
    assert.match(page, /Verdict: <span class="verdict verdict-fail">fail/);
    assert.match(page, /c@v/);
    assert.ok(renderList(listView(src, { page: 1, pageSize: 10 }), serverLinks, { filters: true }).text.includes('channel-291@2024.07.19-0409'));
  });
});

describe('board at scale', () => {
  it('builds and renders the list of 1,000 releases and a ring page of 10,000 windows quickly', () => {
    const core = alerterCoreFor(settings);
    const history = new BoardHistory({ windowsPerReleaseRing: 10_000, releaseRings: 5000, eventsPerIncident: 50 });
    const now = T0 + 10_000 * 1000;
    const big = { component: 'comp-0', version: '1.0' };
    for (let w = 0; w < 10_000; w++) history.recordDecisions([releaseDecision({ ...big, window: w, evidence: counts(w) })]);
    for (let i = 0; i < 1000; i++) {
      const ds = ['canary', 'early', 'broad'].map((ring) => releaseDecision({ component: `comp-${i % 50}`, version: `1.${i}`, ring, window: 9999, verdict: i % 10 === 0 ? 'fail' : 'pass' }));
      core.apply(ds, now);
      history.recordDecisions(ds);
    }
    const src = boardSource(core, history, { now, health: { ok: true }, resolveAfterWindows: 3, staleAfterMs: 600_000, origin: 'live' });
    let t = performance.now();
    const list = renderList(listView(src, { page: 1, pageSize: settings.board_page_size }), serverLinks, { filters: true });
    const listMs = performance.now() - t;
    assert.equal(listView(src, { page: 1, pageSize: 100 }).total, 1000);
    assert.equal((list.text.match(/<tr>\n<th scope="row">/g) ?? []).length, 100, 'one page of rows');
    t = performance.now();
    const view = ringPageView(src, big, 'canary', { maxPoints: settings.board_chart_max_points });
    const ring = renderRingPage(view!, serverLinks);
    const ringMs = performance.now() - t;
    assert.equal(history.get(big, 'canary')?.points.length, 10_000);
    const drawn = view?.charts[0].x.length ?? 0;
    assert.ok(drawn <= 300 && drawn > 250, `sampled to board_chart_max_points: ${drawn}`);
    assert.ok(ring.text.length < 400_000, `ring page ${ring.text.length} bytes`);
    console.log(`list of 1,000 releases: ${listMs.toFixed(0)} ms, ${list.text.length} bytes; ring page of 10,000 windows: ${ringMs.toFixed(0)} ms, ${ring.text.length} bytes`);
    assert.ok(listMs < 1500 && ringMs < 1500, `list ${listMs.toFixed(0)} ms, ring page ${ringMs.toFixed(0)} ms`);
  });
});
