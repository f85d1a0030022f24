// Which release caused an anomaly in a ring? Like Microsoft's Gandalf, correlate the onset with every
// release rolling there (detection.md, "When the failing devices never report the new version"):
// - time: the onset should follow the release's start in the ring closely (exp(-lag / time scale));
//   an onset before the start (beyond one heartbeat of slack) rules the release out;
// - fit, window by window: the affected devices' onsets (last heartbeat, crash) against where the
//   release's rollout would put its victims (from its start over the rollout's spread) plus the ring's
//   background, as a Poisson likelihood relative to the best suspect's: a healthy release started minutes
//   after the bad one cannot explain the devices already dying when it started, and one started minutes
//   before cannot explain why nothing died in its first minutes;
// - place: the anomaly should be in the rings the release reached, and not in the ones it has not;
// - versions: affected devices naming the release (installed or "applying") more often than the ring's
//   other devices do (devices only announcing it are not "other" yet: they have not shown they survive
//   it). Neutral when nobody names it (the CrowdStrike case), so it never hurts;
// - last act: devices that report what they are about to apply tell us their latest change. When they die
//   right after announcing one, that change is the likeliest cause (Gandalf's "most recent change"): the
//   share of such deaths announcing the release, against an even share over the releases rolling in the
//   ring. Neutral when no dying device announced anything (agents without `applying`).
// A release whose devices fail next to same-ring devices without it (version split) is named by the data
// directly and needs no time argument. So is the lone release rolling in a ring whose crash gate alone fired
// (a crash-rate regression, no catastrophe): its cohort was fixed at its start and compared with a same-time
// control, so the excess it found follows the start by construction, while the onset of a rate increase
// (the first window at half the peak of a few crashes a window) lands hours after it by chance; the time
// factor would call a crash regression an unattributed change.
import { releaseKey, type AttributionCandidate, type Release } from '../../common/contract/decision.ts';

export interface Suspect {
  release: Release;
  startedAt: number;
  /** Did one of its comparisons fire (catastrophe or gate)? */
  fired: boolean;
  /** Fired on the version split: devices running it fail, same-ring devices without it do not. */
  direct: boolean;
  naming: Naming;
  /** Rings it had started in by the onset (plus slack). */
  reached: string[];
  /** Already blamed for this signal in this ring (its failure is sticky). */
  blamedBefore?: boolean;
  /** Crashes: its release gate fired and its catastrophe rule did not (a rate regression, no sharp onset). */
  gateOnly?: boolean;
}

/** In one ring: affected devices and the other devices, and how many of each run or apply this version. */
export interface Naming {
  named: number;
  affected: number;
  /**
   * Unaffected devices running the version, and all unaffected devices -- both without the devices that
   * only announced (`applying`) the version: they have not yet shown that they survive it.
   */
  namedOthers: number;
  others: number;
  /** Affected devices whose last heartbeat announced applying this version (they died taking it). */
  announced?: number;
}

/**
 * How much more often affected devices name the release than the ring's other devices do (a rate ratio,
 * smoothed by one pseudo-device at the pooled rate). Exactly 1 when nobody names it (the CrowdStrike case:
 * crashed devices still report the old version), so it never hurts a release that cannot be seen.
 * A release that every device runs, affected or not (a healthy agent rolled out at the same time), is ~1;
 * one that only the affected devices run is >> 1.
 */
export function namingRatio(n: Naming): number {
  const total = n.named + n.namedOthers;
  if (total === 0) return 1;
  const pooled = total / Math.max(1, n.affected + n.others);
  return ((n.named + pooled) / (n.affected + 1)) / ((n.namedOthers + pooled) / (n.others + 1));
}

/**
 * How much more often the affected devices' last announced change (`applying` in their last heartbeat)
 * is this release than an even share over the `suspects` releases rolling in the ring: the Laplace-
 * smoothed share (a + 1) / (m + n) of the m announcements (over all n suspects) that name it, divided by
 * 1/n. Exactly 1 when no affected device announced anything (no `applying` field, or failures that do
 * not happen while applying), so it never hurts a release that cannot be seen; between n/(m+n) and
 * n(m+1)/(m+n) otherwise. Why not compare with the unaffected devices, like namingRatio: when a release
 * kills every device of a small ring, the only unaffected devices announcing it are the ones about to
 * die, so there is no clean reference; what separates two releases started together is which one the
 * devices were loading when they died. A device that had installed the other release and kept
 * heartbeating has shown it survives that one.
 */
export function announceRatio(announced: number, allAnnounced: number, suspects: number): number {
  if (allAnnounced <= 0 || suspects <= 0) return 1;
  return (suspects * (announced + 1)) / (allAnnounced + suspects);
}

/**
 * The ring's affected devices by the window their evidence lies in (silence: the window of the last
 * heartbeat; crashes and boot loops: the window they were counted in), over windows `fromWindow` (the
 * earliest suspect's start, less one period and the lateness) to `toWindow`, and how many such devices a window brings
 * without any release (the ring's own recent past).
 */
export interface Onsets {
  byWindow: Map<number, number>;
  fromWindow: number;
  toWindow: number;
  windowMs: number;
  backgroundPerWindow: number;
  /** How long before its death a device's evidence can lie: a silent device's last heartbeat comes up to one period before (crashes: 0). */
  leadMs: number;
  /** Evidence up to this time can have shown by now (silence: k periods ago; crashes: now). */
  observedUntilMs: number;
  /** How long a rollout takes to reach a ring's devices (`attribution_rollout_spread_secs`). */
  spreadMs: number;
}

/** Share of a release's expected onsets that fall after the flat part of its kernel (a slower rollout, late check-ins). */
const KERNEL_TAIL = 0.2;

/**
 * Where a release started at `start` puts its victims' evidence, per window of the span. Deaths: flat from
 * the start over the rollout's spread (the rollout reaching devices one by one), with a share in an
 * exponential tail of the same scale after it (late check-ins). A silent device's evidence is its last
 * heartbeat, up to one period (the lead) before its death: the flat part convolved with that uniform lag
 * (exactly: the CDF averaged over the lag). Renormalised over the span seen so far, so a release is not
 * blamed for victims the future has not brought yet.
 */
function kernel(start: number, o: Onsets): number[] {
  const S = o.spreadMs;
  const P = Math.max(1, o.leadMs);
  // Antiderivative of the flat part's CDF, clamp((x - start) / S, 0, 1).
  const G = (x: number) => (x <= start ? 0 : x <= start + S ? (x - start) ** 2 / (2 * S) : S / 2 + (x - start - S));
  const flat = (t: number) => (G(t + P) - G(t)) / P;
  const tail = (t: number) => (t <= start + S ? 0 : 1 - Math.exp(-(t - start - S) / S));
  const cdf = (t: number) => (1 - KERNEL_TAIL) * flat(t) + KERNEL_TAIL * tail(t);
  const mass: number[] = [];
  for (let w = o.fromWindow; w <= o.toWindow; w++) {
    // Only the part of a window whose evidence could show by now counts (silence shows k periods late).
    const seen = Math.min(1, Math.max(0, (o.observedUntilMs - w * o.windowMs) / o.windowMs));
    mass.push(seen * (cdf((w + 1) * o.windowMs) - cdf(w * o.windowMs)));
  }
  const total = mass.reduce((x, y) => x + y, 0);
  return total > 0 ? mass.map((m) => m / total) : mass;
}

/**
 * Poisson log-likelihood of the onset histogram if the release started at `start` caused the excess over
 * the background: every window of the span counts, the empty ones too, so a release whose rollout would
 * have killed devices in windows where none died loses credit (Gandalf's temporal correlation, with the
 * rollout's spread instead of a point in time). A release started after devices had begun to die, and an
 * earlier one whose first victims never came, both fit worse than the one whose rollout the deaths follow.
 */
export function onsetLogLikelihood(start: number, o: Onsets): { logLik: number; excess: number } {
  const k = kernel(start, o);
  const counts = k.map((_, i) => o.byWindow.get(o.fromWindow + i) ?? 0);
  const bg = Math.max(1e-3, o.backgroundPerWindow);
  const excess = Math.max(0, counts.reduce((x, y) => x + y, 0) - bg * counts.length);
  let logLik = 0;
  counts.forEach((n, i) => {
    const mu = bg + excess * k[i];
    logLik += n * Math.log(mu) - mu;
  });
  return { logLik, excess };
}

export interface AttributionContext {
  onsetMs: number;
  /** Per-window onsets of the affected devices (absent: only the ring's onset is known). */
  onsets?: Onsets;
  /** Rings where the signal is anomalous now. */
  anomalous: Set<string>;
  /** Every ring with devices. */
  rings: string[];
  slackMs: number;
  timeScaleMs: number;
  minShare: number;
}

export interface Attribution {
  ranking: AttributionCandidate[];
  /** Release keys that are blamed (fired, plausible, and within minShare of the best explanation). */
  blamed: Set<string>;
  /** Best explanation, when it is plausible at all. */
  best?: string;
}

/** Below this score nothing is a plausible cause: the anomaly does not follow any release. */
export const MIN_PLAUSIBLE_SCORE = 0.02;

export function attribute(suspects: Suspect[], c: AttributionContext): Attribution {
  const allAnnounced = suspects.reduce((n, x) => n + (x.naming.announced ?? 0), 0);
  const fits = suspects.map((x) => (c.onsets ? onsetLogLikelihood(x.startedAt, c.onsets).logLik : 0));
  const bestFit = Math.max(...fits);
  const scored = suspects.map((x, i) => {
    const lag = c.onsetMs - x.startedAt;
    const timeless = x.direct || (suspects.length === 1 && x.gateOnly === true);
    const time = lag < -c.slackMs && !x.direct ? 0.01 : timeless ? 1 : Math.exp(-Math.max(0, lag) / c.timeScaleMs);
    const reached = x.reached.filter((r) => c.rings.includes(r));
    const unreached = c.rings.filter((r) => !reached.includes(r));
    const hitReached = reached.filter((r) => c.anomalous.has(r)).length;
    const hitUnreached = unreached.filter((r) => c.anomalous.has(r)).length;
    const place = ((hitReached + 0.5) / (reached.length + 1)) * (1 - 0.9 * (unreached.length ? hitUnreached / unreached.length : 0));
    const naming = namingRatio(x.naming);
    const announced = x.naming.announced ?? 0;
    const lastAct = announceRatio(announced, allAnnounced, suspects.length);
    // A lone suspect is never made implausible by its devices naming it less than others do: when a
    // release kills what loads it, the survivors are the ones that report it (survivorship). Between
    // concurrent suspects the comparison still tells them apart.
    const version = suspects.length === 1 ? Math.max(1, naming * lastAct) : naming * lastAct;
    // The onsets' likelihood under this release against the best-fitting suspect's: a likelihood ratio.
    const fit = Math.exp(fits[i] - bestFit);
    const score = time * fit * place * version;
    const why = `lag ${(lag / 1000).toFixed(1)}s (time ${time.toFixed(3)}), `
      + `onsets fit its rollout ${fit.toPrecision(2)} x the best suspect's, anomalous in ${hitReached}/${reached.length} reached and `
      + `${hitUnreached}/${unreached.length} unreached rings (place ${place.toFixed(3)}), ${x.naming.named}/${x.naming.affected} affected vs `
      + `${x.naming.namedOthers}/${x.naming.others} other devices name it, ${announced}/${allAnnounced} announced by affected devices `
      + `(naming ${naming.toFixed(2)}, last act ${lastAct.toFixed(2)}, version ${version.toFixed(2)})${x.direct ? ', fails next to same-ring devices without it' : timeless ? ', its gate alone fired: a rate regression of its cohort since its start' : ''}`;
    return { x, score, why };
  });
  scored.sort((a, b) => b.score - a.score || releaseKey(a.x.release).localeCompare(releaseKey(b.x.release)));
  const top = scored[0]?.score ?? 0;
  const blamed = new Set<string>();
  // Once a release is blamed here, another joins it only by ranking first: a near tie in a later window
  // (the evidence of a healthy release started next to it, wobbling) never fails a second release.
  const incumbent = scored.some((s) => s.x.blamedBefore);
  for (const [rank, s] of scored.entries()) {
    const share = incumbent && !s.x.blamedBefore ? rank === 0 : s.score >= c.minShare * top;
    if (s.x.fired && s.score >= MIN_PLAUSIBLE_SCORE && share) blamed.add(releaseKey(s.x.release));
  }
  return {
    ranking: scored.map((s) => ({
      component: s.x.release.component, version: s.x.release.version, score: Number(s.score.toPrecision(4)),
      startedAt: new Date(s.x.startedAt).toISOString(), why: s.why, blamed: blamed.has(releaseKey(s.x.release)),
    })),
    blamed,
    best: top >= MIN_PLAUSIBLE_SCORE ? releaseKey(scored[0].x.release) : undefined,
  };
}
