/* CameraCast page: every camera of a camcastd stream, live (docs/browser.md).
 *
 *   WebSocket (this thread)  hello -> tiles; each FrameBundle parsed
 *      │                     (framebundle.js) and its entries put in a
 *      │                     one-slot mailbox per tile: newest wins
 *      ▼
 *   decode-worker.js         one job at a time: JPEG -> ImageBitmap, scaled
 *      │                     to the tile's size
 *      ▼
 *   requestAnimationFrame    the newest bitmap of each tile drawn on its canvas
 *
 * Nothing queues: while a job decodes, a newer entry replaces the one
 * waiting in its tile's slot (counted as a page drop), and a decoded frame
 * not yet drawn is replaced by a newer one the same way.
 */
"use strict";

/* ---- Settings ---- */

const RETRY_FIRST_MS = 500;      // as camcast-viewer: 0.5 s, doubling ...
const RETRY_MAX_MS = 5000;       // ... up to 5 s, reset by a hello
const STALE_MS = 2000;           // a camera without a frame this long is shown as such
const PING_COUNT = 5;            // clock samples per burst: the fastest round trip wins
const PING_GAP_MS = 100;
const PING_TIMEOUT_MS = 2000;
const CLOCK_REDO_MS = 30000;     // clocks drift: take a fresh burst this often
const CLOCK_GOOD_RTT_MS = 5;     // a burst with no faster round trip is retried soon:
const CLOCK_RETRY_MS = 2000;     //   a pong queued behind bundles is late, not wrong
const CLOCK_KEEP_MS = 120000;    // a better old sample beats a worse new one this long
const DECODE_TIMEOUT_MS = 5000;  // a decoder that takes longer is restarted
const ERROR_SHOWN_MS = 15000;    // the error banner stays this long after the last error
const HIDDEN_MAX_FPS = 1;        // what a hidden tab asks the server for
const MAX_TILES = 64;            // as camcast-viewer; a hello with more than 1024 is refused
const MAX_SIDE = 16384;          // entries claiming larger images are not decoded
const GAP = 4;                   // pixels between tiles
const VARIANT_DEBOUNCE_MS = 300;
const ECONOMY_SLACK = 1.15;      // economy: a tile may be up to 15% larger than its decode
const ECONOMY_SETTLE_JOBS = 30;  // jobs at a decode size before judging it
const ECONOMY_TRIAL_JOBS = 300;  // jobs in economy before trying the larger size again

const $ = (id) => document.getElementById(id);
const ui = { bar: $("bar"), state: $("state"), counts: $("counts"), choice: $("choice"),
             grid: $("grid"), error: $("error") };

/* The token the page was opened with goes on to the stream, the worker and
 * the probe: a browser cannot put it in a header on a WebSocket. */
const TOKEN = new URLSearchParams(location.search).get("token");
const QUERY = TOKEN === null ? "" : "?token=" + encodeURIComponent(TOKEN);

/* ---- State ---- */

const stats = {
  connects: 0, bundlesReceived: 0, bundlesDrawn: 0, bundlesDropped: 0,
  framesDrawn: 0, framesDropped: 0, malformed: 0, badHellos: 0, undecodable: 0,
  ignoredEntries: 0, skipped: 0, lastError: null,
  decodeMs: null, jobMs: null, // per job, smoothed: in the worker, and posted -> back
  arrivalMs: null,              // mux -> received by the page, smoothed (server clock)
  pageMs: null,                 // received -> drawn, smoothed (page clock)
};
let conn = null;        // the current WebSocket attempt (see connect())
let session = null;     // from the latest hello: cameras, tiles
let sessionGen = 0;
let retryMs = RETRY_FIRST_MS;
let retryAt = 0;        // performance.now() of the next attempt, while offline
let state = { name: "connecting", text: "connecting…" };
let singleIndex = -1;   // position in session.tiles of the enlarged camera, or -1
let paused = false;
let hidden = document.hidden;
const unticked = new Set(); // camera names the user does not want, across hellos
const clock = { offsetMs: null, rttMs: null, at: 0 };
let errorUntil = 0;
let note = null;        // a short-lived status bar message (after S)
let offlineWhy = "";    // why the last connection ended

const now = () => performance.now();
/* The page's wall clock in epoch ms, at performance.now() precision. */
const epochNow = () => performance.timeOrigin + performance.now();

/* ---- Connection ---- */

function streamUrl() {
  const u = new URL("stream" + QUERY, location.href);
  u.protocol = location.protocol === "https:" ? "wss:" : "ws:";
  return u.href;
}

function setState(name, text) {
  state = { name, text };
  ui.state.className = "state " + name;
  ui.state.textContent = text;
  updateOverlays(); // the tiles' banners follow the connection at once
}

function connect() {
  retryAt = 0;
  setState("connecting", "connecting…");
  const c = { ws: null, opened: false, hello: false, why: null, lastSeq: null,
              sent: null, ping: null, pingTimer: 0, clockTimer: 0, bursts: 0 };
  conn = c;
  try {
    c.ws = new WebSocket(streamUrl());
  } catch (e) {
    c.why = String(e.message || e);
    setTimeout(() => onClose(c, { code: 1006, reason: "" }), 0);
    return;
  }
  c.ws.binaryType = "arraybuffer";
  c.ws.onopen = () => { if (conn === c) c.opened = true; };
  c.ws.onmessage = (ev) => { if (conn === c) onMessage(c, ev.data); };
  c.ws.onclose = (ev) => onClose(c, ev);
  c.ws.onerror = () => {}; // onclose follows, with what there is to say
}

/* Ends this connection from our side (a bad hello): the close event then
 * schedules the next attempt. Browsers only let a page send 1000 or 4xxx. */
function drop(c, why) {
  c.why = why;
  try { c.ws.close(4002, why.slice(0, 100)); } catch (e) { c.ws.close(); }
}

function onClose(c, ev) {
  if (conn !== c)
    return;
  clearTimeout(c.pingTimer);
  clearTimeout(c.clockTimer);
  conn = null;
  let why = c.why;
  if (!why && c.opened)
    why = `closed by the server, code ${ev.code}` + (ev.reason ? `: ${ev.reason}` : "");
  if (!why)
    why = "cannot connect";
  if (c.hello) {
    retryMs = RETRY_FIRST_MS; // it worked once: start again quickly
  } else if (!c.why) {
    // A 401 or 403 answer is invisible to a WebSocket: ask plain HTTP why.
    why = c.opened ? "closed by the server before the hello" : "no connection";
    probe(c);
  }
  offline(c, why);
}

/* Backoff with jitter: many pages reconnecting after a daemon restart must
 * not all arrive in the same millisecond. */
function offline(c, why) {
  const delay = retryMs * (0.5 + 0.5 * Math.random());
  if (!c.hello)
    retryMs = Math.min(retryMs * 2, RETRY_MAX_MS);
  retryAt = now() + delay;
  setTimeout(connect, delay);
  showOffline(why);
}

/* "closed (...)" when the server refuses this page, "offline (...)" for
 * everything that may go away by itself; with the time to the next try. */
function showOffline(why) {
  offlineWhy = why;
  const left = Math.max(0, retryAt - now()) / 1000;
  const name = why.startsWith("closed (") || why.startsWith("closed before") ? "closed"
                                                                             : "offline";
  setState(name, `${name === "closed" ? why : `offline (${why})`}, retry in ${left.toFixed(1)} s`);
  document.title = "CameraCast (offline)";
}

/* What plain HTTP says about this server and token, after a failure
 * before the hello: /stats answers 200 when the token is right. A plain
 * same-origin GET carries no Origin header, the WebSocket does: a 403 for
 * the origin shows only on the stream. */
async function probe(c) {
  let why;
  try {
    const r = await fetch("stats" + QUERY, { cache: "no-store" });
    if (r.status === 401)
      why = "closed (check the token): the server answers 401";
    else if (r.status === 403)
      why = "closed (refused: 403)";
    else if (r.status === 503)
      why = "server full (503)";
    else if (c.opened)
      return; // it answered the upgrade, then closed: keep what it said
    else
      why = "closed before the hello (check the token and allowed_origins)";
  } catch (e) {
    why = "cannot reach the server";
  }
  if (!conn && retryAt) {
    stats.lastError = why;
    showOffline(why);
  }
}

function send(c, msg) {
  if (c && c.ws.readyState === WebSocket.OPEN)
    c.ws.send(JSON.stringify(msg));
}

function onMessage(c, data) {
  if (typeof data === "string")
    onText(c, data);
  else
    onBundle(c, data);
}

function onText(c, text) {
  let msg;
  try {
    msg = JSON.parse(text);
  } catch (e) {
    msg = null;
  }
  if (!c.hello || (msg && msg.type === "hello")) {
    onHello(c, msg, text);
    return;
  }
  if (!msg || typeof msg !== "object")
    return; // not for us: clients ignore what they do not know
  if (msg.type === "pong")
    onPong(c, msg);
  else if (msg.type === "error")
    onServerError(c, String(msg.message));
}

/* The server says no to a control message. A 1.0 server does not know
 * max_fps or variant: stop asking, it keeps its previous settings. */
function onServerError(c, message) {
  stats.lastError = "server: " + message;
  if (/max_fps/.test(message))
    c.noMaxFps = true;
  else if (/variant/.test(message))
    c.noVariant = true;
  else
    showError("server: " + message);
}

/* ---- The hello ---- */

function isCount(v, max) {
  return Number.isInteger(v) && v >= 0 && v <= max;
}

/* The cameras of a hello, or a thrown reason. Keys we do not know are
 * ignored, as PROTOCOL.md asks. */
function readHello(msg) {
  if (!msg || typeof msg !== "object" || msg.type !== "hello")
    throw new Error("the first message is not a hello");
  if (msg.protocol !== 1)
    throw new Error(`protocol ${JSON.stringify(msg.protocol)}, this page speaks 1`);
  if (!Array.isArray(msg.cameras) || msg.cameras.length > 1024)
    throw new Error("no camera list (or more than 1024)");
  const seen = new Set();
  const cameras = msg.cameras.map((cam, i) => {
    if (!cam || typeof cam !== "object" || !isCount(cam.index, 65535) ||
        typeof cam.name !== "string" || !isCount(cam.width, MAX_SIDE) || cam.width === 0 ||
        !isCount(cam.height, MAX_SIDE) || cam.height === 0)
      throw new Error(`camera ${i}: needs index, name, width and height`);
    if (seen.has(cam.index))
      throw new Error(`camera ${i}: index ${cam.index} listed twice`);
    seen.add(cam.index);
    return {
      index: cam.index, name: cam.name, width: cam.width, height: cam.height,
      pixelFormat: typeof cam.pixel_format === "string" ? cam.pixel_format : "",
      grabFps: typeof cam.grab_fps === "number" ? cam.grab_fps : null,
      online: cam.online !== false,
    };
  });
  const variants = Array.isArray(msg.variants)
    ? msg.variants.filter((v) => v && typeof v.name === "string") : null;
  return {
    cameras,
    streamFps: typeof msg.stream_fps === "number" ? msg.stream_fps : null,
    server: typeof msg.server === "string" ? msg.server : "",
    variants: variants && variants.length ? variants : null,
  };
}

function onHello(c, msg, text) {
  let hello;
  try {
    hello = readHello(msg);
  } catch (e) {
    stats.badHellos++;
    const why = "bad hello: " + e.message;
    stats.lastError = why;
    showError(`${why} (${JSON.stringify(text.slice(0, 80))})`);
    drop(c, why);
    return;
  }
  if (!c.hello) {
    c.hello = true;
    stats.connects++;
    c.sent = { cameras: hello.cameras.map((cam) => cam.index).join(","), maxFps: 0,
               variant: "full" };
    clock.offsetMs = clock.rttMs = null; // perhaps another server, another clock
    startClock(c);
  } else {
    // A reload on the server (SIGHUP): new cameras, the same connection.
    // It keeps this client's settings, but for cameras it names anew.
    c.sent.cameras = null;
  }
  c.lastSeq = null;
  newSession(hello);
  const n = hello.cameras.length;
  setState("streaming", `streaming, ${n} camera${n === 1 ? "" : "s"}` +
           (hello.streamFps ? `, ${hello.streamFps} fps` : ""));
  document.title = "CameraCast";
  syncSubscription();
}

/* ---- Subscription: cameras, rate, variant ---- */

/* Sends what differs from what this connection asked for so far, one key
 * per message: a server that refuses one (1.0 does not know max_fps)
 * still takes the others. */
function syncSubscription() {
  const c = conn;
  if (!c || !c.hello || !session)
    return;
  const cameras = session.tiles.filter((t) => t.enabled).map((t) => t.cam.index).join(",");
  if (cameras !== c.sent.cameras) {
    c.sent.cameras = cameras;
    send(c, { type: "subscribe", cameras: cameras ? cameras.split(",").map(Number) : [] });
  }
  const maxFps = hidden ? HIDDEN_MAX_FPS : 0;
  if (maxFps !== c.sent.maxFps && !c.noMaxFps) {
    c.sent.maxFps = maxFps;
    send(c, { type: "subscribe", max_fps: maxFps });
  }
  const variant = pickVariant();
  if (variant !== c.sent.variant && !c.noVariant) {
    c.sent.variant = variant;
    send(c, { type: "subscribe", variant });
  }
}

/* The smallest variant at least as wide as the widest tile on screen, in
 * device pixels; "full" for an enlarged camera or when none is that wide. */
function pickVariant() {
  if (!session || !session.variants || singleIndex >= 0)
    return "full";
  const need = Math.max(0, ...shownTiles().map((t) => t.canvas.width));
  let best = null;
  for (const v of session.variants)
    if (typeof v.max_width === "number" && v.max_width >= need &&
        (!best || v.max_width < best.max_width))
      best = v;
  return best ? best.name : "full";
}

let variantTimer = 0;
function syncVariantSoon() {
  clearTimeout(variantTimer);
  variantTimer = setTimeout(syncSubscription, VARIANT_DEBOUNCE_MS);
}

/* ---- Clock offset (server - page), from ping/pong ---- */

/* A burst of pings, one at a time; the sample with the shortest round trip
 * bounds the error best (by half its round trip). */
function startClock(c) {
  c.burst = { left: PING_COUNT, best: null };
  sendPing(c);
}

function sendPing(c) {
  if (conn !== c)
    return;
  c.ping = epochNow();
  send(c, { type: "ping" });
  c.pingTimer = setTimeout(() => pingDone(c, null), PING_TIMEOUT_MS);
}

function onPong(c, msg) {
  if (c.ping === null || typeof msg.time_ns !== "number")
    return;
  const t1 = epochNow();
  const sample = { rtt: t1 - c.ping, offset: msg.time_ns / 1e6 - (c.ping + t1) / 2 };
  clearTimeout(c.pingTimer);
  pingDone(c, sample);
}

function adoptClock(sample) {
  Object.assign(clock, { offsetMs: sample.offset, rttMs: sample.rtt, at: now() });
}

function pingDone(c, sample) {
  c.ping = null;
  const b = c.burst;
  if (sample && (!b.best || sample.rtt < b.best.rtt))
    b.best = sample;
  if (b.best && clock.offsetMs === null)
    adoptClock(b.best); // the first figure at once
  if (--b.left > 0) {
    c.pingTimer = setTimeout(() => sendPing(c), PING_GAP_MS);
    return;
  }
  // A pong may wait behind bundles on its way: the uncertainty is half the
  // round trip. Keep the best sample, unless it is old (clocks drift).
  if (b.best && (b.best.rtt <= clock.rttMs || now() - clock.at > CLOCK_KEEP_MS))
    adoptClock(b.best);
  // Soon again while no good sample came (10 times: a far server is slow).
  const poor = clock.rttMs === null || clock.rttMs > CLOCK_GOOD_RTT_MS;
  const again = poor && ++c.bursts < 10 ? CLOCK_RETRY_MS : CLOCK_REDO_MS;
  c.clockTimer = setTimeout(() => startClock(c), again);
}

/* ---- Tiles ---- */

function newSession(hello) {
  if (session)
    for (const t of session.tiles)
      clearTile(t);
  sessionGen++;
  const cams = hello.cameras.slice(0, MAX_TILES);
  session = { gen: sessionGen, hello, variants: hello.variants, tiles: [],
              byIndex: new Map() };
  ui.grid.replaceChildren();
  ui.choice.replaceChildren();
  cams.forEach((cam, i) => {
    const t = makeTile(cam, i);
    session.tiles.push(t);
    session.byIndex.set(cam.index, t);
  });
  if (singleIndex >= session.tiles.length)
    singleIndex = -1;
  layout();
}

function el(tag, cls, parent) {
  const e = document.createElement(tag);
  if (cls)
    e.className = cls;
  if (parent)
    parent.appendChild(e);
  return e;
}

function makeTile(cam, pos) {
  const t = {
    cam, pos, key: pos + 1, enabled: !unticked.has(cam.name),
    pending: null, next: null, shown: null,
    entries: 0, framesDrawn: 0, serverDropped: 0, pageDropped: 0, undecodable: 0,
    fpsCount: 0, fpsStart: now(), fps: 0, latencyMs: null, latencyShown: null, lastEntryAt: 0,
    since: now(), jpegBytes: 0, imgW: 0, imgH: 0, frameId: null, scale: 8,
  };
  t.frame = el("div", "frame", ui.grid);
  t.canvas = el("canvas", null, t.frame);
  t.canvas.width = t.canvas.height = 1;
  t.ctx = t.canvas.getContext("2d", { alpha: false });
  t.overlay = el("div", "overlay", t.frame);
  t.lines = [el("div", "name", t.overlay), el("div", null, t.overlay),
             el("div", null, t.overlay)];
  t.banner = el("div", "banner", t.frame);
  t.frame.addEventListener("click", () => showSingle(singleIndex === pos ? -1 : pos));

  const label = el("label", null, ui.choice);
  t.checkbox = el("input", null, label);
  t.checkbox.type = "checkbox";
  t.checkbox.checked = t.enabled;
  label.append(`${t.key} ${cam.name}`);
  t.checkbox.addEventListener("change", () => setEnabled(t, t.checkbox.checked));
  return t;
}

/* Drops everything a tile holds (a new hello, an unticked camera). */
function clearTile(t) {
  if (t.pending)
    release(t.pending.rec, false);
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
    unticked.delete(t.cam.name);
  } else {
    unticked.add(t.cam.name);
    clearTile(t);
    if (singleIndex === t.pos)
      singleIndex = -1;
  }
  layout();
  syncSubscription();
}

/* The tiles on screen now: ticked, and the enlarged one alone if any. */
function shownTiles() {
  if (!session)
    return [];
  if (singleIndex >= 0)
    return [session.tiles[singleIndex]];
  return session.tiles.filter((t) => t.enabled);
}

function showSingle(pos) {
  if (!session || (pos >= 0 && !(pos < session.tiles.length && session.tiles[pos].enabled)))
    return;
  singleIndex = pos;
  // The others stay subscribed (switching back is instant) but are not decoded.
  for (const t of session.tiles)
    if (pos >= 0 && t.pos !== pos && t.pending) {
      release(t.pending.rec, false);
      t.pending = null;
    }
  layout();
  syncSubscription();
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

function layout() {
  if (!session)
    return;
  const shown = shownTiles();
  const W = ui.grid.clientWidth, H = ui.grid.clientHeight;
  const rects = gridLayout(shown.map((t) => [t.cam.width, t.cam.height]), W, H);
  const dpr = window.devicePixelRatio || 1;
  ui.grid.classList.toggle("single", singleIndex >= 0);
  for (const t of session.tiles)
    t.frame.hidden = !shown.includes(t);
  shown.forEach((t, i) => {
    const r = rects[i];
    Object.assign(t.frame.style, { left: `${Math.round(r.x)}px`, top: `${Math.round(r.y)}px`,
                                   width: `${Math.round(r.w)}px`, height: `${Math.round(r.h)}px` });
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

/* ---- Bundles ---- */

/* Each bundle's bookkeeping: drawn once one of its frames is, dropped once
 * all were replaced before they could be. */
function release(rec, dropped) {
  if (--rec.live === 0 && !rec.drawn && dropped)
    stats.bundlesDropped++;
}

function decoding() {
  return !paused && !hidden;
}

function onBundle(c, buffer) {
  if (!c.hello)
    return; // a bundle before the hello: nothing to show it in
  let b;
  try {
    b = CamcastFB.parse(buffer, session.hello.cameras.length);
  } catch (e) {
    stats.malformed++;
    const why = `malformed bundle (${e.code || "?"}): ${e.message}`;
    stats.lastError = why;
    showError(`${why} (${stats.malformed} so far)`);
    return;
  }
  stats.bundlesReceived++;
  // A jump in bundle_seq: the server skipped this page; not counted while
  // we asked for fewer bundles (max_fps), which makes jumps by design.
  if (c.lastSeq !== null && b.seq > c.lastSeq + 1 && c.sent.maxFps === 0)
    stats.skipped += b.seq - c.lastSeq - 1;
  c.lastSeq = b.seq;
  const received = epochNow();
  if (clock.offsetMs !== null)
    stats.arrivalMs = smooth(stats.arrivalMs, received + clock.offsetMs - b.muxMs);
  const rec = { live: 0, drawn: false, received };
  const shown = shownTiles();
  for (const e of b.entries)
    takeEntry(e, buffer, rec, shown);
  pump();
}

function takeEntry(e, buffer, rec, shown) {
  const t = session.byIndex.get(e.camera);
  if (!t || e.codec !== CamcastFB.CODEC_JPEG || !e.width || !e.height ||
      e.width > MAX_SIDE || e.height > MAX_SIDE) {
    stats.ignoredEntries++; // a camera or codec we do not know, as the viewer does
    return;
  }
  t.entries++;
  t.serverDropped += e.dropped;
  t.lastEntryAt = now();
  if (!decoding() || !shown.includes(t))
    return;
  if (t.pending) {
    t.pageDropped++;
    stats.framesDropped++;
    release(t.pending.rec, true);
  }
  rec.live++;
  t.pending = { rec, buffer, entry: e };
}

/* ---- Decoding (decode-worker.js) ---- */

let worker = null;
let workerStarted = 0;
let job = null;       // the job the worker has, or null
let jobSeq = 0;

function startWorker() {
  workerStarted = now();
  worker = new Worker("decode-worker.js" + QUERY);
  worker.onmessage = (ev) => onDecoded(ev.data);
  worker.onerror = (ev) => restartWorker("decoder failed: " + (ev.message || "error"));
  pump();
}

/* A decoder that fails or hangs is replaced and the page goes on; not
 * more often than every 2 s, so that one whose script cannot even load
 * does not spin. */
function restartWorker(why) {
  stats.lastError = why;
  showError(why);
  worker.terminate();
  worker = null;
  if (job) {
    clearTimeout(job.timer);
    for (const it of job.items)
      release(it.rec, true);
    job = null;
  }
  setTimeout(startWorker, Math.max(0, workerStarted + 2000 - now()));
}

/* Gives the worker the waiting frames of the tiles on screen, unless it is
 * busy: then they wait in their slots and newer ones replace them. */
function pump() {
  if (job || !worker || !session || !decoding())
    return;
  const items = [], buffers = [];
  for (const t of shownTiles()) {
    if (!t.pending)
      continue;
    const { rec, buffer, entry } = t.pending;
    t.pending = null;
    let buf = buffers.indexOf(buffer);
    if (buf < 0)
      buf = buffers.push(buffer) - 1;
    // Scaled in the worker to the canvas, when that is smaller.
    const scale = t.canvas.width < entry.width && t.canvas.height < entry.height;
    items.push({ tile: t, rec, entry, msg: {
      camera: entry.camera, buf, offset: entry.offset, size: entry.size,
      imageWidth: entry.width, imageHeight: entry.height,
      width: scale ? t.canvas.width : 0, height: scale ? t.canvas.height : 0,
      slack: economy.on ? ECONOMY_SLACK : 1 } });
  }
  if (!items.length)
    return;
  job = { id: ++jobSeq, gen: session.gen, items, posted: now() };
  job.timer = setTimeout(() => restartWorker("decoder did not answer: restarted"),
                         DECODE_TIMEOUT_MS);
  worker.postMessage({ job: job.id, buffers, items: items.map((it) => it.msg) }, buffers);
}

/* Economy: when jobs take longer than a stream tick, the page cannot draw
 * every bundle. It then decodes one n/8 step smaller where the tile is at
 * most 15% larger than that (3/8 -> 2/8 for 1920-pixel cameras in
 * 542-pixel tiles: about half the decoding), and tries the larger size
 * again every 10 s: on a machine shared with other work a job's time
 * follows the load more than the decode size, so only a trial tells. */
const economy = { on: false, jobs: 0, ms: null };
function adaptDecodeSize(ms) {
  const tick = 1000 / ((session && session.hello.streamFps) || 30);
  economy.ms = smooth(economy.ms, ms);
  economy.jobs++;
  const flip = economy.on ? economy.jobs >= ECONOMY_TRIAL_JOBS
                          : economy.jobs >= ECONOMY_SETTLE_JOBS && economy.ms > tick;
  if (flip)
    Object.assign(economy, { on: !economy.on, jobs: 0, ms: null });
}

/* A smoothed figure (about the last 16 values). */
function smooth(old, v) {
  return old === null ? v : old + (v - old) / 16;
}

function onDecoded({ job: id, buffers, results, ms }) {
  if (!job || id !== job.id) { // from a worker restarted since
    results.forEach((r) => r.bitmap && r.bitmap.close());
    return;
  }
  const done = job;
  job = null;
  clearTimeout(done.timer);
  stats.decodeMs = smooth(stats.decodeMs, ms);
  stats.jobMs = smooth(stats.jobMs, now() - done.posted);
  adaptDecodeSize(now() - done.posted);
  results.forEach((r, i) => {
    const it = done.items[i];
    if (done.gen !== sessionGen || !it.tile.enabled) {
      if (r.bitmap)
        r.bitmap.close();
      return;
    }
    const t = it.tile;
    if (r.error) {
      t.undecodable++;
      stats.undecodable++;
      stats.lastError = `${t.cam.name}: JPEG not decodable (${r.error})`;
      release(it.rec, false);
      return;
    }
    if (t.next) { // decoded but not drawn yet: the newer one wins
      t.next.bitmap.close();
      t.pageDropped++;
      stats.framesDropped++;
      release(t.next.rec, true);
    }
    t.next = { bitmap: r.bitmap, rec: it.rec, entry: it.entry, buffer: buffers[it.msg.buf],
               scale: r.scale };
  });
  requestDraw();
  pump();
}

/* ---- Drawing ---- */

let drawRequested = false;
function requestDraw() {
  if (!drawRequested) {
    drawRequested = true;
    requestAnimationFrame(draw);
  }
}

function draw() {
  drawRequested = false;
  if (!session || paused)
    return; // paused: the tiles keep their frame; next waits for resume
  const at = epochNow();
  for (const t of session.tiles) {
    if (!t.next)
      continue;
    const f = t.next;
    t.next = null;
    paint(t, f.bitmap);
    if (t.shown)
      t.shown.bitmap.close();
    t.shown = f;
    frameDrawn(t, f, at);
  }
}

/* The worker's bitmap is at most twice the canvas (a JPEG decoded at n/8),
 * where bilinear is fine; a larger reduction needs a better filter. */
function paint(t, bitmap) {
  t.ctx.imageSmoothingQuality = bitmap.width > 2 * t.canvas.width ? "medium" : "low";
  t.ctx.drawImage(bitmap, 0, 0, t.canvas.width, t.canvas.height);
}

function frameDrawn(t, f, at) {
  t.framesDrawn++;
  t.fpsCount++;
  stats.framesDrawn++;
  t.imgW = f.entry.width;
  t.imgH = f.entry.height;
  t.jpegBytes = f.entry.size;
  t.frameId = f.entry.frameId;
  t.scale = f.scale;
  if (clock.offsetMs !== null) {
    t.latencyMs = at + clock.offsetMs - f.entry.captureMs;
    t.latencyShown = smooth(t.latencyShown, t.latencyMs); // the overlay's: steadier
  }
  if (!f.rec.drawn) {
    f.rec.drawn = true;
    stats.bundlesDrawn++;
    stats.pageMs = smooth(stats.pageMs, at - f.rec.received);
  }
  f.rec.live--;
}

/* ---- Overlays, tile states, the status bar ---- */

function setText(node, text) {
  if (node.textContent !== text)
    node.textContent = text;
}

function fmt(v, digits) {
  return v === null || !Number.isFinite(v) ? "–" : v.toFixed(digits);
}

function updateFps(t, at) {
  const span = at - t.fpsStart;
  if (span >= 1000) {
    t.fps = (t.fpsCount * 1000) / span;
    t.fpsCount = 0;
    t.fpsStart = at;
  }
}

/* What is wrong with a tile, or "" when it is live. */
function tileBanner(t, at) {
  if (!conn || !conn.hello)
    return "offline";
  if (!t.cam.online)
    return "offline (camera)";
  if (!t.lastEntryAt)
    return at - t.since < STALE_MS ? "waiting for frames" : "no frames";
  const age = at - t.lastEntryAt;
  return age > STALE_MS ? `no frames for ${Math.floor(age / 1000)} s` : "";
}

function updateOverlays() {
  if (!session)
    return;
  const at = now();
  const fps = session.hello.streamFps;
  for (const t of session.tiles) {
    updateFps(t, at);
    const c = t.cam;
    const sent = t.imgW && (t.imgW !== c.width || t.imgH !== c.height)
      ? ` (sent ${t.imgW}x${t.imgH})` : "";
    const scaled = t.scale < 8 ? ` (decoded ${t.scale}/8)` : "";
    setText(t.lines[0], `${t.key} ${c.name}  ${c.width}x${c.height} ${c.pixelFormat}` +
            sent + scaled);
    setText(t.lines[1], `${fmt(t.fps, 1)} fps` + (fps ? ` of ${fps}` : "") +
            `  grab ${fmt(c.grabFps, 0)} fps  latency ${fmt(t.latencyShown, 1)} ms`);
    setText(t.lines[2], `dropped ${t.serverDropped + t.pageDropped} (page ${t.pageDropped})` +
            `  JPEG ${fmt(t.jpegBytes / 1024, 1)} kB`);
    const banner = tileBanner(t, at);
    setText(t.banner, banner);
    t.banner.hidden = !banner;
    t.frame.classList.toggle("dim", banner !== "");
  }
}

function updateBar() {
  const at = now();
  if (!conn && retryAt)
    showOffline(offlineWhy); // the countdown
  const parts = [];
  if (stats.malformed)
    parts.push(`${stats.malformed} malformed`);
  if (stats.undecodable)
    parts.push(`${stats.undecodable} undecodable`);
  if (stats.skipped)
    parts.push(`${stats.skipped} bundles skipped`);
  if (clock.rttMs !== null && conn && conn.hello)
    parts.push(`clock ±${fmt(clock.rttMs / 2, 1)} ms`);
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

function showError(text) {
  ui.error.textContent = text;
  ui.error.hidden = false;
  errorUntil = now() + ERROR_SHOWN_MS;
}

function tick() {
  updateOverlays();
  updateBar();
}

/* ---- Keys, pause, full screen, save ---- */

function onKey(ev) {
  if (ev.ctrlKey || ev.metaKey || ev.altKey)
    return;
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
    a.download = `camcast-${t.cam.name.replace(/[^A-Za-z0-9_.-]/g, "_")}-${f.entry.frameId}.jpg`;
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60000);
    names.push(a.download);
  }
  note = { text: names.length ? `saved ${names.join(", ")}` : "nothing to save",
           until: now() + 4000 };
  updateBar();
}

/* Paused or hidden: what waits for the decoder is not wanted any more. */
function dropPending() {
  for (const t of session ? session.tiles : [])
    if (t.pending) {
      release(t.pending.rec, false);
      t.pending = null;
    }
}

/* ---- A hidden tab: no decoding, and ask the server for less ---- */

function onVisibility() {
  hidden = document.hidden;
  if (hidden)
    dropPending();
  syncSubscription();
  if (!hidden) {
    pump();
    requestDraw();
  }
}

/* ---- Diagnostics for tests and the curious: window.camcastStats ---- */

function snapshot() {
  const at = now();
  return Object.freeze({
    state: state.name,
    stateText: state.text,
    ...stats,
    paused,
    hidden,
    view: singleIndex >= 0 ? session.tiles[singleIndex].cam.index : "grid",
    subscribed: conn && conn.sent ? Object.freeze({ ...conn.sent }) : null,
    clockOffsetMs: clock.offsetMs,
    clockRttMs: clock.rttMs,
    decoding: job !== null,
    economy: economy.on,
    cameras: session ? session.tiles.map((t) => {
      updateFps(t, at);
      return Object.freeze({
        index: t.cam.index, name: t.cam.name, width: t.cam.width, height: t.cam.height,
        enabled: t.enabled, shown: shownTiles().includes(t),
        entries: t.entries, framesDrawn: t.framesDrawn, fps: t.fps,
        grabFps: t.cam.grabFps, latencyMs: t.latencyMs,
        dropped: t.serverDropped + t.pageDropped, serverDropped: t.serverDropped,
        pageDropped: t.pageDropped, undecodable: t.undecodable, jpegBytes: t.jpegBytes,
        frameId: t.frameId, imageWidth: t.imgW, imageHeight: t.imgH, decodedEighths: t.scale,
        canvasWidth: t.canvas.width, canvasHeight: t.canvas.height,
      });
    }) : [],
  });
}

/* ---- Start ---- */

function main() {
  Object.defineProperty(window, "camcastStats", { get: snapshot, enumerable: true });
  startWorker();
  window.addEventListener("keydown", onKey, true);
  document.addEventListener("visibilitychange", onVisibility);
  new ResizeObserver(layout).observe(ui.grid);
  setInterval(tick, 250);
  connect();
}

main();
