// A release's pages: its overview (every ring reached) and one page per ring with the evidence behind
// the verdict: charts (uPlot, drawn by board-chart.js from the JSON next to each; the same numbers in a
// table inside <details> as the text alternative), the cells, the attribution and what pass waits for.
import { releaseKey } from '../../common/contract/decision.ts';
import type { CellView } from '../core/verdicts.ts';
import { html, jsonScript, type Html } from './html.ts';
import type { BoardLinks } from './links.ts';
import { attributionTable, evidenceBlock, exposureText, fieldList } from './render-evidence.ts';
import { age, num, page, timeTag, verdictBadge, when } from './render-layout.ts';
import { incidentSection } from './render-list.ts';
import type { BoardSource } from './source.ts';
import type { ReleaseRow } from './view-list.ts';
import type { ChartView, RingPageView } from './view-release.ts';

const SIGNAL_TITLE: Record<string, string> = { silent: 'Silent devices (no heartbeat)', crashed: 'Crashed devices', boot_loop: 'Devices in boot loops' };
const pctText = (v: number | null) => (v === null ? '–' : `${v}%`);

function chart(c: ChartView): Html {
  const id = `chart-${c.signal}`;
  const last = c.rows.at(-1);
  const describe = last ? `latest window: exposed ${pctText(c.exposed.at(-1) ?? null)} vs control ${pctText(c.control.at(-1) ?? null)}` : '';
  const data = { signal: c.signal, x: c.x, exposed: c.exposed, control: c.control, marks: c.marks };
  return html`<figure class="chart" aria-labelledby="${id}-title">
<figcaption id="${id}-title"><strong>${SIGNAL_TITLE[c.signal] ?? c.signal}</strong>: failure fraction per window, devices that took the release (exposed) vs the same-time control.
${c.pooled ? html` ${num(c.windows)} windows, pooled into ${num(c.rows.length)} points (counts summed).` : html` ${num(c.rows.length)} windows.`}</figcaption>
<div class="chart-area" id="${id}" data-chart="${id}-data" data-points="${c.x.length}" role="img" aria-label="Line chart of ${c.signal}: ${describe}; marks: ${c.marks.map((m) => `${m.label} at ${when(new Date(m.x * 1000).toISOString())}`).join(', ') || 'none'}. The data table below holds the same numbers."></div>
<script type="application/json" id="${id}-data">${jsonScript(data)}</script>
<noscript><p>The chart needs JavaScript; the table below has its numbers.</p></noscript>
<details><summary>Data table: ${SIGNAL_TITLE[c.signal] ?? c.signal}, ${num(c.rows.length)} rows</summary>
<div class="scroll" tabindex="0" role="region" aria-label="Data table of ${c.signal}"><table class="data"><caption>Per window: affected of exposed devices, both sides${c.marks.length ? `; marks: ${c.marks.map((m) => `${m.label} ${when(new Date(m.x * 1000).toISOString())}`).join('; ')}` : ''}</caption>
<thead><tr><th scope="col">window start</th><th scope="col">windows</th><th scope="col">verdict</th><th scope="col">exposed: affected / exposed</th><th scope="col">exposed %</th><th scope="col">control: affected / exposed</th><th scope="col">control %</th></tr></thead>
<tbody>${c.rows.map((r, i) => html`<tr><th scope="row">${timeTag(new Date(r.startMs).toISOString())}</th><td class="n">${r.span}</td><td>${r.verdict}</td><td class="n">${num(r.updatedAffected)} / ${num(r.updatedExposed)}</td><td class="n">${pctText(c.exposed[i])}</td><td class="n">${num(r.controlAffected)} / ${num(r.controlExposed)}</td><td class="n">${pctText(c.control[i])}</td></tr>`)}</tbody>
</table></div></details>
</figure>`;
}

function cellRow(c: CellView): Html {
  return html`<tr${c.failing ? html` class="failing"` : ''}><th scope="row">${c.signal} / ${c.layer}</th><td>${verdictBadge(c.verdict)}${c.failing ? ' (failing)' : ''}</td>
<td class="n">${exposureText(c.evidence.updated)}</td><td class="n">${exposureText(c.evidence.control)}</td>
<td class="n">${c.evidence.pValue === undefined ? '–' : num(c.evidence.pValue)}</td>
<td class="n">${c.evidence.statistic === undefined ? '–' : num(c.evidence.statistic)} vs ${c.evidence.threshold === undefined ? '–' : num(c.evidence.threshold)}</td>
<td>${timeTag(c.windowStart)} – ${timeTag(c.windowEnd)}</td></tr>`;
}

function cellDetails(c: CellView): Html {
  return html`<section class="cell" aria-labelledby="cell-${c.signal}-${c.layer}"><h3 id="cell-${c.signal}-${c.layer}">${c.signal} / ${c.layer}: ${verdictBadge(c.verdict)}</h3>
<p>${c.summary}</p><p><small>decision ${c.decisionId}</small></p>${evidenceBlock(c.evidence)}</section>`;
}

function ringNav(row: ReleaseRow | undefined, current: string, links: BoardLinks): Html {
  if (!row) return html``;
  return html`<nav aria-label="Rings of this release" class="ringnav"><ol>${row.rings.map((r) => html`<li><a href="${links.ring(row.release, r.ring)}"${r.ring === current ? html` aria-current="page"` : ''}>${r.ring}: ${r.verdict}</a></li>`)}</ol></nav>`;
}

export function renderRingPage(v: RingPageView, links: BoardLinks): Html {
  const name = releaseKey(v.release);
  const verdict = v.verdict;
  const waiting = verdict.verdict === 'pass' ? html`<p>Nothing: the verdict is pass.</p>`
    : v.waiting.length ? html`<ul class="waiting">${v.waiting.map((w) => html`<li>${w.what}${w.numbers.length ? fieldList(w.numbers) : ''}</li>`)}</ul>` : html`<p>Nothing the evidence names.</p>`;
  const headline = verdict.cells.find((c) => c.failing) ?? verdict.cells.find((c) => c.verdict === verdict.verdict);
  const body = html`<h1>${name} on ring ${v.ring}</h1>
${ringNav(v.row, v.ring, links)}
<section aria-labelledby="verdict-h" class="verdict-box verdict-box-${verdict.verdict}"><h2 id="verdict-h">Verdict: ${verdictBadge(verdict.verdict, verdict.reason)}</h2>
${headline ? html`<p class="summary">${headline.summary}</p>` : ''}
<dl class="fields"><dt>release started on this ring</dt><dd>${timeTag(v.startedAt)}${v.startedAt ? ` (${age(v.now - Date.parse(v.startedAt))} ago)` : ''}</dd>
<dt>halts signalled</dt><dd>${num(v.haltCount)}</dd><dt>newest window ended</dt><dd>${timeTag(verdict.windowEnd)}</dd>
<dt>incidents</dt><dd>${verdict.incidentIds.length ? verdict.incidentIds.join(', ') : 'none'}</dd></dl>
</section>
<section aria-labelledby="charts-h"><h2 id="charts-h">Exposed vs control, per window</h2>
${v.charts.length ? v.charts.map(chart) : html`<p>No window with exposed and control counts yet.</p>`}
</section>
<section aria-labelledby="cells-h"><h2 id="cells-h">Counts, p-values and thresholds (latest window of each check)</h2>
${verdict.cells.length ? html`<div class="scroll" tabindex="0" role="region" aria-label="Checks"><table><caption>One row per signal and detection layer</caption>
<thead><tr><th scope="col">signal / layer</th><th scope="col">verdict</th><th scope="col">exposed: affected of</th><th scope="col">control: affected of</th><th scope="col">p-value</th><th scope="col">statistic vs threshold</th><th scope="col">window</th></tr></thead>
<tbody>${verdict.cells.map(cellRow)}</tbody></table></div>` : html`<p>No decision yet.</p>`}
</section>
<section aria-labelledby="attr-h"><h2 id="attr-h">Attribution: which release explains it</h2>${attributionTable(v.attribution.candidates, links, v.release, v.attribution.from)}</section>
<section aria-labelledby="wait-h"><h2 id="wait-h">What pass still waits for</h2>${waiting}</section>
<section aria-labelledby="evidence-h"><h2 id="evidence-h">Evidence of every check</h2>${verdict.cells.map(cellDetails)}</section>
${incidentSection(v.incidents, v.incidents.length, links, 'Incidents of this release')}`;
  return page({
    title: `${name} on ${v.ring}: ${verdict.verdict}`, links, now: v.now, origin: v.origin, health: v.health, charts: v.charts.length > 0,
    crumbs: [{ label: 'Releases', href: links.home() }, { label: name, href: links.release(v.release) }, { label: v.ring }],
  }, body);
}

export function renderReleasePage(row: ReleaseRow, links: BoardLinks, src: Pick<BoardSource, 'now' | 'origin' | 'health'>): Html {
  const name = releaseKey(row.release);
  const body = html`<h1>${name}</h1>
<p class="lead">${verdictBadge(row.verdict)} over ${row.rings.length} ring${row.rings.length === 1 ? '' : 's'}; ${num(row.exposed)} exposed devices; ${num(row.halts)} halt${row.halts === 1 ? '' : 's'}${row.blastRadius === undefined ? '' : `; blast radius at the first halt ${num(row.blastRadius)} devices`}.</p>
<div class="scroll" tabindex="0" role="region" aria-label="Rings"><table><caption>Rings reached, in rollout order</caption>
<thead><tr><th scope="col">ring</th><th scope="col">verdict</th><th scope="col">why</th><th scope="col">exposed</th><th scope="col">halts</th></tr></thead>
<tbody>${row.rings.map((r) => html`<tr><th scope="row"><a href="${links.ring(row.release, r.ring)}">${r.ring}</a></th><td>${verdictBadge(r.verdict, r.reason)}</td><td>${r.summary}</td><td class="n">${r.exposed === undefined ? '–' : num(r.exposed)}</td><td class="n">${num(r.haltCount)}</td></tr>`)}</tbody></table></div>`;
  return page({ title: name, links, now: src.now, origin: src.origin, health: src.health, crumbs: [{ label: 'Releases', href: links.home() }, { label: name }] }, body);
}
