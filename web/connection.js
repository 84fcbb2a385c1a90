/* One WebSocket per source (the page's own daemon, each one added): the
 * connection, its reconnection with backoff, why it failed, and the
 * messages it receives: the hello, bundles (decode.js), pongs (clock.js),
 * errors, camera control (control.js). docs/browser.md, "Connection,
 * reconnection, the clock". */

import { onBundle } from "./decode.js";
import { startClock, onPong } from "./clock.js";
import { onControlError, onControlMessage, resetControl } from "./control.js";
import { updateDaemons } from "./daemons.js";
import { newSession } from "./grid.js";
import { readHello } from "./hello.js";
import { showError, updateOverlays } from "./overlays.js";
import { multi } from "./sources.js";
import { syncSubscription } from "./subscription.js";
import { QUERY, now, setText, stats, ui } from "./util.js";

export const RETRY_FIRST_MS = 500; // as camcast-viewer: 0.5 s, doubling ...
const RETRY_MAX_MS = 5000;         // ... up to 5 s, reset by a hello

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

export function connect(src) {
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
export function showOffline(src, why, quiet) {
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

export function send(c, msg) {
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
  else if (msg.type === "features" || msg.type === "feature" || msg.type === "levels")
    onControlMessage(c, msg);
  else if (msg.type === "error" && !onControlError(c, msg))
    onServerError(c, String(msg.message));
}

/* An error of the page, named after its daemon when there are several. */
export function sourceError(src, why) {
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
  } else if (/"levels"/.test(message)) {
    c.noLevels = true;
  } else if (/"window"/.test(message)) {
    c.noWindow = true;
    c.sent.window = 0;
    c.taken = [];
  } else {
    showError(text);
  }
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
               variant: "full", levels: false, window: 0 };
    // Perhaps another server behind the same address, another clock.
    Object.assign(src.clock, { offsetMs: null, rttMs: null, at: 0 });
    startClock(c);
  } else {
    // A reload on the server (SIGHUP): new cameras, the same connection.
    // It keeps this client's settings, but for cameras it names anew.
    c.sent.cameras = null;
  }
  c.lastSeq = null;
  resetControl(src);
  newSession(src, hello);
  const n = hello.cameras.length;
  setState(src, "streaming", `streaming, ${n} camera${n === 1 ? "" : "s"}` +
           (hello.streamFps ? `, ${hello.streamFps} fps` : ""));
  if (src.own)
    document.title = "CameraCast";
  syncSubscription(src);
}
