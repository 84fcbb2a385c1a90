/* Camera control on the wire (docs/protocol.md 1.2, "Camera control" and
 * "Levels"; docs/control.md): per source, what each camera's features are
 * as last heard (features replies, feature announcements), its newest
 * levels, and the sets this page sends, throttled with the newest value
 * winning. The panel (panel.js) shows it; nothing here touches the page.
 *
 * A daemon offers control when its hello lists the "control" extension.
 * Whether this page may change anything is the features reply's
 * "operator": true when the page's connection presented the control token;
 * a refused set ("needs the operator right") takes it back (a reload may
 * have replaced the token).
 */

import { send } from "./connection.js";
import { onControlChange } from "./panel.js";
import { now, stats } from "./util.js";

const SET_GAP_MS = 100;     // sets of one feature: at most 10 a second (the daemon allows 20
                            //   a second per client), the newest value wins
const MAX_FEATURES = 256;   // of one camera, from one reply
const MAX_ENTRIES = 256;    // of one enumeration
const MAX_TEXT = 256;       // characters of a name, unit, entry or reason
const LEVEL_BINS = 64;

const KINDS = ["float", "int", "bool", "enum", "command"];

/* Whether src's daemon offers camera control (its hello). */
export function hasControl(src) {
  return !!(src.info && src.info.extensions.includes("control"));
}

/* A source's control state, anew for each hello (camera indexes change). */
export function resetControl(src) {
  for (const cam of (src.control ? src.control.values() : []))
    for (const p of cam.pending.values())
      clearTimeout(p.timer);
  src.control = new Map(); // camera index -> camera state (camState())
  src.noRight = "";        // why this connection may not set, when a set was refused
  src.lastSet = null;      // {index, name} of the last set sent
}

function camState(src, index) {
  let cam = src.control.get(index);
  if (!cam) {
    cam = { index, features: new Map(), order: [], loaded: false, online: true,
            operator: false, askedAt: 0, levels: null,
            pending: new Map(), // feature name -> {value, timer, sentAt}
            errors: new Map(),  // feature name -> the last refusal's text
            setsSent: 0 };
    src.control.set(index, cam);
  }
  return cam;
}

/* What the page knows of camera index of src (null before a features reply). */
export function controlOf(src, index) {
  const cam = src.control && src.control.get(index);
  return cam && cam.loaded ? cam : null;
}

/* The newest levels of camera index of src, or null. */
export function levelsOf(src, index) {
  const cam = src.control && src.control.get(index);
  return cam ? cam.levels : null;
}

/* Asks src for a camera's features (the reply, then what changes, comes
 * as messages). */
export function requestFeatures(src, index) {
  if (!hasControl(src) || !src.conn || !src.conn.hello)
    return;
  camState(src, index).askedAt = now();
  send(src.conn, { type: "features", camera: index });
}

/* ---- What comes from the network, checked ---- */

function text(v) {
  return typeof v === "string" ? v.slice(0, MAX_TEXT) : "";
}

function finite(v) {
  return typeof v === "number" && Number.isFinite(v);
}

/* One feature object of a features reply or a feature message, or null
 * when it is not one. Keys we do not know are ignored. */
export function readFeature(o, name) {
  if (!o || typeof o !== "object" || typeof name !== "string" || !name ||
      !KINDS.includes(o.kind))
    return null;
  const f = { name: name.slice(0, MAX_TEXT), kind: o.kind, value: null,
              min: null, max: null, inc: null, unit: text(o.unit), entries: [],
              writable: o.writable === true, why: text(o.why) };
  if (f.kind === "float" || f.kind === "int") {
    if (!finite(o.value))
      return null;
    f.value = o.value;
    if (finite(o.min) && finite(o.max) && o.min <= o.max) {
      f.min = o.min;
      f.max = o.max;
    }
    if (finite(o.inc) && o.inc > 0)
      f.inc = o.inc;
  } else if (f.kind === "bool") {
    if (typeof o.value !== "boolean")
      return null;
    f.value = o.value;
  } else if (f.kind === "enum") {
    if (typeof o.value !== "string" || !Array.isArray(o.entries))
      return null;
    f.value = text(o.value);
    f.entries = o.entries.slice(0, MAX_ENTRIES).filter((e) => typeof e === "string")
      .map(text);
  }
  return f;
}

/* The camera a message names: its index ("index", or "camera" as a
 * number), checked against the hello. */
function cameraIndex(src, msg) {
  const i = Number.isInteger(msg.index) ? msg.index
    : Number.isInteger(msg.camera) ? msg.camera : null;
  if (i !== null && src.byIndex.has(i))
    return i;
  if (typeof msg.camera === "string") {
    const cam = src.info && src.info.cameras.find((c) => c.name === msg.camera);
    if (cam)
      return cam.index;
  }
  return null;
}

function onFeatures(src, msg) {
  const index = cameraIndex(src, msg);
  if (index === null || !Array.isArray(msg.features))
    return;
  const cam = camState(src, index);
  cam.features = new Map();
  cam.order = [];
  for (const o of msg.features.slice(0, MAX_FEATURES)) {
    const f = readFeature(o, o && o.name);
    if (f && !cam.features.has(f.name)) {
      cam.features.set(f.name, f);
      cam.order.push(f.name);
    }
  }
  cam.loaded = true;
  cam.online = msg.online !== false;
  cam.operator = msg.operator === true;
  if (cam.operator)
    src.noRight = "";
  onControlChange(src, index, null);
}

function onFeature(src, msg) {
  const index = cameraIndex(src, msg);
  const cam = index === null ? null : src.control.get(index);
  const f = cam && readFeature(msg, msg.feature);
  if (!f)
    return;
  if (!cam.features.has(f.name))
    cam.order.push(f.name);
  cam.features.set(f.name, f);
  cam.errors.delete(f.name);
  cam.online = true; // it answered
  onControlChange(src, index, f.name);
}

function onLevels(src, msg) {
  const index = cameraIndex(src, { index: msg.camera });
  const h = msg.histogram;
  if (index === null || !Array.isArray(h) || h.length !== LEVEL_BINS ||
      !h.every((n) => finite(n) && n >= 0) || !finite(msg.clipped_low) ||
      !finite(msg.clipped_high))
    return;
  stats.levelsReceived++;
  const cam = camState(src, index);
  cam.levels = { histogram: h, frameId: finite(msg.frame_id) ? msg.frame_id : null,
                 clippedLow: Math.min(1, Math.max(0, msg.clipped_low)),
                 clippedHigh: Math.min(1, Math.max(0, msg.clipped_high)),
                 at: now(), count: (cam.levels ? cam.levels.count : 0) + 1 };
  onControlChange(src, index, "levels");
}

/* features, feature and levels messages. */
export function onControlMessage(c, msg) {
  const src = c.src;
  if (!src.control)
    return;
  if (msg.type === "features")
    onFeatures(src, msg);
  else if (msg.type === "feature")
    onFeature(src, msg);
  else if (msg.type === "levels")
    onLevels(src, msg);
}

/* An error reply about camera control (a refused set or features
 * message): kept for the panel. Returns false for other errors. An error
 * without a camera (the daemon's refusal of a set for want of the right,
 * a camera it does not know) is about the last set this page sent. The
 * operator right is the connection's: a refusal for want of it holds for
 * every camera of the source. */
export function onControlError(c, msg) {
  const src = c.src;
  const message = String(msg.message).slice(0, 2 * MAX_TEXT);
  if (!src.control || (typeof msg.feature !== "string" && !/^(set|features)\b/.test(message)))
    return false;
  if (/operator right/.test(message)) {
    src.noRight = message.replace(/^set: /, "");
    for (const cam of src.control.values())
      cam.operator = false;
  }
  let index = cameraIndex(src, msg);
  let feature = typeof msg.feature === "string" ? msg.feature : "";
  if (index === null && src.lastSet) {
    index = src.lastSet.index;
    feature = feature || src.lastSet.name;
  }
  if (index === null)
    return true;
  const cam = camState(src, index);
  if (/is offline/.test(message))
    cam.online = false;
  cam.errors.set(feature, message);
  onControlChange(src, index, feature || null);
  return true;
}

/* ---- Sets ---- */

/* Sets feature name of camera index to value: at once when none of it
 * went out for SET_GAP_MS, else when that gap ends, with the newest value
 * by then (a slider dragged sends the values it passes through, a few a
 * second, and always the last one). */
export function setFeature(src, index, name, value) {
  const cam = camState(src, index);
  let p = cam.pending.get(name);
  if (!p) {
    p = { value, timer: 0, sentAt: -Infinity };
    cam.pending.set(name, p);
  }
  p.value = value;
  cam.errors.delete(name);
  if (p.timer)
    return;
  const wait = p.sentAt + SET_GAP_MS - now();
  if (wait <= 0)
    sendSet(src, cam, name, p);
  else
    p.timer = setTimeout(() => sendSet(src, cam, name, p), wait);
}

function sendSet(src, cam, name, p) {
  p.timer = 0;
  p.sentAt = now();
  cam.setsSent++;
  src.lastSet = { index: cam.index, name };
  send(src.conn, { type: "set", camera: cam.index, feature: name, value: p.value });
}
