/* The keys, pause, full screen, save, and a hidden tab (docs/browser.md,
 * "Keys"; "Rate and variants"). */

import { dropPending, pump, requestDraw } from "./decode.js";
import { showSingle, shownTiles } from "./grid.js";
import { showNote, updateBar } from "./overlays.js";
import { multi } from "./sources.js";
import { syncAll } from "./subscription.js";
import { el } from "./util.js";

export let paused = false;
export let hidden = document.hidden;

function onKey(ev) {
  if (ev.ctrlKey || ev.metaKey || ev.altKey)
    return;
  const target = ev.target;
  if (target instanceof HTMLInputElement && target.type === "text")
    return; // typing a daemon's URL
  const k = ev.key;
  if (k >= "1" && k <= "9") {
    showSingle(Number(k) - 1);
  } else if (k === "0" || k === "Escape") {
    showSingle(-1);
  } else if (k === "f" || k === "F") {
    toggleFullscreen();
  } else if (k === " ") {
    setPaused(!paused);
  } else if (k === "s" || k === "S") {
    save();
  } else {
    return;
  }
  ev.preventDefault(); // Space must not toggle a focused checkbox too
}

function setPaused(on) {
  paused = on;
  if (paused) {
    dropPending();
  } else {
    pump();
    requestDraw();
  }
  updateBar();
}

function toggleFullscreen() {
  if (document.fullscreenElement)
    document.exitFullscreen().catch(() => {});
  else
    document.documentElement.requestFullscreen().catch(() => {});
}

/* The JPEGs on screen, as the server sent them (no re-encode). A camera
 * name comes from the network: reduce it to safe file name characters. */
function save() {
  const names = [];
  for (const t of shownTiles()) {
    const f = t.shown;
    if (!f || f.buffer.byteLength === 0)
      continue;
    const bytes = new Uint8Array(f.buffer, f.entry.offset, f.entry.size);
    const url = URL.createObjectURL(new Blob([bytes], { type: "image/jpeg" }));
    const a = el("a", null, document.body);
    a.href = url;
    const name = (multi() ? `${t.src.label}-${t.cam.name}` : t.cam.name)
      .replace(/[^A-Za-z0-9_.-]/g, "_");
    a.download = `camcast-${name}-${f.entry.frameId}.jpg`;
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60000);
    names.push(a.download);
  }
  showNote(names.length ? `saved ${names.join(", ")}` : "nothing to save");
}

/* ---- A hidden tab: no decoding, and ask the servers for less ---- */

function onVisibility() {
  hidden = document.hidden;
  if (hidden)
    dropPending();
  syncAll();
  if (!hidden) {
    pump();
    requestDraw();
  }
}

export function startKeys() {
  window.addEventListener("keydown", onKey, true);
  document.addEventListener("visibilitychange", onVisibility);
}
