// The release list page and the incident / pipeline-gap section (also used on release pages).
import { releaseKey, VERDICTS } from '../../common/contract/decision.ts';
import { html, type Html } from './html.ts';
import type { BoardLinks } from './links.ts';
import { age, num, page, timeTag, verdictBadge } from './render-layout.ts';
import type { IncidentView } from './view-incidents.ts';
import type { ListView, ReleaseRow } from './view-list.ts';

function ringCells(r: ReleaseRow, links: BoardLinks): Html {
  return html`<ol class="rings">${r.rings.map((c) => html`<li><a href="${links.ring(r.release, c.ring)}">${c.ring}</a>: ${verdictBadge(c.verdict, c.reason)}${c.haltCount ? html` <span class="halted">halted</span>` : ''}
<span class="why">${c.summary}</span></li>`)}</ol>`;
}

function releaseRow(r: ReleaseRow, links: BoardLinks, now: number): Html {
  return html`<tr>
<th scope="row"><a href="${links.release(r.release)}">${releaseKey(r.release)}</a></th>
<td>${verdictBadge(r.verdict)}</td>
<td>${ringCells(r, links)}</td>
<td>${r.startedAt ? html`${age(now - Date.parse(r.startedAt))}<br><small>${timeTag(r.startedAt)}</small>` : '–'}</td>
<td class="n">${num(r.exposed)}</td>
<td class="n">${num(r.halts)}</td>
<td class="n">${r.blastRadius === undefined ? '–' : num(r.blastRadius)}</td>
</tr>`;
}

export function incidentSection(incidents: IncidentView[], total: number, links: BoardLinks, heading = 'Open incidents and pipeline gaps'): Html {
  const items = incidents.map((i) => html`<li class="incident">
<h3>${i.kind === 'pipeline_gap' ? html`Pipeline gap: ${i.scope ?? ''}` : html`<a href="${i.release ? links.ring(i.release, i.lastRing) : '#'}">${i.release ? releaseKey(i.release) : i.id}</a>`}
<span class="kind">${i.kind}</span> <span class="severity severity-${i.severity}">${i.severity}</span> <span class="status">${i.status}</span></h3>
<p>${i.summary}</p>
<p><small>id ${i.id}, episode ${i.episode}; rings ${i.rings.join(', ')}; opened ${timeTag(i.openedAt)}${i.resolvedAt ? html`, resolved ${timeTag(i.resolvedAt)}` : ''}</small></p>
<ol class="timeline" aria-label="Timeline of ${i.id}">${i.timeline.map((e) => html`<li>${timeTag(e.at)} <strong>${e.event}</strong>${e.ring ? ` on ${e.ring}` : ''}: ${e.summary}</li>`)}</ol>
</li>`);
  return html`<section aria-labelledby="incidents-h"><h2 id="incidents-h">${heading} (${total})</h2>
${items.length ? html`<ul class="incidents">${items}</ul>${total > items.length ? html`<p>${total - items.length} more not shown (alerting.board_page_size).</p>` : ''}` : html`<p>None.</p>`}
</section>`;
}

function pager(v: ListView, links: BoardLinks): Html {
  if (v.pages <= 1) return html``;
  return html`<nav aria-label="Pages" class="pages"><p>Page ${v.page} of ${v.pages}
${v.page > 1 ? html`<a href="${links.home(v.page - 1, v.verdictFilter)}" rel="prev">previous</a>` : ''}
${v.page < v.pages ? html`<a href="${links.home(v.page + 1, v.verdictFilter)}" rel="next">next</a>` : ''}</p></nav>`;
}

export function renderList(v: ListView, links: BoardLinks, o: { filters: boolean }): Html {
  const filters = o.filters ? html`<nav aria-label="Filter by verdict" class="filters"><ul>
<li><a href="${links.home()}"${v.verdictFilter ? '' : html` aria-current="true"`}>all (${v.counts.fail + v.counts.inconclusive + v.counts.pass})</a></li>
${VERDICTS.map((x) => html`<li><a href="${links.home(1, x)}"${v.verdictFilter === x ? html` aria-current="true"` : ''}>${x} (${v.counts[x]})</a></li>`)}
</ul></nav>` : '';
  const body = html`<h1>Releases in flight</h1>
<p class="lead">${num(v.counts.fail)} failing, ${num(v.counts.inconclusive)} waiting (inconclusive), ${num(v.counts.pass)} passing. Failing first.</p>
${filters}
<section aria-labelledby="releases-h"><h2 id="releases-h" class="visually-hidden">Releases</h2>
${v.rows.length ? html`<div class="scroll" tabindex="0" role="region" aria-label="Release table"><table class="releases"><caption>${num(v.total)} release${v.total === 1 ? '' : 's'}${v.verdictFilter ? ` with verdict ${v.verdictFilter}` : ''}, page ${v.page} of ${v.pages}</caption>
<thead><tr><th scope="col">release</th><th scope="col">verdict</th><th scope="col">rings reached: verdict, reason</th><th scope="col">since start</th><th scope="col">exposed devices</th><th scope="col">halts</th><th scope="col">blast radius at first halt</th></tr></thead>
<tbody>${v.rows.map((r) => releaseRow(r, links, v.now))}</tbody></table></div>` : html`<p>No release has been decided on yet.</p>`}
${pager(v, links)}
</section>
${incidentSection(v.incidents, v.incidentsTotal, links)}`;
  return page({ title: 'Releases', links, crumbs: [{ label: 'Releases' }], now: v.now, origin: v.origin, health: v.health }, body);
}
