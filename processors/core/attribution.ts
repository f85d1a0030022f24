// Which release caused an anomaly in a ring? Like Microsoft's Gandalf, correlate the onset with every
// release rolling there (detection.md, "When the failing devices never report the new version"):
// - time: the onset should follow the release's start in the ring closely (exp(-lag / time scale));
//   an onset before the start (beyond one heartbeat of slack) rules the release out;
// - fit, device by device: affected devices whose silence (last heartbeat) or crash came before the
//   release could have reached them are devices it cannot explain. More of them than the ring's own
//   background predicts makes it implausible (a Poisson tail): a healthy release started minutes after
//   the bad one is not blamed for the devices that were already dying when it started;
// - place: the anomaly should be in the rings the release reached, and not in the ones it has not;
// - versions: affected devices naming the release (installed or "applying") more often than the ring's
//   other devices do (devices only announcing it are not "other" yet: they have not shown they survive
//   it). Neutral when nobody names it (the CrowdStrike case), so it never hurts;
// - last act: devices that report what they are about to apply tell us their latest change. When they die
//   right after announcing one, that change is the likeliest cause (Gandalf's "most recent change"): the
//   share of such deaths announcing the release, against an even share over the releases rolling in the
//   ring. Neutral when no dying device announced anything (agents without `applying`).
// A release whose devices fail next to same-ring devices without it (version split) is named by the data
// directly and needs no time argument.
import { releaseKey, type AttributionCandidate, type Release } from '../../common/contract/decision.ts';
import { poissonUpperTail } from '../stats/exact-tails.ts';

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
 * heartbeat; crashes and boot loops: the window they were counted in), from `fromWindow` (the earliest
 * suspect's start, less the slack) on, and how many such devices a window brings without any release
 * (the ring's own recent past).
 */
export interface Onsets {
  byWindow: Map<number, number>;
  fromWindow: number;
  windowMs: number;
  backgroundPerWindow: number;
  /**
   * How long before its evidence a device can have met the release: a silent device's last heartbeat
   * comes up to one (jittered) period before it dies.
   */
  slackMs: number;
}

export interface OnsetFit {
  /** Affected devices whose evidence ends (plus slack) before the release started in the ring. */
  unexplained: number;
  /** What the ring's background brings in those windows. */
  expected: number;
  /** P(background alone brings at least `unexplained`): 1 when nothing precedes the release. */
  fit: number;
}

/**
 * Devices a release cannot have caused: those affected in windows that end, plus the slack, before it
 * started in the ring ((w + 1) W + slack <= start). Evidence against it only in so far as they exceed the
 * ring's background over the same windows (a Poisson upper tail), so the odd device going quiet before a
 * release starts never clears it, while the first third of a boot-loop wave clears a release started
 * after it.
 */
export function onsetFit(startedAt: number, o: Onsets): OnsetFit {
  const lastBefore = Math.floor((startedAt - o.slackMs) / o.windowMs) - 1;
  const windows = Math.max(0, lastBefore - o.fromWindow + 1);
  let unexplained = 0;
  for (const [w, n] of o.byWindow) if (w >= o.fromWindow && w <= lastBefore) unexplained += n;
  const expected = o.backgroundPerWindow * windows;
  return { unexplained, expected, fit: unexplained > 0 ? poissonUpperTail(unexplained, expected) : 1 };
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
  const scored = suspects.map((x) => {
    const lag = c.onsetMs - x.startedAt;
    const time = x.direct ? 1 : lag < -c.slackMs ? 0.01 : Math.exp(-Math.max(0, lag) / c.timeScaleMs);
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
    const fit = c.onsets ? onsetFit(x.startedAt, c.onsets) : { unexplained: 0, expected: 0, fit: 1 };
    const score = time * fit.fit * place * version;
    const why = `lag ${(lag / 1000).toFixed(1)}s (time ${time.toFixed(3)}), `
      + `${fit.unexplained} affected device(s) before it could reach them vs ${fit.expected.toFixed(1)} expected (fit ${fit.fit.toPrecision(2)}), anomalous in ${hitReached}/${reached.length} reached and `
      + `${hitUnreached}/${unreached.length} unreached rings (place ${place.toFixed(3)}), ${x.naming.named}/${x.naming.affected} affected vs `
      + `${x.naming.namedOthers}/${x.naming.others} other devices name it, ${announced}/${allAnnounced} announced by affected devices `
      + `(naming ${naming.toFixed(2)}, last act ${lastAct.toFixed(2)}, version ${version.toFixed(2)})${x.direct ? ', fails next to same-ring devices without it' : ''}`;
    return { x, score, why };
  });
  scored.sort((a, b) => b.score - a.score || releaseKey(a.x.release).localeCompare(releaseKey(b.x.release)));
  const top = scored[0]?.score ?? 0;
  const blamed = new Set<string>();
  for (const s of scored) {
    if (s.x.fired && s.score >= MIN_PLAUSIBLE_SCORE && s.score >= c.minShare * top) blamed.add(releaseKey(s.x.release));
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
