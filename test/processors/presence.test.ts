// Presence profiles: which devices count as always on (their own comparison strata).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PRESENCE_BYTES } from '../../processors/core/device-table.ts';
import { heardThroughout, notePresence } from '../../processors/core/presence.ts';

const HOUR = 3_600_000;
const MONDAY = Date.UTC(2024, 6, 15);

/** A one-device profile heard every 5 minutes while `on(t)`, from `from` to `to`; returns it and its last heartbeat. */
function profile(from: number, to: number, on: (t: number) => boolean): { p: Uint8Array; last: number } {
  const p = new Uint8Array(PRESENCE_BYTES);
  let last = 0;
  for (let t = from; t < to; t += 300_000) {
    if (!on(t)) continue;
    notePresence(p, 0, last, t);
    last = t;
  }
  return { p, last };
}

describe('heardThroughout', () => {
  it('a server heard every hour of the last 16 is always on; one tracked for fewer hours is not yet', () => {
    const server = profile(MONDAY, MONDAY + 20 * HOUR, () => true);
    assert.equal(heardThroughout(server.p, 0, server.last, 16), true);
    const young = profile(MONDAY + 10 * HOUR, MONDAY + 20 * HOUR, () => true);
    assert.equal(heardThroughout(young.p, 0, young.last, 16), false);
  });

  it('a workstation off last night is not, even in the middle of its working day', () => {
    const hourOf = (t: number) => new Date(t).getUTCHours();
    const ws = profile(MONDAY - 24 * HOUR, MONDAY + 15 * HOUR, (t) => hourOf(t) >= 8 && hourOf(t) < 18);
    assert.equal(heardThroughout(ws.p, 0, ws.last, 16), false);
    assert.equal(heardThroughout(ws.p, 0, ws.last, 6), true, 'on for the last 6 hours');
  });

  it('an hour without any heartbeat (a laptop asleep) breaks it; 0 hours is off', () => {
    const laptop = profile(MONDAY, MONDAY + 20 * HOUR, (t) => t < MONDAY + 9 * HOUR || t >= MONDAY + 10 * HOUR + 5 * 60_000);
    assert.equal(heardThroughout(laptop.p, 0, laptop.last, 16), false);
    assert.equal(heardThroughout(laptop.p, 0, laptop.last, 10), true);
    const server = profile(MONDAY, MONDAY + 20 * HOUR, () => true);
    assert.equal(heardThroughout(server.p, 0, server.last, 0), false);
  });
});
