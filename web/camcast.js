/* CameraCast page: every camera of one or more camcastd streams, live
 * (docs/browser.md).
 *
 *   WebSocket per daemon     hello -> tiles; each FrameBundle parsed
 *   (this thread)            (framebundle.js) and its entries put in a
 *      │                     one-slot mailbox per tile: newest wins
 *      ▼
 *   decode-worker.js         one job at a time, the tiles of every daemon:
 *      │                     JPEG -> ImageBitmap, scaled to the tile's size
 *      ▼
 *   requestAnimationFrame    the newest bitmap of each tile drawn on its canvas
 *
 * Nothing queues: while a job decodes, a newer entry replaces the one
 * waiting in its tile's slot (counted as a page drop), and a decoded frame
 * not yet drawn is replaced by a newer one the same way.
 *
 * The page's own daemon is the first "source"; ?add=ws://... (and the
 * daemons list in the bar) adds others. Each source has its own
 * connection, reconnection, hello, subscription, variant and clock offset;
 * their tiles share one grid, one decoder and the keys.
 *
 * ES modules, one per job, loaded as they are (no build step):
 *   camcast.js       this: starts the page, the refresh 4 times a second
 *   sources.js       the daemons of the page, their URLs
 *   connection.js    one WebSocket per source: reconnection, messages, hello
 *   hello.js         the hello, checked (pure)
 *   subscription.js  what each connection asks for: cameras, rate, variant
 *   clock.js         the clock offset of each daemon (ping/pong)
 *   grid.js          tiles and their grid
 *   decode.js        bundles -> decode worker -> canvases
 *   overlays.js      tile overlays and banners, the status bar, errors
 *   daemons.js       the daemons list (bar) and ?add=
 *   keys.js          keys, pause, full screen, save, a hidden tab
 *   control.js       camera control on the wire: features, sets, levels
 *   panel.js         the settings panel of one camera: features, levels, snapshot
 *   fields.js        one feature's controls in the panel (slider, field, toggle, ...)
 *   diagnostics.js   window.camcastStats
 *   sync.js          sync groups on the tiles: "sync 0.08 ms", NOT ALIGNED
 *   util.js          elements, token, clocks, text helpers, counters
 * framebundle.js (a classic script: CamcastFB) and decode-worker.js are
 * shared with the worker's side. Modules import each other in cycles (the
 * connection calls the grid, the grid the subscription, ...): each only
 * declares at its top level, and runs when main() below starts it.
 */

import { startWorker } from "./decode.js";
import { addFromUrl, renderDaemons, startDaemons, updateDaemons } from "./daemons.js";
import { startDiagnostics } from "./diagnostics.js";
import { connect } from "./connection.js";
import { layout } from "./grid.js";
import { startKeys } from "./keys.js";
import { updateBar, updateOverlays } from "./overlays.js";
import { panelTick, startPanel } from "./panel.js";
import { makeSource, ownUrl, sources } from "./sources.js";
import { ui } from "./util.js";

const TICK_MS = 250;             // overlays, the bar and the daemons list: 4 times a second

function tick() {
  updateBar();
  updateOverlays();
  updateDaemons();
  panelTick();
}

function main() {
  startDiagnostics();
  startWorker();
  startKeys();
  new ResizeObserver(layout).observe(ui.grid);
  startDaemons();
  startPanel();
  setInterval(tick, TICK_MS);
  const own = makeSource(ownUrl(), true);
  sources.push(own);
  connect(own);
  addFromUrl();
  renderDaemons();
}

main();
