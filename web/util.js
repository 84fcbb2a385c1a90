/* Small helpers every module of the page uses: the page's elements, its
 * token, clocks, text on the page, numbers shown, counters (docs/browser.md). */

export const $ = (id) => document.getElementById(id);

/* The page's fixed elements (index.html). */
export const ui = { bar: $("bar"), state: $("state"), counts: $("counts"), choice: $("choice"),
                    grid: $("grid"), error: $("error"), daemons: $("daemons"),
                    daemonsSummary: $("daemons-summary"), daemonsList: $("daemons-list"),
                    daemonsForm: $("daemons-form"), daemonsUrl: $("daemons-url"),
                    daemonsMsg: $("daemons-msg"), daemonsHint: $("daemons-hint") };

/* The token the page was opened with goes on to its own stream and the
 * probe (/stats), nowhere else: a browser cannot put it in a header on a
 * WebSocket. The page's files (scripts, styles, the worker) need none, so
 * it never lands in a cache with their URLs. Other daemons' tokens are in
 * their own URLs (?add=ws://h:p/stream?token=T). */
export const TOKEN = new URLSearchParams(location.search).get("token");
export const QUERY = TOKEN === null ? "" : "?token=" + encodeURIComponent(TOKEN);

/* Flow control (protocol 1.2): bundles a daemon may send ahead of the
 * decoder, asked of every daemon that offers it; ?window=N (0..8, 0: off)
 * overrides the default (docs/browser.md, "Flow control"). */
const WINDOW = 1;
export const windowSize = (() => {
  const v = new URLSearchParams(location.search).get("window");
  const n = v === null || v === "" ? NaN : Number(v);
  return Number.isInteger(n) && n >= 0 && n <= 8 ? n : WINDOW;
})();

/* The page's counters, over all daemons (window.camcastStats). */
export const stats = {
  connects: 0, bundlesReceived: 0, bundlesDrawn: 0, bundlesDropped: 0,
  framesDrawn: 0, framesDropped: 0, malformed: 0, badHellos: 0, undecodable: 0,
  ignoredEntries: 0, skipped: 0, acks: 0, lastError: null,
  syncAligned: 0, syncUnaligned: 0, // bundles with a sync group's entries, by flag bit 0
  decodeMs: null, jobMs: null, // per job, smoothed: in the worker, and posted -> back
  arrivalMs: null,              // mux -> received by the page, smoothed (server clock)
  pageMs: null,                 // received -> drawn, smoothed (page clock)
  levelsReceived: 0,            // levels messages taken (the settings panel's)
};

export const now = () => performance.now();
/* The page's wall clock in epoch ms, at performance.now() precision. */
export const epochNow = () => performance.timeOrigin + performance.now();

/* A smoothed figure (about the last 16 values). */
export function smooth(old, v) {
  return old === null ? v : old + (v - old) / 16;
}

export function el(tag, cls, parent) {
  const e = document.createElement(tag);
  if (cls)
    e.className = cls;
  if (parent)
    parent.appendChild(e);
  return e;
}

/* Text from the network goes on the page as text, never as HTML. */
export function setText(node, text) {
  if (node.textContent !== text)
    node.textContent = text;
}

export function fmt(v, digits) {
  return v === null || !Number.isFinite(v) ? "–" : v.toFixed(digits);
}

/* Saves blob as a file in the browser's downloads. */
export function download(blob, name) {
  const url = URL.createObjectURL(blob);
  const a = el("a", null, document.body);
  a.href = url;
  a.download = name;
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60000);
}
