/* The settings panel: one camera's features, its levels and a snapshot
 * button, docked beside the grid (docs/browser.md, "Camera settings").
 * Opened from a tile's settings button or with C; Escape closes it and
 * gives the focus back. While it is open the page asks the camera's daemon
 * for levels (subscribe "levels": true), and only then.
 *
 * The controls are greyed out, with the reason above them, while the page
 * may not set (no operator right, the camera or its daemon offline); a
 * feature the camera locks (exposure while ExposureAuto is Continuous)
 * says why in its row. Values another operator sets move here as the
 * daemon announces them (feature messages, control.js).
 */

import { controlOf, hasControl, levelsOf, requestFeatures, setFeature } from "./control.js";
import { autoTarget, makeRow, settle } from "./fields.js";
import { tileFileName } from "./grid.js";
import { syncSubscription } from "./subscription.js";
import { $, QUERY, download, now, setText } from "./util.js";

const FEATURES_RETRY_MS = 3000;  // no features reply this long: ask again
const LEVELS_STALE_MS = 3000;    // no levels this long: say so
const BINS = 64;

const p = { panel: $("panel"), title: $("panel-title"), close: $("panel-close"),
            state: $("panel-state"), histogram: $("panel-histogram"),
            clipped: $("panel-clipped"), fieldset: $("panel-features"),
            rows: $("panel-rows"), snapshot: $("panel-snapshot"),
            snapmsg: $("panel-snapmsg") };

let tile = null;          // the tile whose settings are shown, or null: closed
let opener = null;        // what had the focus when the panel opened
let rows = new Map();     // feature name -> its row (fields.js)
let histogramsDrawn = 0;
let snapshots = 0;

export const panelTile = () => tile;

/* Whether src's connection should ask for levels. */
export function wantsLevels(src) {
  return tile !== null && tile.src === src;
}

export function togglePanel(t) {
  if (t && tile === t)
    closePanel();
  else
    openPanel(t);
}

export function openPanel(t) {
  if (!t || !hasControl(t.src) || !t.enabled)
    return;
  const was = tile;
  if (!was)
    opener = document.activeElement;
  else
    was.frame.classList.remove("tuned");
  tile = t;
  t.frame.classList.add("tuned");
  clearRows();
  setText(p.snapmsg, "");
  p.panel.hidden = false;
  sizeHistogram();
  requestFeatures(t.src, t.cam.index);
  render();
  drawLevels();
  if (was && was.src !== t.src)
    syncSubscription(was.src);
  syncSubscription(t.src);
  p.panel.focus();
}

export function closePanel() {
  if (!tile)
    return;
  const src = tile.src;
  tile.frame.classList.remove("tuned");
  tile = null;
  clearRows();
  p.panel.hidden = true;
  syncSubscription(src);
  if (opener && opener.isConnected && opener !== document.body)
    opener.focus();
  opener = null;
}

function clearRows() {
  rows = new Map();
  p.rows.replaceChildren();
}

/* The grid was rebuilt (a hello, a daemon removed) or a camera unticked:
 * the same camera's new tile, or the panel closes. */
export function panelTilesChanged() {
  if (!tile)
    return;
  if (tile.dead) {
    const again = tile.src.tiles.find((t) => t.cam.name === tile.cam.name);
    if (!again || !again.enabled || !hasControl(again.src)) {
      closePanel();
      return;
    }
    tile.frame.classList.remove("tuned");
    tile = again;
    tile.frame.classList.add("tuned");
    clearRows();
    requestFeatures(tile.src, tile.cam.index);
  } else if (!tile.enabled) {
    closePanel();
    return;
  }
  render();
}

/* ---- What the panel shows ---- */

/* Whether the page may set now, and what to say about it. */
function panelState(src, cam) {
  const c = src.conn;
  if (!c || !c.hello)
    return { text: "daemon offline: no settings until it is back", disabled: true };
  if (!cam)
    return { text: "asking the camera for its settings…", disabled: true };
  if (!cam.online)
    return { text: "camera offline: its settings come back with it", disabled: true };
  if (!cam.operator) {
    const why = src.noRight || (src.own
      ? "changing settings needs the operator right: open this page with the control " +
        "token (?token=…)"
      : "changing settings needs the operator right: add this daemon with its control " +
        "token in its URL");
    return { text: `view only: ${why}`, disabled: true };
  }
  return { text: "operator: changes apply live, for every viewer", disabled: false };
}

function render() {
  if (!tile)
    return;
  const src = tile.src;
  const cam = controlOf(src, tile.cam.index);
  const st = panelState(src, cam);
  setText(p.title, `settings: ${tile.label}`);
  const general = cam ? cam.errors.get("") : "";
  setText(p.state, general ? `${st.text}. ${general}` : st.text);
  p.state.classList.toggle("bad", st.disabled);
  p.fieldset.disabled = st.disabled;
  p.panel.classList.toggle("view-only", st.disabled);
  renderRows(cam, st);
}

function renderRows(cam, st) {
  if (!cam) {
    clearRows();
    return;
  }
  const names = cam.order;
  const autos = new Map(); // feature name -> the Auto feature toggling it
  const folded = new Set();
  for (const n of names) {
    const target = autoTarget(cam.features.get(n), names);
    if (target && !autos.has(target)) {
      autos.set(target, cam.features.get(n));
      folded.add(n);
    }
  }
  const shown = names.filter((n) => !folded.has(n));
  if ([...rows.keys()].join("\n") !== shown.join("\n")) {
    clearRows();
    for (const n of shown)
      addRow(cam, n, autos.get(n) || null);
  }
  for (const n of shown) {
    const auto = autos.get(n) || null;
    const error = cam.errors.get(n) || (auto && cam.errors.get(auto.name)) || "";
    if (!rows.get(n).update(cam.features.get(n), auto, { disabled: st.disabled, error })) {
      const old = rows.get(n).el;
      addRow(cam, n, auto);
      old.replaceWith(rows.get(n).el);
      rows.get(n).update(cam.features.get(n), auto, { disabled: st.disabled, error });
    }
  }
}

function addRow(cam, name, auto) {
  const t = tile;
  const row = makeRow(cam.features.get(name), auto,
                      (feature, value) => setFeature(t.src, t.cam.index, feature, value));
  rows.set(name, row);
  p.rows.appendChild(row.el);
}

/* control.js heard something about camera index of src. */
export function onControlChange(src, index, what) {
  if (!tile || tile.src !== src || tile.cam.index !== index)
    return;
  if (what === "levels")
    drawLevels();
  else
    render();
}

/* ---- Levels: the histogram and the clipped shares ---- */

function sizeHistogram() {
  const dpr = window.devicePixelRatio || 1;
  const w = Math.max(BINS, Math.round(p.histogram.clientWidth * dpr));
  const h = Math.max(16, Math.round(p.histogram.clientHeight * dpr));
  if (p.histogram.width !== w || p.histogram.height !== h) {
    p.histogram.width = w;
    p.histogram.height = h;
  }
}

function percent(share) {
  const v = share * 100;
  return `${v > 0 && v < 0.1 ? v.toFixed(3) : v.toFixed(1)} %`;
}

/* Bars of the 64 bins, scaled to the largest of the inner ones (an image
 * mostly clipped still shows the rest of its pixels; an end bin taller
 * than that is cut at the top); the end bins coloured when pixels clip
 * there (black: blue, white: red). */
function drawLevels() {
  if (!tile)
    return;
  const lv = levelsOf(tile.src, tile.cam.index);
  const g = p.histogram.getContext("2d");
  const W = p.histogram.width, H = p.histogram.height;
  g.fillStyle = "#181818";
  g.fillRect(0, 0, W, H);
  if (!lv) {
    setText(p.clipped, "levels: waiting…");
    p.histogram.setAttribute("aria-label", "luminance histogram: no levels yet");
    return;
  }
  const top = Math.max(1, ...lv.histogram.slice(1, BINS - 1));
  const bw = W / BINS;
  lv.histogram.forEach((n, i) => {
    const h = n > 0 ? Math.min(H, Math.max(1, Math.round((H * n) / top))) : 0;
    g.fillStyle = i === 0 && lv.clippedLow > 0 ? "#4a90e2"
      : i === BINS - 1 && lv.clippedHigh > 0 ? "#e5534b" : "#c8c8c8";
    g.fillRect(Math.floor(i * bw), H - h, Math.max(1, Math.floor(bw) - 1), h);
  });
  histogramsDrawn++;
  const text = `clipped: ${percent(lv.clippedLow)} black, ${percent(lv.clippedHigh)} white`;
  setText(p.clipped, text);
  p.clipped.classList.toggle("bad", lv.clippedHigh > 0.01 || lv.clippedLow > 0.01);
  p.histogram.setAttribute("aria-label", `luminance histogram; ${text}`);
}

/* ---- Snapshot: the camera's newest frame, full size (HTTP) ---- */

/* The page's own daemon: fetched with the page's token and saved. Another
 * daemon: the page may not fetch from it (its Content-Security-Policy, and
 * that daemon sends no CORS headers), so the JPEG opens in a new tab, with
 * the token of that daemon's URL. */
async function snapshot() {
  const t = tile;
  if (!t)
    return;
  const path = `api/cameras/${encodeURIComponent(t.cam.name)}/snapshot.jpg`;
  if (!t.src.own) {
    const u = new URL(t.src.url);
    u.protocol = u.protocol === "wss:" ? "https:" : "http:";
    u.pathname = u.pathname.replace(/[^/]*$/, path);
    window.open(u.href, "_blank", "noopener,noreferrer");
    setText(p.snapmsg, "opened in a new tab");
    return;
  }
  p.snapshot.disabled = true;
  setText(p.snapmsg, "taking…");
  try {
    const r = await fetch(path + QUERY, { cache: "no-store" });
    if (!r.ok) {
      let why = `HTTP ${r.status}`;
      try {
        const body = await r.json();
        if (typeof body.error === "string")
          why += `: ${body.error.slice(0, 200)}`;
      } catch (e) { /* no JSON: the status says it */ }
      throw new Error(why);
    }
    const blob = await r.blob();
    const stamp = new Date().toISOString().replace(/[:.]/g, "-");
    const name = `camcast-${tileFileName(t)}-snapshot-${stamp}.jpg`;
    download(new Blob([blob], { type: "image/jpeg" }), name);
    snapshots++;
    setText(p.snapmsg, `saved ${name}`);
  } catch (e) {
    setText(p.snapmsg, `no snapshot: ${e.message}`);
  } finally {
    p.snapshot.disabled = false;
  }
}

/* ---- Upkeep, 4 times a second (camcast.js) ---- */

export function panelTick() {
  if (!tile)
    return;
  const src = tile.src, index = tile.cam.index;
  const cam = controlOf(src, index);
  const c = src.conn;
  if (c && c.hello) {
    const asked = src.control && src.control.get(index) ? src.control.get(index).askedAt : 0;
    // No reply yet, or the camera was offline and frames come again.
    if ((!cam && now() - asked > FEATURES_RETRY_MS) ||
        (cam && !cam.online && tile.lastEntryAt > asked))
      requestFeatures(src, index);
  }
  for (const row of rows.values())
    settle(row);
  render();
  const lv = levelsOf(src, index);
  if (lv && now() - lv.at > LEVELS_STALE_MS)
    setText(p.clipped, `levels: none for ${Math.floor((now() - lv.at) / 1000)} s`);
}

/* ---- camcastStats.panel ---- */

export function panelSnapshot() {
  if (!tile)
    return null;
  const src = tile.src;
  const cam = controlOf(src, tile.cam.index);
  const lv = levelsOf(src, tile.cam.index);
  const c = src.conn;
  return Object.freeze({
    camera: tile.cam.index, name: tile.cam.name, label: tile.label, source: src.label,
    loaded: !!cam, operator: !!(cam && cam.operator), online: !!(cam && cam.online),
    disabled: p.fieldset.disabled, reason: p.state.textContent,
    features: cam ? cam.order.map((n) => {
      const f = cam.features.get(n);
      return Object.freeze({ name: f.name, kind: f.kind, value: f.value, min: f.min,
                             max: f.max, inc: f.inc, unit: f.unit, writable: f.writable,
                             why: f.why });
    }) : [],
    errors: cam ? [...cam.errors].map(([feature, message]) => ({ feature, message })) : [],
    setsSent: cam ? cam.setsSent : 0,
    levels: lv ? Object.freeze({ frameId: lv.frameId, clippedLow: lv.clippedLow,
                                 clippedHigh: lv.clippedHigh, received: lv.count }) : null,
    levelsAsked: !!(c && c.sent && c.sent.levels),
    histogramsDrawn, snapshots,
  });
}

export function startPanel() {
  p.close.addEventListener("click", closePanel);
  p.snapshot.addEventListener("click", snapshot);
  p.fieldset.setAttribute("aria-describedby", p.state.id);
  new ResizeObserver(() => {
    if (tile) {
      sizeHistogram();
      drawLevels();
    }
  }).observe(p.histogram);
}
