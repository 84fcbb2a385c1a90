/* The daemons list: the bar's "daemons" panel (each daemon's state, remove,
 * a field to add one) and ?add= in the page's URL (docs/browser.md,
 * "Several daemons"). */

import { showError } from "./overlays.js";
import { MAX_DAEMONS, addSource, multi, removeSource, shownValue, sources,
         syncUrl } from "./sources.js";
import { el, fmt, setText, stats, ui } from "./util.js";

/* One row per daemon: its state, and a button to remove an added one. */
export function renderDaemons() {
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

export function updateDaemons() {
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
export function addFromUrl() {
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

export function startDaemons() {
  ui.daemonsForm.addEventListener("submit", onAddDaemon);
  ui.daemonsHint.textContent =
    `Another camcastd's [server] section must allow this page: ` +
    `"allowed_origins = ${location.origin}". With a token: ` +
    `ws://host:8765/stream?token=TOKEN. At most ${MAX_DAEMONS} daemons; the list is kept ` +
    `in this page's URL.`;
}
