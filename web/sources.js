/* The daemons of the page: the page's own first, then those added
 * (?add=ws://..., the daemons list). Each source has its own connection,
 * reconnection, hello, subscription, variant and clock offset
 * (docs/browser.md, "Several daemons"). */

import { RETRY_FIRST_MS, connect } from "./connection.js";
import { clearSourceTiles, rebuildGrid } from "./grid.js";
import { syncAll } from "./subscription.js";
import { QUERY } from "./util.js";

export const MAX_DAEMONS = 8;    // the page's own and 7 others
const MAX_URL = 2000;            // characters of an added daemon's URL

export const sources = [];       // the daemons shown: the page's own first (see makeSource())
export const multi = () => sources.length > 1;

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
export function shownValue(text) {
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

export function makeSource(u, own) {
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
export function ownUrl() {
  const u = new URL("stream" + QUERY, location.href);
  u.protocol = location.protocol === "https:" ? "wss:" : "ws:";
  return u;
}

/* Adds a daemon (from ?add= or the field), or throws why not. */
export function addSource(text) {
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

export function removeSource(src) {
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
export function syncUrl() {
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
