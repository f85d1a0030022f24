// `ringwatch backtest --report DIR`: the release safety board for a replayed history, as static HTML
// files (the live board's renderers, with file links instead of URLs): DIR/index.html (the release list,
// paginated as index-2.html, ...), one page per release and per release and ring under DIR/releases/,
// the stylesheet and uPlot in DIR/assets/. Opens from the file system, no server, no internet.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { AlertingSettings } from '../../alerting/config.ts';
import type { AlerterCore } from '../../alerting/core/alerter-core.ts';
import { boardAssets } from '../../alerting/board/assets.ts';
import type { BoardHistory } from '../../alerting/board/history.ts';
import type { Html } from '../../alerting/board/html.ts';
import { staticFiles, staticLinks } from '../../alerting/board/links.ts';
import { renderList } from '../../alerting/board/render-list.ts';
import { renderReleasePage, renderRingPage } from '../../alerting/board/render-release.ts';
import { boardSource } from '../../alerting/board/source.ts';
import { listView, releaseRows } from '../../alerting/board/view-list.ts';
import { ringPageView } from '../../alerting/board/view-release.ts';

/** Directory depth of release and ring pages (releases/<component>/<version>/...). */
const RELEASE_DEPTH = 3;

export interface BoardReportResult {
  files: number;
  releases: number;
  index: string;
}

export function writeBoardReport(dir: string, core: AlerterCore, history: BoardHistory, nowMs: number, s: AlertingSettings): BoardReportResult {
  const src = boardSource(core, history, {
    now: nowMs, health: { ok: true }, resolveAfterWindows: s.resolve_after_windows, staleAfterMs: s.verdict_stale_after_secs * 1000, origin: 'backtest',
  });
  let files = 0;
  const write = (file: string, page: Html | Buffer) => {
    const path = join(dir, file);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, Buffer.isBuffer(page) ? page : (page as Html).text);
    files++;
  };
  for (const [name, asset] of boardAssets()) write(staticFiles.asset(name), asset.body);
  const first = listView(src, { page: 1, pageSize: s.board_page_size });
  for (let page = 1; page <= first.pages; page++) {
    write(staticFiles.home(page), renderList(listView(src, { page, pageSize: s.board_page_size }), staticLinks(0), { filters: false }));
  }
  const rows = releaseRows(src);
  const links = staticLinks(RELEASE_DEPTH);
  for (const row of rows) {
    write(staticFiles.release(row.release), renderReleasePage(row, links, src));
    for (const r of row.rings) {
      const view = ringPageView(src, row.release, r.ring, { maxPoints: s.board_chart_max_points });
      if (view) write(staticFiles.ring(row.release, r.ring), renderRingPage(view, links));
    }
  }
  return { files, releases: rows.length, index: join(dir, staticFiles.home()) };
}
