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
const MAX_TILES = 64;            // as camcast-viewer, over all daemons; a hello with
                                 //   more than 1024 cameras is refused
const MAX_DAEMONS = 8;           // the page's own and 7 others
const MAX_URL = 2000;            // characters of an added daemon's URL
const MAX_SIDE = 16384;          // entries claiming larger images are not decoded
const GAP = 4;                   // pixels between tiles
const PLACEHOLDER = [640, 400];  // the aspect of a daemon's tile while it has no camera
const VARIANT_DEBOUNCE_MS = 300;
const ECONOMY_SLACK = 1.15;      // economy: a tile may be up to 15% larger than its decode
const ECONOMY_SETTLE_JOBS = 30;  // jobs at a decode size before judging it
const ECONOMY_TRIAL_JOBS = 300;  // jobs in economy before trying the larger size again
const WINDOW = 1;                // flow control (protocol 1.2): bundles the server may send
                                 // ahead of the decoder; ?window=N (0..8, 0: off) overrides
const LATENCY_LOG = 4096;        // capture -> drawn of the last frames, for the bench

const $ = (id) => document.getElementById(id);
const ui = { bar: $("bar"), state: $("state"), counts: $("counts"), choice: $("choice"),
             grid: $("grid"), error: $("error"), daemons: $("daemons"),
             daemonsSummary: $("daemons-summary"), daemonsList: $("daemons-list"),
             daemonsForm: $("daemons-form"), daemonsUrl: $("daemons-url"),
             daemonsMsg: $("daemons-msg"), daemonsHint: $("daemons-hint") };

/* The token the page was opened with goes on to its own stream and the
 * probe (/stats), nowhere else: a browser cannot put it in a header on a
 * WebSocket. The page's files (scripts, styles, the worker) need none, so
 * it never lands in a cache with their URLs. Other daemons' tokens are in
 * their own URLs (?add=ws://h:p/stream?token=T). */
const TOKEN = new URLSearchParams(location.search).get("token");
const QUERY = TOKEN === null ? "" : "?token=" + encodeURIComponent(TOKEN);
/* The flow-control window asked of every daemon that offers it. */
const windowSize = (() => {
  const v = new URLSearchParams(location.search).get("window");
  const n = v === null || v === "" ? NaN : Number(v);
  return Number.isInteger(n) && n >= 0 && n <= 8 ? n : WINDOW;
})();

/* ---- State ---- */

const stats = {
  connects: 0, bundlesReceived: 0, bundlesDrawn: 0, bundlesDropped: 0,
  framesDrawn: 0, framesDropped: 0, malformed: 0, badHellos: 0, undecodable: 0,
  ignoredEntries: 0, skipped: 0, acks: 0, lastError: null,
  decodeMs: null, jobMs: null, // per job, smoothed: in the worker, and posted -> back
  arrivalMs: null,              // mux -> received by the page, smoothed (server clock)
  pageMs: null,                 // received -> drawn, smoothed (page clock)
};
const sources = [];     // the daemons shown: the page's own first (see makeSource())
let tiles = [];         // every source's camera tiles, in grid order
let singleTile = null;  // the enlarged camera's tile, or null: the grid
let paused = false;
let hidden = document.hidden;
const unticked = new Set(); // "daemon\ncamera name" the user does not want, across hellos
let errorUntil = 0;
let note = null;        // a short-lived status bar message (after S)

const now = () => performance.now();
/* The page's wall clock in epoch ms, at performance.now() precision. */
const epochNow = () => performance.timeOrigin + performance.now();
const multi = () => sources.length > 1;

/* ---- Sources: the daemons of the page ---- */

/* A daemon's name on the page, as camcast-viewer's: "host:port" of its
 * ws: or wss: URL ("host" alone on the scheme's default port), and the
 * path before "/stream" when there is one (daemons behind one TLS proxy:
 * "proxy/hall"). */
function daemonLabel(u) {
  return u.host + u.pathname.replace(/\/stream$/, "").replace(/\/+$/, "");
}

/* A daemon's URL as the page shows it: never its token. */
function shownUrl(u) {
  return `${u.protocol}//${u.host}${u.pathname}` +
         (u.searchParams.has("token") ? " (with a token)" : "");
}

/* A value of ?add= or of the daemons field: for the user, never its query
 * nor a user:password@ (they may hold secrets), and short. */
function shownValue(text) {
  const s = String(text).split(/[?#]/)[0].replace(/\/\/[^/]*@/, "//…@");
  return JSON.stringify(s.length > 80 ? s.slice(0, 80) + "…" : s);
}

/* Another daemon's stream URL, or a thrown reason. Only ws: and wss: (the
 * page's Content-Security-Policy allows nothing else anyway); "host:port"
 * alone means ws://host:port/stream. The URL is only ever given to
 * WebSocket(), never evaluated or put on the page as HTML. */
function parseDaemonUrl(text) {
  text = String(text).trim();
  if (!text)
    throw new Error("empty");
  if (text.length > MAX_URL)
    throw new Error(`longer than ${MAX_URL} characters`);
  if (/^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):[0-9]{1,5}$/.test(text))
    text = `ws://${text}/stream`;
  let u;
  try {
    u = new URL(text);
  } catch (e) {
    throw new Error("not a URL (ws://host:port/stream)");
  }
  if (u.protocol !== "ws:" && u.protocol !== "wss:")
    throw new Error(`only ws:// and wss:// URLs, not ${u.protocol}`);
  if (u.protocol === "ws:" && location.protocol === "https:")
    throw new Error("this page came over https: the browser allows it wss:// only");
  if (u.username || u.password)
    throw new Error("no user:password@ (a token goes in ?token=)");
  u.hash = "";
  return u;
}

function makeSource(u, own) {
  return {
    url: u.href, own, label: daemonLabel(u), shown: shownUrl(u),
    conn: null,        // the current WebSocket attempt (see connect())
    info: null,        // the latest hello, read (readHello())
    tiles: [], byIndex: new Map(), placeholder: null, gen: 0,
    retryMs: RETRY_FIRST_MS, retryAt: 0, timer: 0, offlineWhy: "",
    state: { name: "connecting", text: "connecting…" },
    clock: { offsetMs: null, rttMs: null, at: 0 },
    n: { connects: 0, bundles: 0, malformed: 0, skipped: 0 },
    lastError: null, removed: false, row: null,
  };
}

/* The page's own daemon: "stream" next to the page's URL. */
function ownUrl() {
  const u = new URL("stream" + QUERY, location.href);
  u.protocol = location.protocol === "https:" ? "wss:" : "ws:";
  return u;
}

/* Adds a daemon (from ?add= or the field), or throws why not. */
function addSource(text) {
  const u = parseDaemonUrl(text);
  const src = makeSource(u, false);
  if (sources.some((s) => s.label === src.label))
    throw new Error(`${src.label} is already shown`);
  if (sources.length >= MAX_DAEMONS)
    throw new Error(`at most ${MAX_DAEMONS} daemons`);
  sources.push(src);
  connect(src);
  rebuildGrid();
  return src;
}

function removeSource(src) {
  const i = sources.indexOf(src);
  if (i <= 0)
    return; // not the page's own
  sources.splice(i, 1);
  src.removed = true;
  clearTimeout(src.timer);
  const c = src.conn;
  src.conn = null;
  if (c) {
    clearTimeout(c.pingTimer);
    clearTimeout(c.clockTimer);
    try { c.ws.close(1000); } catch (e) { /* closing anyway */ }
  }
  clearSourceTiles(src);
  rebuildGrid();
  syncAll(); // the others' variants: the tiles are larger now
}

/* The list of added daemons into the page's URL (history.replaceState, no
 * reload): a reload or a bookmark keeps it. The token first: camcastd
 * reads 1024 bytes of a query, a token after a long list would be cut. */
function syncUrl() {
  const old = new URLSearchParams(location.search);
  const p = new URLSearchParams();
  if (old.has("token"))
    p.append("token", old.get("token"));
  for (const s of sources)
    if (!s.own)
      p.append("add", s.url);
  for (const [k, v] of old)
    if (k !== "token" && k !== "add")
      p.append(k, v);
  const q = p.toString();
  const url = location.pathname + (q ? "?" + q : "") + location.hash;
  if (url !== location.pathname + location.search + location.hash)
    history.replaceState(history.state, "", url);
}

/* ---- Connection (one per source) ---- */

/* quiet: the tiles and the list are updated by the caller (the countdown). */
function setState(src, name, text, quiet) {
  src.state = { name, text };
  if (src.own) {
    ui.state.className = "state " + name;
    setText(ui.state, text);
  }
  if (quiet)
    return;
  updateOverlays(); // the tiles' banners follow the connection at once
  updateDaemons();
}

function connect(src) {
  src.retryAt = 0;
  setState(src, "connecting", "connecting…");
  const c = { src, ws: null, opened: false, hello: false, why: null, lastSeq: null,
              sent: null, ping: null, pingTimer: 0, clockTimer: 0, bursts: 0,
              taken: [] }; // with a window: bundles received, not yet acknowledged
  src.conn = c;
  try {
    c.ws = new WebSocket(src.url);
  } catch (e) {
    c.why = String(e.message || e);
    setTimeout(() => onClose(c, { code: 1006, reason: "" }), 0);
    return;
  }
  c.ws.binaryType = "arraybuffer";
  c.ws.onopen = () => { if (src.conn === c) c.opened = true; };
  c.ws.onmessage = (ev) => { if (src.conn === c) onMessage(c, ev.data); };
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
  const src = c.src;
  if (src.conn !== c)
    return;
  clearTimeout(c.pingTimer);
  clearTimeout(c.clockTimer);
  src.conn = null;
  let why = c.why;
  if (!why && c.opened)
    why = `closed by the server, code ${ev.code}` + (ev.reason ? `: ${ev.reason}` : "");
  if (!why)
    why = "cannot connect";
  if (c.hello) {
    src.retryMs = RETRY_FIRST_MS; // it worked once: start again quickly
  } else if (!c.why) {
    // A 401 or 403 answer is invisible to a WebSocket. The page's own
    // server can be asked why over plain HTTP; another one cannot (the
    // page may only open WebSockets to other hosts, and their /stats
    // sends no CORS headers): say what it may be.
    if (src.own) {
      why = c.opened ? "closed by the server before the hello" : "no connection";
      probe(c);
    } else {
      why = c.opened ? "closed by the server before the hello"
        : "no connection: not running, unreachable, or refusing this page " +
          `(its allowed_origins must list ${location.origin}; a token goes in the URL)`;
    }
  }
  offline(c, why);
}

/* Backoff with jitter: many pages reconnecting after a daemon restart must
 * not all arrive in the same millisecond. */
function offline(c, why) {
  const src = c.src;
  const delay = src.retryMs * (0.5 + 0.5 * Math.random());
  if (!c.hello)
    src.retryMs = Math.min(src.retryMs * 2, RETRY_MAX_MS);
  src.retryAt = now() + delay;
  src.timer = setTimeout(() => connect(src), delay);
  showOffline(src, why);
}

/* "closed (...)" when the server refuses this page, "offline (...)" for
 * everything that may go away by itself; with the time to the next try. */
function showOffline(src, why, quiet) {
  src.offlineWhy = why;
  const left = Math.max(0, src.retryAt - now()) / 1000;
  const name = why.startsWith("closed (") || why.startsWith("closed before") ? "closed"
                                                                             : "offline";
  setState(src, name,
           `${name === "closed" ? why : `offline (${why})`}, retry in ${left.toFixed(1)} s`,
           quiet);
  if (src.own)
    document.title = "CameraCast (offline)";
}

/* What plain HTTP says about the page's own server and token, after a
 * failure before the hello: /stats answers 200 when the token is right. A
 * plain same-origin GET carries no Origin header, the WebSocket does: a
 * 403 for the origin shows only on the stream. */
async function probe(c) {
  const src = c.src;
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
  if (!src.conn && src.retryAt) {
    stats.lastError = src.lastError = why;
    showOffline(src, why);
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

/* An error of the page, named after its daemon when there are several. */
function sourceError(src, why) {
  const text = multi() ? `${src.label}: ${why}` : why;
  stats.lastError = src.lastError = text;
  return text;
}

/* The server says no to a control message. A 1.0 server does not know
 * max_fps or variant: stop asking, it keeps its previous settings. One
 * that refuses a window gets no acks either. */
function onServerError(c, message) {
  const text = sourceError(c.src, "server: " + message);
  if (/max_fps/.test(message)) {
    c.noMaxFps = true;
  } else if (/variant/.test(message)) {
    c.noVariant = true;
  } else if (/"window"/.test(message)) {
    c.noWindow = true;
    c.sent.window = 0;
    c.taken = [];
  } else {
    showError(text);
  }
}

/* ---- The hello ---- */

function isCount(v, max) {
  return Number.isInteger(v) && v >= 0 && v <= max;
}

/* "variant_sizes": {"preview": {"width": 640, "height": 400}}: the exact
 * size of each variant's entries for this camera (a Map: names come from
 * the network and are never an object's keys). */
function readVariantSizes(v) {
  const sizes = new Map();
  if (!v || typeof v !== "object" || Array.isArray(v))
    return sizes;
  for (const [name, s] of Object.entries(v))
    if (s && isCount(s.width, MAX_SIDE) && s.width > 0 && isCount(s.height, MAX_SIDE) &&
        s.height > 0)
      sizes.set(name, { width: s.width, height: s.height });
  return sizes;
}

/* The cameras of a hello, or a thrown reason. Keys we do not know are
 * ignored, as docs/protocol.md asks. */
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
      // Why it is offline, and since when (protocol.md: hello).
      lastError: typeof cam.last_error === "string" ? cam.last_error.slice(0, 300) : "",
      lastErrorAt: typeof cam.last_error_ns === "number" ? cam.last_error_ns / 1e6 : null,
      variantSizes: readVariantSizes(cam.variant_sizes),
    };
  });
  const variants = Array.isArray(msg.variants)
    ? msg.variants.filter((v) => v && typeof v.name === "string") : null;
  return {
    cameras,
    streamFps: typeof msg.stream_fps === "number" ? msg.stream_fps : null,
    server: typeof msg.server === "string" ? msg.server : "",
    variants: variants && variants.length ? variants : null,
    window: Array.isArray(msg.extensions) && msg.extensions.includes("window"),
  };
}

function onHello(c, msg, text) {
  const src = c.src;
  let hello;
  try {
    hello = readHello(msg);
  } catch (e) {
    stats.badHellos++;
    const why = "bad hello: " + e.message;
    showError(`${sourceError(src, why)} (${JSON.stringify(text.slice(0, 80))})`);
    drop(c, why);
    return;
  }
  if (!c.hello) {
    c.hello = true;
    stats.connects++;
    src.n.connects++;
    c.sent = { cameras: hello.cameras.map((cam) => cam.index).join(","), maxFps: 0,
               variant: "full", window: 0 };
    // Perhaps another server behind the same address, another clock.
    Object.assign(src.clock, { offsetMs: null, rttMs: null, at: 0 });
    startClock(c);
  } else {
    // A reload on the server (SIGHUP): new cameras, the same connection.
    // It keeps this client's settings, but for cameras it names anew.
    c.sent.cameras = null;
  }
  c.lastSeq = null;
  newSession(src, hello);
  const n = hello.cameras.length;
  setState(src, "streaming", `streaming, ${n} camera${n === 1 ? "" : "s"}` +
           (hello.streamFps ? `, ${hello.streamFps} fps` : ""));
  if (src.own)
    document.title = "CameraCast";
  syncSubscription(src);
}

/* ---- Subscription: cameras, rate, variant (per source) ---- */

/* Sends what differs from what this connection asked for so far, one key
 * per message: a server that refuses one (1.0 does not know max_fps)
 * still takes the others. */
function syncSubscription(src) {
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
  // Flow control, where the daemon offers it: bundles come no faster than
  // the decoder takes them, so what it draws is fresh (docs/browser.md).
  if (src.info.window && windowSize !== c.sent.window && !c.noWindow) {
    c.sent.window = windowSize;
    c.taken = [];
    send(c, { type: "subscribe", window: windowSize });
  }
}

function syncAll() {
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
function syncVariantSoon() {
  clearTimeout(variantTimer);
  variantTimer = setTimeout(syncAll, VARIANT_DEBOUNCE_MS);
}

/* ---- Clock offset (server - page), from ping/pong, per source ---- */

/* A burst of pings, one at a time; the sample with the shortest round trip
 * bounds the error best (by half its round trip). Each daemon has its own
 * clock: each source its own offset. */
function startClock(c) {
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

function onPong(c, msg) {
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

/* ---- Tiles ---- */

/* A hello: this source's tiles anew; the other sources' stay as they are. */
function newSession(src, hello) {
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
function clearSourceTiles(src) {
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
function rebuildGrid() {
  tiles = sources.flatMap((s) => s.tiles);
  ui.choice.replaceChildren();
  tiles.forEach((t, i) => {
    t.pos = i;
    t.key = i + 1;
    t.label = multi() ? `${t.src.label}/${t.cam.name}` : t.cam.name;
    ui.grid.appendChild(t.frame); // moves it: its canvas keeps its frame
    setText(t.choiceText, `${t.key} ${t.cam.name}`); // the bar is short: the key tells
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
}

function el(tag, cls, parent) {
  const e = document.createElement(tag);
  if (cls)
    e.className = cls;
  if (parent)
    parent.appendChild(e);
  return e;
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
    since: now(), jpegBytes: 0, imgW: 0, imgH: 0, frameId: null, scale: 8,
  };
  t.frame = el("div", "frame");
  t.canvas = el("canvas", null, t.frame);
  t.canvas.width = t.canvas.height = 1;
  t.ctx = t.canvas.getContext("2d", { alpha: false });
  t.overlay = el("div", "overlay", t.frame);
  t.lines = [el("div", "name", t.overlay), el("div", null, t.overlay),
             el("div", null, t.overlay)];
  t.banner = el("div", "banner", t.frame);
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
function clearTile(t) {
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
}

/* The tiles on screen now: ticked, and the enlarged one alone if any. */
function shownTiles() {
  if (singleTile)
    return [singleTile];
  return tiles.filter((t) => t.enabled);
}

/* pos: a position in the grid (key - 1), or -1 for the grid. */
function showSingle(pos) {
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

function layout() {
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

/* ---- Bundles ---- */

/* Each bundle's bookkeeping: drawn once one of its frames is, dropped once
 * all were replaced before they could be. */
function release(rec, dropped) {
  if (--rec.live === 0 && !rec.drawn && dropped)
    stats.bundlesDropped++;
}

/* A tile's waiting entry leaves its slot: handed to the decoder, replaced
 * or dropped. Its bundle is taken once none of its entries wait. */
function unpend(t) {
  const p = t.pending;
  t.pending = null;
  p.rec.waiting--;
  return p;
}

/* Flow control: every bundle taken (none of its entries waiting for the
 * decoder) is acknowledged, the newest in one ack per daemon. A bundle
 * with nothing to decode (a hidden tab, a camera not shown) is taken at
 * once. */
function flushAcks() {
  for (const src of sources) {
    const c = src.conn;
    if (!c || !c.taken.length)
      continue;
    let seq = null;
    while (c.taken.length && c.taken[0].waiting === 0)
      seq = c.taken.shift().seq;
    if (seq !== null) {
      send(c, { type: "ack", seq });
      stats.acks++;
    }
  }
}

function decoding() {
  return !paused && !hidden;
}

function onBundle(c, buffer) {
  const src = c.src;
  if (!c.hello)
    return; // a bundle before the hello: nothing to show it in
  let b;
  try {
    b = CamcastFB.parse(buffer, src.info.cameras.length);
  } catch (e) {
    stats.malformed++;
    src.n.malformed++;
    const why = sourceError(src, `malformed bundle (${e.code || "?"}): ${e.message}`);
    showError(`${why} (${stats.malformed} so far)`);
    return;
  }
  stats.bundlesReceived++;
  src.n.bundles++;
  // A jump in bundle_seq: the server skipped this page; not counted while
  // we asked for fewer bundles (max_fps), which makes jumps by design.
  if (c.lastSeq !== null && b.seq > c.lastSeq + 1 && c.sent.maxFps === 0) {
    stats.skipped += b.seq - c.lastSeq - 1;
    src.n.skipped += b.seq - c.lastSeq - 1;
  }
  c.lastSeq = b.seq;
  const received = epochNow();
  if (src.clock.offsetMs !== null)
    stats.arrivalMs = smooth(stats.arrivalMs, received + src.clock.offsetMs - b.muxMs);
  const rec = { live: 0, drawn: false, received, seq: b.seq, waiting: 0 };
  const shown = shownTiles();
  for (const e of b.entries)
    takeEntry(src, e, buffer, rec, shown);
  if (c.sent.window)
    c.taken.push(rec);
  pump();
}

function takeEntry(src, e, buffer, rec, shown) {
  const t = src.byIndex.get(e.camera);
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
    release(unpend(t).rec, true);
  }
  rec.live++;
  rec.waiting++;
  t.pending = { rec, buffer, entry: e };
}

/* ---- Decoding (decode-worker.js) ---- */

let worker = null;
let workerStarted = 0;
let job = null;       // the job the worker has, or null
let jobSeq = 0;

function startWorker() {
  workerStarted = now();
  worker = new Worker("decode-worker.js");
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

/* Gives the worker the waiting frames, then acknowledges what was taken. */
function pump() {
  post();
  flushAcks();
}

/* Gives the worker the waiting frames of the tiles on screen, of every
 * daemon, unless it is busy: then they wait in their slots and newer ones
 * replace them. */
function post() {
  if (job || !worker || !decoding())
    return;
  const items = [], buffers = [];
  for (const t of shownTiles()) {
    if (!t.pending)
      continue;
    const { rec, buffer, entry } = unpend(t);
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
  job = { id: ++jobSeq, items, posted: now() };
  job.timer = setTimeout(() => restartWorker("decoder did not answer: restarted"),
                         DECODE_TIMEOUT_MS);
  worker.postMessage({ job: job.id, buffers, items: items.map((it) => it.msg) }, buffers);
}

/* Economy: when jobs take longer than a stream tick, the page cannot draw
 * every bundle. It then decodes one n/8 step smaller where the tile is at
 * most 15% larger than that (3/8 -> 2/8 for 1920-pixel cameras in
 * 542-pixel tiles: about half the decoding), and tries the larger size
 * again every 10 s: on a machine shared with other work a job's time
 * follows the load more than the decode size, so only a trial tells. The
 * tick is the fastest daemon's. */
const economy = { on: false, jobs: 0, ms: null };
function adaptDecodeSize(ms) {
  const fps = Math.max(0, ...sources.map((s) => (s.info && s.info.streamFps) || 0)) || 30;
  const tick = 1000 / fps;
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
    const t = it.tile;
    if (t.dead || !t.enabled) { // a new hello, a daemon removed, a camera unticked
      if (r.bitmap)
        r.bitmap.close();
      return;
    }
    if (r.error) {
      t.undecodable++;
      stats.undecodable++;
      sourceError(t.src, `${t.cam.name}: JPEG not decodable (${r.error})`);
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
  if (paused)
    return; // paused: the tiles keep their frame; next waits for resume
  const at = epochNow();
  for (const t of tiles) {
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

/* The latency is on the tile's own daemon's clock: each source has its
 * offset, so hosts whose clocks disagree each show theirs right. */
function frameDrawn(t, f, at) {
  t.framesDrawn++;
  t.fpsCount++;
  stats.framesDrawn++;
  t.imgW = f.entry.width;
  t.imgH = f.entry.height;
  t.jpegBytes = f.entry.size;
  t.frameId = f.entry.frameId;
  t.scale = f.scale;
  const clock = t.src.clock;
  if (clock.offsetMs !== null) {
    t.latencyMs = at + clock.offsetMs - f.entry.captureMs;
    t.latencyShown = smooth(t.latencyShown, t.latencyMs); // the overlay's: steadier
  }
  latencyLog.values[latencyLog.count++ % LATENCY_LOG] = at - f.entry.captureMs;
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

function updateOverlays() {
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
            `  JPEG ${fmt(t.jpegBytes / 1024, 1)} kB`);
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

function updateBar() {
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

function showError(text) {
  ui.error.textContent = text;
  ui.error.hidden = false;
  errorUntil = now() + ERROR_SHOWN_MS;
}

function tick() {
  updateBar();
  updateOverlays();
  updateDaemons();
}

/* ---- The daemons list (the bar's "daemons" panel) ---- */

/* One row per daemon: its state, and a button to remove an added one. */
function renderDaemons() {
  ui.daemonsList.replaceChildren();
  for (const s of sources) {
    const li = el("li", null, ui.daemonsList);
    const dot = el("span", "state", li);
    const name = el("span", "daemon-url", li);
    name.textContent = s.own ? `${s.shown} (this page's)` : s.shown;
    const text = el("span", "daemon-state", li);
    s.row = { dot, text };
    if (!s.own) {
      const rm = el("button", "remove", li);
      rm.type = "button";
      rm.textContent = "remove";
      rm.title = `stop showing ${s.label}`;
      rm.addEventListener("click", () => {
        removeSource(s);
        syncUrl();
        setMessage(`removed ${s.label}`, false);
      });
    }
  }
  updateDaemons();
}

function updateDaemons() {
  let streaming = 0;
  for (const s of sources) {
    if (s.state.name === "streaming")
      streaming++;
    if (!s.row)
      continue;
    s.row.dot.className = "state " + s.state.name;
    const clock = s.clock.offsetMs === null ? ""
      : `; clock ${s.clock.offsetMs >= 0 ? "+" : ""}${fmt(s.clock.offsetMs, 1)} ms ` +
        `±${fmt(s.clock.rttMs / 2, 1)}`;
    setText(s.row.text, s.state.text + clock);
  }
  setText(ui.daemonsSummary, multi() ? `daemons ${streaming}/${sources.length}` : "daemons");
  ui.daemonsSummary.classList.toggle("bad", multi() && streaming < sources.length);
}

function setMessage(text, bad) {
  ui.daemonsMsg.textContent = text;
  ui.daemonsMsg.classList.toggle("bad", bad);
}

function onAddDaemon(ev) {
  ev.preventDefault(); // never a navigation: the field's text is only a URL
  try {
    const src = addSource(ui.daemonsUrl.value);
    syncUrl();
    ui.daemonsUrl.value = "";
    setMessage(`added ${src.label}`, false);
  } catch (e) {
    setMessage(`not added: ${e.message}`, true);
  }
}

/* ?add=URL (repeatable, percent-encoded): the daemons to show besides the
 * page's own. One that is refused is said so, and left out of the URL. */
function addFromUrl() {
  const adds = new URLSearchParams(location.search).getAll("add");
  const refused = [];
  for (const a of adds) {
    try {
      addSource(a);
    } catch (e) {
      refused.push(`${shownValue(a)}: ${e.message}`);
    }
  }
  if (refused.length) {
    const text = `add= refused: ${refused.join("; ")}`;
    stats.lastError = text;
    showError(text);
    setMessage(text, true);
    syncUrl();
  }
}

/* ---- Keys, pause, full screen, save ---- */

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
  note = { text: names.length ? `saved ${names.join(", ")}` : "nothing to save",
           until: now() + 4000 };
  updateBar();
}

/* Paused or hidden: what waits for the decoder is not wanted any more. */
function dropPending() {
  for (const t of tiles)
    if (t.pending)
      release(unpend(t).rec, false);
  flushAcks();
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

/* ---- Diagnostics for tests and the curious: window.camcastStats ---- */

/* capture -> drawn (ms) of every frame drawn, the last LATENCY_LOG, on the
 * page's own clock: for a daemon on the same host (bench/browser_bench.py's
 * percentiles), where a ping/pong offset would only add its error (a pong
 * queued behind bundles is late). window.camcastLatencies(from) gives
 * those since the count `from`, and the count now. */
const latencyLog = { values: new Float64Array(LATENCY_LOG), count: 0 };
function latenciesSince(from) {
  const to = latencyLog.count;
  const values = [];
  for (let i = Math.max(Number(from) || 0, to - LATENCY_LOG); i < to; i++)
    values.push(latencyLog.values[i % LATENCY_LOG]);
  return { count: to, values };
}

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
    decoding: job !== null,
    economy: economy.on,
    window: windowSize,
    sources: sources.map(sourceSnapshot),
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
        canvasWidth: t.canvas.width, canvasHeight: t.canvas.height,
      });
    }),
  });
}

/* ---- Start ---- */

function main() {
  Object.defineProperty(window, "camcastStats", { get: snapshot, enumerable: true });
  window.camcastLatencies = latenciesSince;
  startWorker();
  window.addEventListener("keydown", onKey, true);
  document.addEventListener("visibilitychange", onVisibility);
  new ResizeObserver(layout).observe(ui.grid);
  ui.daemonsForm.addEventListener("submit", onAddDaemon);
  ui.daemonsHint.textContent =
    `Another camcastd's [server] section must allow this page: ` +
    `"allowed_origins = ${location.origin}". With a token: ` +
    `ws://host:8765/stream?token=TOKEN. At most ${MAX_DAEMONS} daemons; the list is kept ` +
    `in this page's URL.`;
  setInterval(tick, 250);
  const own = makeSource(ownUrl(), true);
  sources.push(own);
  connect(own);
  addFromUrl();
  renderDaemons();
}

main();
