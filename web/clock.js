/* The clock offset (server - page) of each source, from ping/pong
 * (docs/browser.md, "Connection, reconnection, the clock"). */

import { send } from "./connection.js";
import { epochNow, now } from "./util.js";

const PING_COUNT = 5;            // clock samples per burst: the fastest round trip wins
const PING_GAP_MS = 100;
const PING_TIMEOUT_MS = 2000;
const CLOCK_REDO_MS = 30000;     // clocks drift: take a fresh burst this often
const CLOCK_GOOD_RTT_MS = 5;     // a burst with no faster round trip is retried soon:
const CLOCK_RETRY_MS = 2000;     //   a pong queued behind bundles is late, not wrong
const CLOCK_KEEP_MS = 120000;    // a better old sample beats a worse new one this long

/* A burst of pings, one at a time; the sample with the shortest round trip
 * bounds the error best (by half its round trip). Each daemon has its own
 * clock: each source its own offset. */
export function startClock(c) {
  c.burst = { left: PING_COUNT, best: null };
  sendPing(c);
}

function sendPing(c) {
  if (c.src.conn !== c)
    return;
  c.ping = epochNow();
  send(c, { type: "ping" });
  c.pingTimer = setTimeout(() => pingDone(c, null), PING_TIMEOUT_MS);
}

export function onPong(c, msg) {
  if (c.ping === null || typeof msg.time_ns !== "number")
    return;
  const t1 = epochNow();
  const sample = { rtt: t1 - c.ping, offset: msg.time_ns / 1e6 - (c.ping + t1) / 2 };
  clearTimeout(c.pingTimer);
  pingDone(c, sample);
}

function adoptClock(clock, sample) {
  Object.assign(clock, { offsetMs: sample.offset, rttMs: sample.rtt, at: now() });
}

function pingDone(c, sample) {
  c.ping = null;
  const b = c.burst;
  const clock = c.src.clock;
  if (sample && (!b.best || sample.rtt < b.best.rtt))
    b.best = sample;
  if (b.best && clock.offsetMs === null)
    adoptClock(clock, b.best); // the first figure at once
  if (--b.left > 0) {
    c.pingTimer = setTimeout(() => sendPing(c), PING_GAP_MS);
    return;
  }
  // A pong may wait behind bundles on its way: the uncertainty is half the
  // round trip. Keep the best sample, unless it is old (clocks drift).
  if (b.best && (b.best.rtt <= clock.rttMs || now() - clock.at > CLOCK_KEEP_MS))
    adoptClock(clock, b.best);
  // Soon again while no good sample came (10 times: a far server is slow).
  const poor = clock.rttMs === null || clock.rttMs > CLOCK_GOOD_RTT_MS;
  const again = poor && ++c.bursts < 10 ? CLOCK_RETRY_MS : CLOCK_REDO_MS;
  c.clockTimer = setTimeout(() => startClock(c), again);
}
