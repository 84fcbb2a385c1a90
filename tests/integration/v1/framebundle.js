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

  root.CamcastFB = Object.freeze({ parse, FrameBundleError, CODEC_JPEG: 1, FLAG_GRAY: 1 });
})(self);
