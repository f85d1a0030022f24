// Sites share power and network, so their devices go dark together for reasons no release caused.
// power: every device of the site is off until it is back (then boots anew); network: devices run on,
// and their agents hold what they send until the network is back (bounded buffer, emitter.ts).
import { sitesOf } from './fleet-layout.ts';
import type { Scenario } from './scenario-schema.ts';

interface Window { site: number; fromMs: number; toMs: number }

export class SiteOutages {
  private readonly power: Window[];
  private readonly network: Window[];
  readonly any: boolean;

  constructor(scenario: Scenario, startMs: number) {
    const names = sitesOf(scenario).map((s) => s.name);
    const windows = (kind: string) => scenario.noise.site_outages.filter((o) => o.kind === kind).map((o) => ({
      site: names.indexOf(o.site), fromMs: startMs + o.start_secs * 1000, toMs: startMs + (o.start_secs + o.duration_secs) * 1000,
    }));
    this.power = windows('power');
    this.network = windows('network');
    this.any = scenario.noise.site_outages.length > 0;
  }

  /** End of the power outage of `site` at `atMs` (undefined: it has power). */
  darkUntil(site: number, atMs: number): number | undefined {
    return find(this.power, site, atMs);
  }

  /** End of the network outage of `site` at `atMs` (undefined: its network is up). */
  offNetworkUntil(site: number, atMs: number): number | undefined {
    return find(this.network, site, atMs);
  }
}

function find(list: Window[], site: number, atMs: number): number | undefined {
  for (const w of list) if (w.site === site && atMs >= w.fromMs && atMs < w.toMs) return w.toMs;
  return undefined;
}
