// Decision evidence as HTML: the fields ringwatch knows (the two exposures, p-value, statistic against its
// threshold, crash reports, power, start and failure times) read as sentences and numbers; every other
// field, including ones processors add later, is listed generically (name, then value; objects as
// compact JSON), so nothing the evidence carries is hidden.
import type { AttributionCandidate, Evidence, Exposure, Release } from '../../common/contract/decision.ts';
import { html, type Html } from './html.ts';
import type { BoardLinks } from './links.ts';
import { num, timeTag } from './render-layout.ts';

/** Rendered in the attribution table instead, or above as the headline numbers. */
const KNOWN = new Set(['updated', 'control', 'pValue', 'statistic', 'threshold', 'crashReports', 'power', 'startedAt', 'failedSince', 'attribution', 'truncated']);
const MAX_GENERIC_CHARS = 2000;

export const exposureText = (e: Exposure | undefined): string => {
  if (!e || typeof e.exposed !== 'number') return '–';
  const share = e.exposed ? ` (${((100 * (Number(e.affected) || 0)) / e.exposed).toFixed(1)}%)` : '';
  return `${num(e.affected)} of ${num(e.exposed)}${share}`;
};

export function genericValue(v: unknown): Html {
  if (v === null || v === undefined) return html`–`;
  if (typeof v === 'number') return html`${num(v)}`;
  if (typeof v === 'boolean') return html`${v ? 'yes' : 'no'}`;
  if (typeof v === 'string') return typeof v === 'string' && /^\d{4}-\d\d-\d\dT/.test(v) ? timeTag(v) : html`${v}`;
  const text = JSON.stringify(v);
  return html`<code>${text.length > MAX_GENERIC_CHARS ? `${text.slice(0, MAX_GENERIC_CHARS)}…` : text}</code>`;
}

/** Name, then value, for each field (a description list reads well with a screen reader). */
export const fieldList = (fields: [string, unknown][]): Html =>
  (fields.length ? html`<dl class="fields">${fields.map(([k, v]) => html`<dt>${k}</dt><dd>${genericValue(v)}</dd>`)}</dl>` : html``);

export function evidenceBlock(e: Evidence): Html {
  const known: Html[] = [];
  if (e.updated || e.control) known.push(html`<dt>updated (took the release)</dt><dd>${exposureText(e.updated)}</dd><dt>control</dt><dd>${exposureText(e.control)}</dd>`);
  if (typeof e.pValue === 'number') known.push(html`<dt>p-value</dt><dd>${num(e.pValue)}</dd>`);
  if (e.statistic !== undefined || e.threshold !== undefined) known.push(html`<dt>statistic vs threshold</dt><dd>${num(e.statistic)} vs ${num(e.threshold)}</dd>`);
  if (e.crashReports !== undefined) known.push(html`<dt>crash reports</dt><dd>${num(e.crashReports)}</dd>`);
  if (e.startedAt !== undefined) known.push(html`<dt>release started</dt><dd>${genericValue(e.startedAt)}</dd>`);
  if (e.failedSince !== undefined) known.push(html`<dt>failing since</dt><dd>${genericValue(e.failedSince)}</dd>`);
  if (e.power !== undefined) known.push(html`<dt>power</dt><dd>${genericValue(e.power)}</dd>`);
  if (e.truncated) known.push(html`<dt>truncated</dt><dd>yes: evidence was cut to alerting.max_evidence_bytes</dd>`);
  const other = Object.entries(e).filter(([k]) => !KNOWN.has(k));
  return html`<dl class="fields">${known}</dl>${other.length ? html`<details class="more"><summary>All other evidence fields (${other.length})</summary>${fieldList(other)}</details>` : ''}`;
}

/** The attribution ranking: each suspect with its score, when it started and why. */
export function attributionTable(candidates: AttributionCandidate[], links: BoardLinks, self: Release, from?: string): Html {
  if (!candidates.length) return html`<p>No attribution ranking in the evidence.</p>`;
  const rows = candidates.map((c, i) => {
    const isSelf = c.component === self.component && c.version === self.version;
    const name = `${c.component}@${c.version}`;
    const known = new Set(['component', 'version', 'score', 'startedAt', 'why']);
    const extra = Object.entries(c).filter(([k]) => !known.has(k));
    return html`<tr${isSelf ? html` class="self"` : ''}><td>${i + 1}</td><th scope="row"><a href="${links.release({ component: String(c.component), version: String(c.version) })}">${name}</a>${isSelf ? ' (this release)' : ''}</th>
<td>${num(c.score)}</td><td>${genericValue(c.startedAt)}</td><td>${c.why}${extra.length ? fieldList(extra) : ''}</td></tr>`;
  });
  return html`<table><caption>Suspects, best match first${from ? ` (from ${from})` : ''}</caption>
<thead><tr><th scope="col">rank</th><th scope="col">release</th><th scope="col">score</th><th scope="col">started</th><th scope="col">why</th></tr></thead>
<tbody>${rows}</tbody></table>`;
}
