/* Diagnostics for tests and the curious: window.camcastStats, a read-only
 * snapshot built each time it is read (docs/browser.md, "Diagnostics"). */

import { decoderBusy, economy, latenciesSince } from "./decode.js";
import { shownTiles, singleTile, tiles } from "./grid.js";
import { hidden, paused } from "./keys.js";
import { updateFps } from "./overlays.js";
import { panelSnapshot } from "./panel.js";
import { sources } from "./sources.js";
import { now, stats, windowSize } from "./util.js";

function sourceSnapshot(s) {
  const c = s.conn;
  return Object.freeze({
    label: s.label, url: s.shown, own: s.own, state: s.state.name, stateText: s.state.text,
    connects: s.n.connects, bundlesReceived: s.n.bundles, malformed: s.n.malformed,
    skipped: s.n.skipped, lastError: s.lastError, cameras: s.tiles.length,
    subscribed: c && c.sent ? Object.freeze({ ...c.sent }) : null,
    clockOffsetMs: s.clock.offsetMs, clockRttMs: s.clock.rttMs,
  });
}

/* The page's own daemon gives state, subscribed and the clock; counters
 * are over all daemons; sources[] has each daemon's. */
function snapshot() {
  const at = now();
  const own = sources[0];
  const shown = shownTiles();
  return Object.freeze({
    state: own.state.name,
    stateText: own.state.text,
    ...stats,
    paused,
    hidden,
    view: singleTile ? singleTile.cam.index : "grid",
    viewLabel: singleTile ? singleTile.label : null,
    subscribed: own.conn && own.conn.sent ? Object.freeze({ ...own.conn.sent }) : null,
    clockOffsetMs: own.clock.offsetMs,
    clockRttMs: own.clock.rttMs,
    decoding: decoderBusy(),
    economy: economy.on,
    window: windowSize,
    sources: sources.map(sourceSnapshot),
    panel: panelSnapshot(),
    cameras: tiles.map((t) => {
      updateFps(t, at);
      return Object.freeze({
        index: t.cam.index, name: t.cam.name, source: t.src.label, label: t.label,
        width: t.cam.width, height: t.cam.height,
        enabled: t.enabled, shown: shown.includes(t),
        entries: t.entries, framesDrawn: t.framesDrawn, fps: t.fps,
        grabFps: t.cam.grabFps, latencyMs: t.latencyMs,
        dropped: t.serverDropped + t.pageDropped, serverDropped: t.serverDropped,
        pageDropped: t.pageDropped, undecodable: t.undecodable, jpegBytes: t.jpegBytes,
        frameId: t.frameId, imageWidth: t.imgW, imageHeight: t.imgH, decodedEighths: t.scale,
        sync: t.sync,
        canvasWidth: t.canvas.width, canvasHeight: t.canvas.height,
      });
    }),
  });
}

export function startDiagnostics() {
  Object.defineProperty(window, "camcastStats", { get: snapshot, enumerable: true });
  window.camcastLatencies = latenciesSince;
}
