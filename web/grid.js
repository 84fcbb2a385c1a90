/* The tiles of every source's cameras and their grid, as camcast-viewer's
 * (docs/browser.md, "What is on screen"): made from each hello, ticked
 * and unticked, one shown alone, placed on resize. */

import { hasControl } from "./control.js";
import { renderDaemons } from "./daemons.js";
import { flushAcks, paint, release, unpend } from "./decode.js";
import { updateOverlays } from "./overlays.js";
import { panelTilesChanged, togglePanel } from "./panel.js";
import { multi, sources } from "./sources.js";
import { syncAll, syncSubscription, syncVariantSoon } from "./subscription.js";
import { el, now, setText, ui } from "./util.js";

const MAX_TILES = 64;            // as camcast-viewer, over all daemons; a hello with
                                 //   more than 1024 cameras is refused
const GAP = 4;                   // pixels between tiles
const PLACEHOLDER = [640, 400];  // the aspect of a daemon's tile while it has no camera

export let tiles = [];           // every source's camera tiles, in grid order
export let singleTile = null;    // the enlarged camera's tile, or null: the grid
const unticked = new Set();      // "daemon\ncamera name" the user does not want, across hellos

/* A hello: this source's tiles anew; the other sources' stay as they are. */
export function newSession(src, hello) {
  clearSourceTiles(src);
  src.gen++;
  src.info = hello;
  const others = sources.reduce((n, s) => n + (s === src ? 0 : s.tiles.length), 0);
  for (const cam of hello.cameras.slice(0, Math.max(0, MAX_TILES - others))) {
    const t = makeTile(src, cam);
    src.tiles.push(t);
    src.byIndex.set(cam.index, t);
  }
  rebuildGrid();
}

/* Drops a source's tiles (a new hello, the daemon removed). */
export function clearSourceTiles(src) {
  for (const t of src.tiles) {
    clearTile(t);
    t.dead = true; // a decoded frame still in the worker is thrown away
    t.frame.remove();
    t.choice.remove();
  }
  src.tiles = [];
  src.byIndex = new Map();
  if (src.placeholder) {
    src.placeholder.frame.remove();
    src.placeholder = null;
  }
}

/* The grid's tiles in order: the page's own daemon's cameras first, then
 * each added daemon's; keys, labels and checkboxes follow. A daemon
 * without cameras (no hello yet, refused, down) has a placeholder tile
 * that says why, while there are several. */
export function rebuildGrid() {
  tiles = sources.flatMap((s) => s.tiles);
  ui.choice.replaceChildren();
  tiles.forEach((t, i) => {
    t.pos = i;
    t.key = i + 1;
    t.label = multi() ? `${t.src.label}/${t.cam.name}` : t.cam.name;
    ui.grid.appendChild(t.frame); // moves it: its canvas keeps its frame
    setText(t.choiceText, `${t.key} ${t.cam.name}`); // the bar is short: the key tells
    t.gear.title = `settings of ${t.label} (C)`;
    t.gear.setAttribute("aria-label", t.gear.title);
    t.choice.title = t.label;
    ui.choice.appendChild(t.choice);
  });
  for (const s of sources) {
    const need = multi() && !s.tiles.length;
    if (need && !s.placeholder)
      s.placeholder = makePlaceholder(s);
    else if (!need && s.placeholder) {
      s.placeholder.frame.remove();
      s.placeholder = null;
    }
    if (s.placeholder)
      ui.grid.appendChild(s.placeholder.frame);
  }
  if (singleTile && singleTile.dead) // a new hello: the same camera, if it still is
    singleTile = singleTile.src.tiles.find((t) => t.cam.name === singleTile.cam.name) || null;
  if (singleTile && !singleTile.enabled)
    singleTile = null;
  layout();
  renderDaemons();
  panelTilesChanged();
}

/* A tile's camera in a file name: names come from the network, reduced to
 * safe characters; with several daemons, the daemon's too. */
export function tileFileName(t) {
  return (multi() ? `${t.src.label}-${t.cam.name}` : t.cam.name)
    .replace(/[^A-Za-z0-9_.-]/g, "_");
}

function untickKey(src, cam) {
  return `${src.own ? "" : src.label}\n${cam.name}`;
}

function makeTile(src, cam) {
  const t = {
    src, cam, pos: 0, key: 0, label: cam.name, enabled: !unticked.has(untickKey(src, cam)),
    dead: false, pending: null, next: null, shown: null,
    entries: 0, framesDrawn: 0, serverDropped: 0, pageDropped: 0, undecodable: 0,
    fpsCount: 0, fpsStart: now(), fps: 0, latencyMs: null, latencyShown: null, lastEntryAt: 0,
    since: now(), jpegBytes: 0, imgW: 0, imgH: 0, frameId: null, scale: 8, sync: "",
  };
  t.frame = el("div", "frame");
  t.canvas = el("canvas", null, t.frame);
  t.canvas.width = t.canvas.height = 1;
  t.ctx = t.canvas.getContext("2d", { alpha: false });
  t.overlay = el("div", "overlay", t.frame);
  t.lines = [el("div", "name", t.overlay), el("div", null, t.overlay),
             el("div", null, t.overlay)];
  t.banner = el("div", "banner", t.frame);
  // The camera's settings (panel.js), where its daemon offers control.
  t.gear = el("button", "gear", t.frame);
  t.gear.type = "button";
  t.gear.textContent = "⚙";
  t.gear.hidden = !hasControl(src);
  t.gear.addEventListener("click", (ev) => {
    ev.stopPropagation(); // not a click on the tile
    togglePanel(t);
  });
  t.frame.addEventListener("click", () => showSingle(singleTile === t ? -1 : t.pos));

  t.choice = el("label");
  t.checkbox = el("input", null, t.choice);
  t.checkbox.type = "checkbox";
  t.checkbox.checked = t.enabled;
  t.choiceText = el("span", null, t.choice);
  t.checkbox.addEventListener("change", () => setEnabled(t, t.checkbox.checked));
  return t;
}

/* A daemon's tile while it has no camera to show: its name and state. */
function makePlaceholder(src) {
  const p = { src, cam: { width: PLACEHOLDER[0], height: PLACEHOLDER[1] } };
  p.frame = el("div", "frame placeholder");
  p.frame.dataset.source = src.label;
  p.title = el("div", "overlay name", p.frame);
  p.title.textContent = src.label;
  p.banner = el("div", "banner wide", p.frame);
  return p;
}

/* Drops everything a tile holds (a new hello, an unticked camera). */
export function clearTile(t) {
  if (t.pending) {
    release(unpend(t).rec, false);
    flushAcks();
  }
  if (t.next) {
    t.next.bitmap.close();
    release(t.next.rec, false);
  }
  if (t.shown)
    t.shown.bitmap.close();
  t.pending = t.next = t.shown = null;
}

function setEnabled(t, on) {
  t.enabled = on;
  if (on) {
    unticked.delete(untickKey(t.src, t.cam));
  } else {
    unticked.add(untickKey(t.src, t.cam));
    clearTile(t);
    if (singleTile === t)
      singleTile = null;
  }
  layout();
  syncSubscription(t.src);
  panelTilesChanged();
}

/* The tiles on screen now: ticked, and the enlarged one alone if any. */
export function shownTiles() {
  if (singleTile)
    return [singleTile];
  return tiles.filter((t) => t.enabled);
}

/* pos: a position in the grid (key - 1), or -1 for the grid. */
export function showSingle(pos) {
  if (pos >= 0 && !(pos < tiles.length && tiles[pos].enabled))
    return;
  const was = singleTile;
  singleTile = pos >= 0 ? tiles[pos] : null;
  // The others stay subscribed (switching back is instant) but are not decoded.
  for (const t of tiles)
    if (singleTile && t !== singleTile && t.pending)
      release(unpend(t).rec, false);
  flushAcks();
  layout();
  // At once, not after the layout's debounce: the enlarged camera's daemon
  // asks for "full", the others for their smallest variant (not on screen),
  // and back in the grid each for what its tiles need.
  if (was !== singleTile)
    syncAll();
}

/* ---- Layout: a grid like camcast-viewer's ---- */

/* Tries every column count and keeps the one whose smallest image is the
 * largest; a short last row is centred. Returns one rectangle per size. */
function gridLayout(sizes, W, H) {
  const n = sizes.length;
  let best = null;
  for (let cols = 1; cols <= n; cols++) {
    const rows = Math.ceil(n / cols);
    const cw = (W - GAP * (cols + 1)) / cols;
    const ch = (H - GAP * (rows + 1)) / rows;
    if (cw <= 0 || ch <= 0)
      continue;
    const smallest = Math.min(...sizes.map(([w, h]) => w * h * Math.min(cw / w, ch / h) ** 2));
    if (!best || smallest > best.smallest)
      best = { cols, rows, cw, ch, smallest };
  }
  if (!best)
    return sizes.map(() => ({ x: 0, y: 0, w: 0, h: 0 }));
  const { cols, rows, cw, ch } = best;
  const top = (H - rows * ch - (rows + 1) * GAP) / 2;
  return sizes.map(([w, h], i) => {
    const row = Math.floor(i / cols), col = i % cols;
    const inRow = Math.min(cols, n - row * cols);
    const left = (W - inRow * cw - (inRow + 1) * GAP) / 2;
    const s = Math.min(cw / w, ch / h);
    const fw = w * s, fh = h * s;
    return { x: left + GAP + col * (cw + GAP) + (cw - fw) / 2,
             y: top + GAP + row * (ch + GAP) + (ch - fh) / 2, w: fw, h: fh };
  });
}

function place(frame, r) {
  Object.assign(frame.style, { left: `${Math.round(r.x)}px`, top: `${Math.round(r.y)}px`,
                               width: `${Math.round(r.w)}px`, height: `${Math.round(r.h)}px` });
}

export function layout() {
  const shown = shownTiles();
  // Daemons without cameras keep a place in the grid, to say why.
  const holders = singleTile ? [] : sources.filter((s) => s.placeholder).map((s) => s.placeholder);
  const all = [...shown, ...holders];
  const W = ui.grid.clientWidth, H = ui.grid.clientHeight;
  const rects = gridLayout(all.map((t) => [t.cam.width, t.cam.height]), W, H);
  const dpr = window.devicePixelRatio || 1;
  ui.grid.classList.toggle("single", singleTile !== null);
  for (const t of tiles)
    t.frame.hidden = !shown.includes(t);
  for (const s of sources)
    if (s.placeholder)
      s.placeholder.frame.hidden = !holders.includes(s.placeholder);
  all.forEach((t, i) => {
    const r = rects[i];
    place(t.frame, r);
    if (!t.canvas)
      return; // a placeholder
    const bw = Math.max(1, Math.round(r.w * dpr)), bh = Math.max(1, Math.round(r.h * dpr));
    if (t.canvas.width !== bw || t.canvas.height !== bh) {
      t.canvas.width = bw; // clears the canvas: draw the shown frame again
      t.canvas.height = bh;
      if (t.shown)
        paint(t, t.shown.bitmap);
    }
  });
  syncVariantSoon();
  updateOverlays();
}
