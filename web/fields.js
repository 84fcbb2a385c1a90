/* One camera feature's controls in the settings panel (panel.js): a slider
 * and a number field for a number with a range (logarithmic when the range
 * spans two decades or more, as exposure does), a number field without one,
 * a checkbox for true/false, a select for an enumeration, a button for a
 * command; an enumeration "XAuto" with Off and Continuous becomes an "auto"
 * toggle in the row of the feature it drives. Labels and ranges come from
 * the daemon; everything from the network is put on the page as text.
 *
 * A row shows the feature's state as last heard, except while the user
 * moves its control (and LOCAL_MS after): what they set wins on screen
 * while the echoes of their earlier values arrive.
 */

import { el, now } from "./util.js";

const SLIDER_STEPS = 1000;  // positions of a slider that does not take the value as it is
const LOG_DECADES = 2;      // a range over this many decades gets a logarithmic slider
const LOCAL_MS = 600;       // after the user's last move, echoes do not move the control
const DIGITS = 6;           // significant digits of a float sent and shown

let ids = 0;                // element ids: from a counter, never from a feature's name

/* "Off"/"Continuous" enumeration named after the feature it drives:
 * ExposureAuto drives ExposureTime (or ExposureTimeAbs), GainAuto Gain. */
export function autoTarget(f, names) {
  if (f.kind !== "enum" || !f.name.endsWith("Auto") || !f.entries.includes("Off") ||
      !f.entries.includes("Continuous"))
    return null;
  const base = f.name.slice(0, -"Auto".length);
  return base ? names.find((n) => n !== f.name && n.startsWith(base)) || null : null;
}

/* A number as the row shows it and a set sends it. */
export function formatNumber(f, v) {
  if (f.kind === "int")
    return String(Math.round(v));
  return String(Number(v.toPrecision(DIGITS)));
}

function clamp(f, v) {
  if (f.min !== null)
    v = Math.max(f.min, Math.min(f.max, v));
  return v;
}

/* v on f's increment, in range, at the precision a set sends. */
function snap(f, v) {
  if (f.inc) {
    const base = f.min !== null ? f.min : 0;
    v = base + Math.round((v - base) / f.inc) * f.inc;
  }
  v = clamp(f, v);
  return f.kind === "int" ? Math.round(v) : Number(v.toPrecision(DIGITS));
}

/* How a slider's position maps to f's values, or null without a range. An
 * integer with at most SLIDER_STEPS increments takes its values as they
 * are; anything else gets SLIDER_STEPS positions, logarithmic over two
 * decades or more. */
function scaleOf(f) {
  if (f.min === null || f.max === f.min)
    return null;
  const span = f.max - f.min;
  if (f.kind === "int" && span / (f.inc || 1) <= SLIDER_STEPS)
    return { min: f.min, max: f.max, step: f.inc || 1, log: false,
             to: (v) => v, from: (p) => snap(f, p) };
  const log = f.min > 0 && f.max / f.min >= 10 ** LOG_DECADES;
  const ratio = Math.log(f.max / f.min);
  return {
    min: 0, max: SLIDER_STEPS, step: 1, log,
    to: (v) => SLIDER_STEPS * (log ? Math.log(clamp(f, v) / f.min) / ratio
                                   : (clamp(f, v) - f.min) / span),
    from: (p) => snap(f, log ? f.min * Math.exp((ratio * p) / SLIDER_STEPS)
                             : f.min + (span * p) / SLIDER_STEPS),
  };
}

function withUnit(text, f) {
  return f.unit ? `${text} ${f.unit}` : text;
}

/* What f takes, in words: "10..1000000 us", "Off, Once, Continuous". */
export function describeRange(f) {
  if (f.kind === "enum")
    return f.entries.join(", ");
  if (f.min === null)
    return "";
  const inc = f.inc ? ` in steps of ${formatNumber(f, f.inc)}` : "";
  return withUnit(`${formatNumber(f, f.min)}..${formatNumber(f, f.max)}`, f) + inc;
}

/* A row for feature f. set(name, value) sends a set; auto: the
 * enumeration feature toggling f automatic, or null. Returns the row's
 * element and update(f, auto, state) that shows a new state; state:
 * {disabled (the whole panel: no right, offline), error (f's last
 * refusal, or "")}. */
export function makeRow(f, auto, set) {
  const row = { f, auto, el: el("div", "feature"), localUntil: 0, inputs: [] };
  row.el.dataset.feature = f.name; // for the tests and the curious: the name, as text
  const id = `feature-${++ids}`;
  const head = el("div", "feature-head", row.el);
  const touched = () => { row.localUntil = now() + LOCAL_MS; };

  if (f.kind === "command") {
    const b = el("button", "command", head);
    b.type = "button";
    b.id = id;
    b.textContent = f.name;
    b.addEventListener("click", () => set(f.name, "execute"));
    row.inputs.push(b);
  } else if (f.kind === "bool") {
    const box = el("input", null, head);
    box.type = "checkbox";
    box.id = id;
    const label = el("label", null, head);
    label.htmlFor = id;
    label.textContent = f.name;
    box.addEventListener("change", () => { touched(); set(f.name, box.checked); });
    row.box = box;
    row.inputs.push(box);
  } else {
    const label = el("label", "feature-name", head);
    label.htmlFor = id;
    label.textContent = f.name;
    row.range = el("span", "feature-range", head);
    const line = el("div", "feature-line", row.el);
    if (f.kind === "enum") {
      row.select = el("select", null, line);
      row.select.id = id;
      row.select.addEventListener("change", () => {
        touched();
        set(f.name, row.select.value);
      });
      row.inputs.push(row.select);
    } else {
      makeNumber(row, line, id, set, touched);
    }
  }
  if (auto) {
    const wrap = el("label", "auto", head);
    row.autoBox = el("input", null, wrap);
    row.autoBox.type = "checkbox";
    wrap.append("auto");
    wrap.title = `${auto.name}: Continuous when ticked, Off when not`;
    row.autoBox.setAttribute("aria-label", `${f.name} automatic (${auto.name})`);
    row.autoBox.addEventListener("change", () => {
      touched();
      set(auto.name, row.autoBox.checked ? "Continuous" : "Off");
    });
    row.inputs.push(row.autoBox);
  }
  row.why = el("div", "why", row.el);
  row.why.id = `${id}-why`;
  for (const input of row.inputs)
    input.setAttribute("aria-describedby", row.why.id);
  row.update = (nf, nauto, state) => update(row, nf, nauto, state);
  return row;
}

/* A slider (when f has a range) and a number field, with the unit. */
function makeNumber(row, line, id, set, touched) {
  const f = row.f;
  row.scale = scaleOf(f);
  if (row.scale) {
    row.slider = el("input", null, line);
    row.slider.type = "range";
    row.slider.id = id;
    Object.assign(row.slider, { min: row.scale.min, max: row.scale.max,
                                step: row.scale.step });
    row.slider.addEventListener("input", () => {
      touched();
      const v = row.scale.from(Number(row.slider.value));
      row.number.value = formatNumber(row.f, v);
      row.slider.setAttribute("aria-valuetext", withUnit(formatNumber(row.f, v), row.f));
      set(row.f.name, v);
    });
    row.inputs.push(row.slider);
  }
  row.number = el("input", "number", line);
  row.number.type = "number";
  if (!row.slider)
    row.number.id = id;
  row.number.setAttribute("aria-label", f.unit ? `${f.name} in ${f.unit}` : f.name);
  // What is typed stays until Enter or leaving the field.
  row.number.addEventListener("input", () => { touched(); row.typing = true; });
  row.number.addEventListener("blur", () => { row.typing = false; });
  row.number.addEventListener("change", () => {
    touched();
    row.typing = false;
    const v = Number(row.number.value);
    if (row.number.value.trim() === "" || !Number.isFinite(v)) {
      row.why.textContent = `${row.f.name}: a number, please`;
      return;
    }
    // What the camera takes is the daemon's to say (its refusal names the range).
    const sent = row.f.kind === "int" ? Math.round(v) : v;
    if (row.slider)
      row.slider.value = row.scale.to(sent);
    set(row.f.name, sent);
  });
  row.inputs.push(row.number);
  el("span", "unit", line).textContent = f.unit; // even empty: the fields line up
}

function update(row, f, auto, state) {
  const kindChanged = f.kind !== row.f.kind || (f.min === null) !== (row.f.min === null) ||
                      !!auto !== !!row.auto;
  if (kindChanged)
    return false; // the panel builds the row anew
  const rangeChanged = f.min !== row.f.min || f.max !== row.f.max || f.inc !== row.f.inc;
  row.f = f;
  row.auto = auto;
  if (rangeChanged && row.slider) {
    row.scale = scaleOf(f);
    if (!row.scale)
      return false;
    Object.assign(row.slider, { min: row.scale.min, max: row.scale.max,
                                step: row.scale.step });
  }
  const local = now() < row.localUntil;
  if (!local)
    showValue(row);
  if (row.range)
    row.range.textContent = describeRange(f);
  const locked = state.disabled || !f.writable;
  for (const input of row.inputs)
    input.disabled = input === row.autoBox ? state.disabled || !auto.writable : locked;
  // The auto toggle stays usable while auto locks the value it drives.
  const why = state.error || (!state.disabled && !f.writable ? f.why || "not writable now"
                                                             : "");
  row.why.textContent = why;
  row.why.classList.toggle("bad", !!state.error);
  row.el.classList.toggle("locked", locked);
  return true;
}

function showValue(row) {
  const f = row.f;
  if (row.box)
    row.box.checked = f.value === true;
  if (row.select) {
    const entries = f.entries.includes(f.value) ? f.entries : [f.value, ...f.entries];
    if (row.select.dataset.entries !== entries.join("\n")) {
      row.select.dataset.entries = entries.join("\n");
      row.select.replaceChildren(...entries.map((e) => {
        const o = document.createElement("option");
        o.value = o.textContent = e;
        return o;
      }));
    }
    row.select.value = f.value;
  }
  if (row.number && !row.typing) {
    row.number.value = formatNumber(f, f.value);
    if (f.min !== null) {
      row.number.min = f.min;
      row.number.max = f.max;
    }
    row.number.step = f.inc || (f.kind === "int" ? 1 : "any");
  }
  if (row.slider) {
    row.slider.value = row.scale.to(f.value);
    row.slider.setAttribute("aria-valuetext", withUnit(formatNumber(f, f.value), f));
  }
  if (row.autoBox)
    row.autoBox.checked = row.auto.value !== "Off";
}

/* Shows the state last heard once the user's own moves are LOCAL_MS old. */
export function settle(row) {
  if (row.localUntil && now() >= row.localUntil) {
    row.localUntil = 0;
    showValue(row);
  }
}
