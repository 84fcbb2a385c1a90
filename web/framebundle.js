/* FrameBundle reader for the browser (docs/protocol.md, version 1).
 *
 * Loaded by the page (a <script>) and usable by the decode worker
 * (importScripts): it defines self.CamcastFB and touches nothing else.
 * It checks the whole message before it returns anything, in the order of
 * the C reader (lib/framebundle.c), so the page and camcast-viewer reject
 * the same bundles with the same reasons.
 */
"use strict";

(function (root) {
  const BUNDLE_HEADER = 32; // v1 sizes: a reader skips any extra bytes
  const ENTRY_HEADER = 40;
  const ENTRY_DEVICE_TIME = 40; // 1.2: where entries of 48 bytes and up have it
  const FLAG_SHARED_CLOCK = 2;  // entry flag bit 1: device time on a shared clock
  const FLAG_ALIGNED = 1;       // bundle flag bit 0: one moment of each sync group
  const TWO_32 = 4294967296;

  /* Why a message is not a bundle: code as in lib/framebundle.c. */
  class FrameBundleError extends Error {
    constructor(code, message) {
      super(message);
      this.name = "FrameBundleError";
      this.code = code;
    }
  }

  function fail(code, message) {
    throw new FrameBundleError(code, message);
  }

  /* A u64 as a Number: exact up to 2^53 (counters), within 256 ns for
   * CLOCK_REALTIME nanoseconds, which is far below what the page shows. */
  function u64(view, at) {
    return view.getUint32(at + 4, true) * TWO_32 + view.getUint32(at, true);
  }

  /* Parses one binary message (an ArrayBuffer). maxEntries: the number of
   * cameras in the hello. Returns {seq, muxNs, flags, entries[]}; each
   * entry holds its payload's offset and size in the buffer, not a copy.
   * Throws a FrameBundleError for anything a reader must reject. */
  function parse(buffer, maxEntries) {
    const len = buffer.byteLength;
    if (len < BUNDLE_HEADER)
      fail("ESHORT", `${len} bytes, shorter than the 32-byte bundle header`);
    const v = new DataView(buffer);
    if (v.getUint32(0, false) !== 0x43434642) // "CCFB"
      fail("EMAGIC", "not a FrameBundle (magic is not CCFB)");
    const version = v.getUint16(4, true);
    if (version !== 1)
      fail("EVERSION", `FrameBundle version ${version}, this page reads 1`);
    const headerSize = v.getUint16(6, true);
    if (headerSize < BUNDLE_HEADER)
      fail("EHEADER", `header_size ${headerSize} is below 32`);
    if (headerSize > len)
      fail("ETRUNC", `header_size ${headerSize} runs past the message (${len} bytes)`);
    const count = v.getUint16(24, true);
    if (count > maxEntries)
      fail("ETOOMANY", `${count} entries, but the hello lists ${maxEntries} cameras`);

    const entries = [];
    const seen = new Set();
    let off = headerSize;
    for (let i = 0; i < count; i++) {
      // Each size is compared with what remains before it is added.
      if (len - off < ENTRY_HEADER)
        fail("ETRUNC", `entry ${i}: its header runs past the message`);
      const entrySize = v.getUint16(off, true);
      if (entrySize < ENTRY_HEADER)
        fail("EHEADER", `entry ${i}: entry_size ${entrySize} is below 40`);
      if (len - off < entrySize)
        fail("ETRUNC", `entry ${i}: entry_size ${entrySize} runs past the message`);
      const payloadSize = v.getUint32(off + 32, true);
      if (len - off - entrySize < payloadSize)
        fail("ETRUNC", `entry ${i}: ${payloadSize} bytes of payload run past the message`);
      const camera = v.getUint16(off + 2, true);
      if (seen.has(camera))
        fail("EDUP", `entry ${i}: a second entry for camera ${camera}`);
      seen.add(camera);
      entries.push({
        camera,
        width: v.getUint32(off + 4, true),
        height: v.getUint32(off + 8, true),
        codec: v.getUint16(off + 12, true),
        flags: v.getUint16(off + 14, true),
        frameId: u64(v, off + 16),
        captureMs: u64(v, off + 24) / 1e6, // epoch milliseconds
        offset: off + entrySize,
        size: payloadSize,
        dropped: v.getUint32(off + 36, true),
        // The camera's own clock, exact (a BigInt): differences of a few
        // microseconds matter. 0n in a v1 entry of 40 bytes.
        deviceNs: entrySize >= ENTRY_DEVICE_TIME + 8
          ? v.getBigUint64(off + ENTRY_DEVICE_TIME, true) : 0n,
      });
      off += entrySize + payloadSize;
    }
    if (off !== len)
      fail("ESIZE", `sizes add up to ${off} bytes, the message has ${len}`);
    return {
      seq: u64(v, 8),
      muxMs: u64(v, 16) / 1e6,
      flags: v.getUint16(26, true),
      entries,
    };
  }

  /* The spread of device times of the entries that share a clock (entry
   * flag bit 1) in milliseconds, or null with fewer than two of them. */
  function syncSpreadMs(entries) {
    let lo = null, hi = null, n = 0;
    for (const e of entries) {
      if (!(e.flags & FLAG_SHARED_CLOCK) || e.deviceNs === 0n)
        continue;
      lo = lo === null || e.deviceNs < lo ? e.deviceNs : lo;
      hi = hi === null || e.deviceNs > hi ? e.deviceNs : hi;
      n++;
    }
    return n < 2 ? null : Number(hi - lo) / 1e6;
  }

  /* The hello's "sync" groups (PROTOCOL.md 1.2): [{name, cameras: Set of
   * indexes}], what is not one left out. */
  function readSyncGroups(list) {
    if (!Array.isArray(list))
      return [];
    return list.filter((g) => g && typeof g.name === "string" && Array.isArray(g.cameras))
      .slice(0, 64)
      .map((g) => ({ name: g.name.slice(0, 64),
                     cameras: new Set(g.cameras.filter(Number.isInteger)) }));
  }

  /* What a bundle says of each group it has entries of: its name, the
   * spread of their device times in ms (null when their clocks are not one)
   * and whether the bundle is aligned (one moment of every group). */
  function groupSync(bundle, groups) {
    const out = [];
    for (const g of groups) {
      const mine = bundle.entries.filter((e) => g.cameras.has(e.camera));
      if (mine.length)
        out.push({ name: g.name, cameras: mine.map((e) => e.camera),
                   spreadMs: syncSpreadMs(mine),
                   aligned: (bundle.flags & FLAG_ALIGNED) !== 0 });
    }
    return out;
  }

  root.CamcastFB = Object.freeze({ parse, syncSpreadMs, readSyncGroups, groupSync,
                                   FrameBundleError, CODEC_JPEG: 1,
                                   FLAG_GRAY: 1, FLAG_SHARED_CLOCK, FLAG_ALIGNED });
})(self);
