/* The keys, pause, full screen, save, and a hidden tab (docs/browser.md,
 * "Keys"; "Rate and variants"). The settings panel's controls keep their
 * keys; Escape closes the panel before it leaves a camera shown alone. */

import { hasControl } from "./control.js";
import { dropPending, pump, requestDraw } from "./decode.js";
import { showSingle, shownTiles, singleTile, tileFileName } from "./grid.js";
import { showNote, updateBar } from "./overlays.js";
import { closePanel, panelTile, togglePanel } from "./panel.js";
import { syncAll } from "./subscription.js";
import { download } from "./util.js";

export let paused = false;
export let hidden = document.hidden;

function onKey(ev) {
  if (ev.ctrlKey || ev.metaKey || ev.altKey)
    return;
  const target = ev.target;
  const k = ev.key;
  if (k === "Escape" && panelTile()) {
    closePanel(); // the panel first, the grid with the next Escape
    ev.preventDefault();
    return;
  }
  if (target instanceof HTMLInputElement && target.type === "text")
    return; // typing a daemon's URL
  if (target instanceof Element && target.id !== "panel" && target.closest("#panel"))
    return; // the panel's controls take their keys (digits, Space, arrows)
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
  } else if (k === "c" || k === "C") {
    togglePanel(tileForSettings(target));
  } else {
    return;
  }
  ev.preventDefault(); // Space must not toggle a focused checkbox too
}

/* C: the settings of the camera shown alone, or of the tile whose settings
 * button has the focus, or of the first tile that has settings. */
function tileForSettings(target) {
  if (panelTile())
    return panelTile(); // C again closes
  if (singleTile)
    return singleTile;
  const frame = target instanceof Element ? target.closest(".frame") : null;
  return shownTiles().find((t) => t.frame === frame) ||
         shownTiles().find((t) => hasControl(t.src)) || null;
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

/* The JPEGs on screen, as the server sent them (no re-encode). */
function save() {
  const names = [];
  for (const t of shownTiles()) {
    const f = t.shown;
    if (!f || f.buffer.byteLength === 0)
      continue;
    const bytes = new Uint8Array(f.buffer, f.entry.offset, f.entry.size);
    const name = `camcast-${tileFileName(t)}-${f.entry.frameId}.jpg`;
    download(new Blob([bytes], { type: "image/jpeg" }), name);
    names.push(name);
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
