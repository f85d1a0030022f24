// The replay pipeline in two halves joined by a stream of steps: the source half (reading order, the
// detection core's per-device state and window closing) emits steps; the decision half (the judge, the
// alerter, and in a backtest its report and exposure counts: backtest-side.ts) applies them in order.
import type { Envelope } from '../../common/contract/envelope.ts';
import type { PartialWindow } from '../../processors/core/partial.ts';

export type PipelineStep =
  /** Windows the source closed at virtual time `now`: judge every complete one, alert on the decisions. */
  | { k: 'partials'; now: number; partials: readonly PartialWindow[] }
  /** A deployment record (the judge's rollout feed), then any window it completes. */
  | { k: 'deployment'; now: number; env: Envelope<'deployment'> }
  /** The alerter's clock: staleness, quiet gaps, resolutions. */
  | { k: 'tick'; now: number }
  /** Backtest: a crash or deployment for the exposure counts (heartbeats come as `device`). */
  | { k: 'observe'; env: Envelope<'crash'> | Envelope<'deployment'> }
  /** Backtest: a device seen first or whose ring or component maps changed (set ids of the source). */
  | { k: 'device'; a: number; b: number; ring: string; installed: number; applying: number }
  /** Backtest: the (component, version) pairs of a component set id, flat, before its first `device`. */
  | { k: 'set'; id: number; pairs: string[] }
  /** Backtest: the end of one event's steps: report what changed. */
  | { k: 'settle'; now: number };

export type StepSink = (step: PipelineStep) => void;
