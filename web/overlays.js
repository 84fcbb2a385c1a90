/* What the page says about itself: each tile's overlay lines and banner,
 * the status bar, the error banner (docs/browser.md, "What is on screen"). */

import { showOffline } from "./connection.js";
import { tiles } from "./grid.js";
import { paused } from "./keys.js";
import { sources } from "./sources.js";
import { el, fmt, now, setText, stats, ui } from "./util.js";

const STALE_MS = 2000;           // a camera without a frame this long is shown as such
const ERROR_SHOWN_MS = 15000;    // the error banner stays this long after the last error
const NOTE_SHOWN_MS = 4000;      // a note in the bar (what S saved) stays this long

let errorUntil = 0;
let note = null;                 // a short-lived status bar message (after S)

export function updateFps(t, at) {
  const span = at - t.fpsStart;
  if (span >= 1000) {
    t.fps = (t.fpsCount * 1000) / span;
    t.fpsCount = 0;
    t.fpsStart = at;
  }
}

/* What is wrong with a tile, or "" when it is live. */
function tileBanner(t, at) {
  const c = t.src.conn;
  if (!c || !c.hello)
    return "offline";
  if (!t.cam.online)
    return t.cam.lastError
      ? `offline (camera) since ${new Date(t.cam.lastErrorAt).toLocaleTimeString()}: ` +
        t.cam.lastError
      : "offline (camera)";
  if (!t.lastEntryAt)
    return at - t.since < STALE_MS ? "waiting for frames" : "no frames";
  const age = at - t.lastEntryAt;
  return age > STALE_MS ? `no frames for ${Math.floor(age / 1000)} s` : "";
}

export function updateOverlays() {
  const at = now();
  for (const t of tiles) {
    updateFps(t, at);
    const c = t.cam;
    const fps = t.src.info && t.src.info.streamFps;
    const sent = t.imgW && (t.imgW !== c.width || t.imgH !== c.height)
      ? ` (sent ${t.imgW}x${t.imgH})` : "";
    const scaled = t.scale < 8 ? ` (decoded ${t.scale}/8)` : "";
    setText(t.lines[0], `${t.key} ${t.label}  ${c.width}x${c.height} ${c.pixelFormat}` +
            sent + scaled);
    setText(t.lines[1], `${fmt(t.fps, 1)} fps` + (fps ? ` of ${fps}` : "") +
            `  grab ${fmt(c.grabFps, 0)} fps  latency ${fmt(t.latencyShown, 1)} ms`);
    setText(t.lines[2], `dropped ${t.serverDropped + t.pageDropped} (page ${t.pageDropped})` +
            `  JPEG ${fmt(t.jpegBytes / 1024, 1)} kB` + (t.sync ? `  ${t.sync}` : ""));
    const banner = tileBanner(t, at);
    setText(t.banner, banner);
    t.banner.hidden = !banner;
    t.frame.classList.toggle("dim", banner !== "");
  }
  for (const s of sources)
    if (s.placeholder) {
      const c = s.conn;
      setText(s.placeholder.banner, c && c.hello ? "no cameras" : s.state.text);
    }
}

export function updateBar() {
  const at = now();
  for (const s of sources)
    if (!s.conn && s.retryAt)
      showOffline(s, s.offlineWhy, true); // the countdown: tick() shows it
  const own = sources[0];
  const parts = [];
  if (stats.malformed)
    parts.push(`${stats.malformed} malformed`);
  if (stats.undecodable)
    parts.push(`${stats.undecodable} undecodable`);
  if (stats.skipped)
    parts.push(`${stats.skipped} bundles skipped`);
  if (own.clock.rttMs !== null && own.conn && own.conn.hello)
    parts.push(`clock ±${fmt(own.clock.rttMs / 2, 1)} ms`);
  if (note && at < note.until)
    parts.push(note.text);
  const text = parts.join(" · ");
  if (ui.counts.dataset.shown !== (paused ? "P" : "") + text) {
    ui.counts.dataset.shown = (paused ? "P" : "") + text;
    ui.counts.replaceChildren();
    if (paused)
      el("span", "paused", ui.counts).textContent = "PAUSED";
    ui.counts.append(paused && text ? " " + text : text);
  }
  if (!ui.error.hidden && at > errorUntil)
    ui.error.hidden = true;
}

export function showError(text) {
  ui.error.textContent = text;
  ui.error.hidden = false;
  errorUntil = now() + ERROR_SHOWN_MS;
}

/* A short-lived note in the status bar (what S saved). */
export function showNote(text) {
  note = { text, until: now() + NOTE_SHOWN_MS };
  updateBar();
}
