/* Bundles to pixels: each FrameBundle parsed (framebundle.js) and its
 * entries put in a one-slot mailbox per tile (newest wins); one job at a
 * time in the decode worker (decode-worker.js); the newest bitmap of each
 * tile drawn in requestAnimationFrame (docs/browser.md, "How it works").
 * CamcastFB is framebundle.js's global (a classic script, loaded first). */

import { send, sourceError } from "./connection.js";
import { shownTiles, tiles } from "./grid.js";
import { MAX_SIDE } from "./hello.js";
import { hidden, paused } from "./keys.js";
import { showError } from "./overlays.js";
import { sources } from "./sources.js";
import { noteSync } from "./sync.js";
import { epochNow, now, smooth, stats } from "./util.js";

const DECODE_TIMEOUT_MS = 5000;  // a decoder that takes longer is restarted
const ECONOMY_SLACK = 1.15;      // economy: a tile may be up to 15% larger than its decode
const ECONOMY_SETTLE_JOBS = 30;  // jobs at a decode size before judging it
const ECONOMY_TRIAL_JOBS = 300;  // jobs in economy before trying the larger size again

/* ---- Bundles ---- */

/* Each bundle's bookkeeping: drawn once one of its frames is, dropped once
 * all were replaced before they could be. */
export function release(rec, dropped) {
  if (--rec.live === 0 && !rec.drawn && dropped)
    stats.bundlesDropped++;
}

function decoding() {
  return !paused && !hidden;
}

export function onBundle(c, buffer) {
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
  noteSync(src, b);
  pump();
}

/* A tile's waiting entry leaves its slot: handed to the decoder, replaced
 * or dropped. Its bundle is taken once none of its entries wait. */
export function unpend(t) {
  const p = t.pending;
  t.pending = null;
  p.rec.waiting--;
  return p;
}

/* Flow control: every bundle taken (none of its entries waiting for the
 * decoder) is acknowledged, the newest in one ack per daemon. A bundle
 * with nothing to decode (a hidden tab, a camera not shown) is taken at
 * once. */
export function flushAcks() {
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

export function startWorker() {
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
export function pump() {
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
export const economy = { on: false, jobs: 0, ms: null };
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
export function requestDraw() {
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
export function paint(t, bitmap) {
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

/* Paused or hidden: what waits for the decoder is not wanted any more. */
export function dropPending() {
  for (const t of tiles)
    if (t.pending)
      release(unpend(t).rec, false);
  flushAcks();
}

/* capture -> drawn (ms) of every frame drawn, the last LATENCY_LOG, on the
 * page's own clock: for a daemon on the same host (bench/browser_bench.py's
 * percentiles), where a ping/pong offset would only add its error (a pong
 * queued behind bundles is late). window.camcastLatencies(from) gives
 * those since the count `from`, and the count now. */
const LATENCY_LOG = 4096;
const latencyLog = { values: new Float64Array(LATENCY_LOG), count: 0 };
export function latenciesSince(from) {
  const to = latencyLog.count;
  const values = [];
  for (let i = Math.max(Number(from) || 0, to - LATENCY_LOG); i < to; i++)
    values.push(latencyLog.values[i % LATENCY_LOG]);
  return { count: to, values };
}

/* A job is in the worker (camcastStats.decoding). */
export const decoderBusy = () => job !== null;
