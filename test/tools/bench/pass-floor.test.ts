// The crash-signal pass floor (tools/bench/detection/pass-floor-math.ts): Poisson tails against values
// computed by hand, and the Neyman-Pearson floor's defining properties - at the healthy release's own rate
// it is the healthy pass probability, it falls as exposure grows, and the hours it reports are the first
// 0.1-h step at which a regression's pass probability is down to the limit.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { healthyPassFloor, hoursToSeparate, poissonCdf } from '../../../tools/bench/detection/pass-floor-math.ts';

const close = (a: number, b: number, tol = 1e-6) => assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);

describe('crash-signal pass floor', () => {
  it('Poisson tails', () => {
    close(poissonCdf(0, 2), Math.exp(-2));
    close(poissonCdf(2, 2), Math.exp(-2) * (1 + 2 + 2));
    assert.equal(poissonCdf(-1, 2), 0);
    assert.equal(poissonCdf(3, 0), 1);
  });

  it('a test cannot pass a regression less often than it passes a healthy release when they are alike', () => {
    for (const mu of [0.5, 2, 10]) close(healthyPassFloor(mu, 1, 0.95), 0.95, 1e-9);
  });

  it('100 devices for 2 h at 0.0109 an hour: a healthy pass at 95 % passes a 2x regression at least 63 % of the time', () => {
    // mu = 2.19: pass surely on <= 4 episodes, on 5 with the probability that makes the healthy pass 95 %.
    const mu = 0.0109 * 100 * 2;
    const below = poissonCdf(4, mu);
    const gamma = (0.95 - below) / (poissonCdf(5, mu) - below);
    const expected = poissonCdf(4, 2 * mu) + gamma * (poissonCdf(5, 2 * mu) - poissonCdf(4, 2 * mu));
    close(healthyPassFloor(mu, 2, 0.95), expected, 1e-12);
    assert.ok(expected > 0.6 && expected < 0.65, String(expected));
  });

  it('the floor falls with exposure, and the hours reported are where it reaches the limit', () => {
    assert.ok(healthyPassFloor(20, 2, 0.95) < healthyPassFloor(5, 2, 0.95));
    const perHour = 0.0109 * 100;
    const h = hoursToSeparate(perHour, 2, 0.95, 0.05)!;
    assert.ok(healthyPassFloor(perHour * h, 2, 0.95) <= 0.05);
    assert.ok(healthyPassFloor(perHour * (h - 0.1), 2, 0.95) > 0.05);
    assert.equal(hoursToSeparate(1e-6, 1.01, 0.95, 0.05), undefined);
  });
});
