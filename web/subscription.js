/* What each connection asks its daemon for: cameras, rate, variant, a
 * flow-control window, and levels while the settings panel shows one of
 * its cameras
 * (docs/browser.md, "Rate and variants"). */

import { send } from "./connection.js";
import { shownTiles, singleTile } from "./grid.js";
import { hidden } from "./keys.js";
import { wantsLevels } from "./panel.js";
import { sources } from "./sources.js";
import { windowSize } from "./util.js";

const HIDDEN_MAX_FPS = 1;        // what a hidden tab asks the server for
const VARIANT_DEBOUNCE_MS = 300;

/* Sends what differs from what this connection asked for so far, one key
 * per message: a server that refuses one (1.0 does not know max_fps)
 * still takes the others. */
export function syncSubscription(src) {
  const c = src.conn;
  if (!c || !c.hello || !src.info)
    return;
  const cameras = src.tiles.filter((t) => t.enabled).map((t) => t.cam.index).join(",");
  if (cameras !== c.sent.cameras) {
    c.sent.cameras = cameras;
    send(c, { type: "subscribe", cameras: cameras ? cameras.split(",").map(Number) : [] });
  }
  const maxFps = hidden ? HIDDEN_MAX_FPS : 0;
  if (maxFps !== c.sent.maxFps && !c.noMaxFps) {
    c.sent.maxFps = maxFps;
    send(c, { type: "subscribe", max_fps: maxFps });
  }
  const variant = pickVariant(src);
  if (variant !== c.sent.variant && !c.noVariant) {
    c.sent.variant = variant;
    send(c, { type: "subscribe", variant });
  }
  const levels = wantsLevels(src); // the settings panel is open on one of its cameras
  if (levels !== c.sent.levels && !c.noLevels) {
    c.sent.levels = levels;
    send(c, { type: "subscribe", levels });
  }
  // Flow control, where the daemon offers it: bundles come no faster than
  // the decoder takes them, so what it draws is fresh (docs/browser.md).
  if (src.info.window && windowSize !== c.sent.window && !c.noWindow) {
    c.sent.window = windowSize;
    c.taken = [];
    send(c, { type: "subscribe", window: windowSize });
  }
}

export function syncAll() {
  for (const s of sources)
    syncSubscription(s);
}

/* The size of a camera's entries in variant v: the hello's variant_sizes
 * when it has them (exact: a server rounds to a fraction of the camera),
 * else what max_width implies; null when neither says. */
function variantSize(cam, v) {
  const exact = cam.variantSizes.get(v.name);
  if (exact)
    return exact;
  if (typeof v.max_width !== "number" || !(v.max_width > 0))
    return null;
  const width = Math.min(cam.width, v.max_width);
  return { width, height: Math.round((cam.height * width) / cam.width) };
}

/* This daemon's variant: the one with the fewest pixels whose entries are
 * at least as wide as each of its tiles on screen (in device pixels), or
 * as the camera when the tile is wider; "full" for its camera enlarged,
 * or when none is that wide. Tiles not on screen (another daemon's camera
 * enlarged) only need the smallest. */
function pickVariant(src) {
  const info = src.info;
  if (!info || !info.variants || (singleTile && singleTile.src === src))
    return "full";
  const onScreen = shownTiles().filter((t) => t.src === src);
  const judged = onScreen.length ? onScreen : src.tiles;
  let best = null, bestCost = Infinity;
  for (const v of info.variants) {
    if (v.name === "full")
      continue;
    let cost = 0;
    for (const t of judged) {
      const size = variantSize(t.cam, v);
      if (!size || (onScreen.length && size.width < Math.min(t.canvas.width, t.cam.width))) {
        cost = Infinity;
        break;
      }
      cost += size.width * size.height;
    }
    if (cost < bestCost) {
      best = v;
      bestCost = cost;
    }
  }
  return best ? best.name : "full";
}

let variantTimer = 0;
export function syncVariantSoon() {
  clearTimeout(variantTimer);
  variantTimer = setTimeout(syncAll, VARIANT_DEBOUNCE_MS);
}
