"""End-to-end: readers written before protocol 1.2 read the bundles of this
daemon (48-byte entries with device_time_ns, bundle flag bit 0, entry
flag bit 1).

    /usr/bin/python3 tests/integration/test_protocol_compat.py build/src/camcastd

The readers are those of the release before, kept as they were in
tests/integration/v1/: the page's reader (web/framebundle.js at main, run in
headless Chromium) and the python-websockets client's (cc_testlib at main).
A daemon with a software sync group of three test patterns and one camera
outside it streams; for each of 20 bundles:

  - the old Python reader, over Debian's python3-websockets, parses it,
    skipping the 8 bytes of each entry it does not know by entry_size; the
    JPEGs it finds decode to the cameras' sizes;
  - the old page reader, in Chromium, parses the same bytes to the same
    entries (cameras, sizes, frame ids, payload offsets and sizes) and the
    same flags, without an error;
  - both agree with this release's reader, which also sees the device
    times.
"""

import asyncio
import base64
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "v1"))
import cc_testlib as T  # noqa: E402
import cc_browser as B  # noqa: E402
import reader as V1  # noqa: E402

CAMS = [(name, T.camera(160, 120, "Mono8", "scroll", grab_fps=100))
        for name in ("left", "center", "right", "solo")]
SYNC = "\n[sync line]\ncameras = left, center, right\ntrigger = software\nwait_ms = 200\n"
N = 20


async def collect(d):
    """N bundles as bytes, after the hello, over python-websockets."""
    out = []
    async with T.ws_connect(d.uri("/stream")) as ws:
        await T.recv(ws, what="the hello")
        while len(out) < N:
            m = await T.recv(ws, what="a FrameBundle")
            if isinstance(m, bytes):
                out.append(m)
    return out


def entry_summary(cam, width, height, frame_id, flags, offset, size):
    return [cam, width, height, frame_id, flags, offset, size]


def py_v1(data, tj, cams):
    b = V1.parse_bundle(data, len(cams))
    entries = []
    off = b.header_size
    for e in b.entries:
        w, h, _ss, _cs, _px = tj.decode(e.payload)
        T.check_eq((w, h), (cams[e.camera_index]["width"], cams[e.camera_index]["height"]),
                   "decoded size (old reader)")
        T.check_eq(e.entry_size, T.ENTRY_SIZE, "entry_size the old reader skipped by")
        entries.append(entry_summary(e.camera_index, e.width, e.height, e.frame_id, e.flags,
                                     off + e.entry_size, e.payload_size))
        off += e.entry_size + e.payload_size
    return {"seq": b.bundle_seq, "flags": b.flags, "entries": entries}


JS_PARSE = """(() => {
  const bin = atob(%s);
  const buf = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) buf[i] = bin.charCodeAt(i);
  const b = CamcastFB.parse(buf.buffer, %d);
  return {seq: b.seq, flags: b.flags,
          entries: b.entries.map(e => [e.camera, e.width, e.height, e.frameId, e.flags,
                                       e.offset, e.size])};
})()"""


async def page_v1(bundles, ncams):
    with open(os.path.join(HERE, "v1", "framebundle.js")) as f:
        source = f.read()
    async with B.Browser(width=320, height=240, log=T.log) as b:
        await b.navigate("about:blank")
        await b.evaluate(source + "\n;typeof CamcastFB")
        T.check_eq(await b.evaluate("typeof CamcastFB.parse"), "function",
                   "the old page reader loaded")
        out = []
        for data in bundles:
            text = base64.b64encode(data).decode()
            out.append(await b.evaluate(JS_PARSE % (json.dumps(text), ncams)))
        T.check(not b.exceptions, f"page exceptions: {b.exceptions}")
        return out


def main(binary):
    tj = T.TurboJPEG()
    hello_cams = T.cameras_for_hello(CAMS)
    cfg = T.make_config(T.server_section(stream_fps=30), CAMS) + SYNC
    with T.Daemon(binary, cfg) as d:
        bundles = asyncio.run(collect(d))
        T.check_eq(d.stop(), 0, "exit status")
    old_py = [py_v1(data, tj, hello_cams) for data in bundles]
    T.log(f"the old Python reader parsed {len(old_py)} bundles of 48-byte entries")
    old_page = asyncio.run(page_v1(bundles, len(CAMS)))
    aligned = 0
    for data, py, page in zip(bundles, old_py, old_page):
        T.check_eq(page, py, "the old page reader and the old Python reader")
        now = T.validate_bundle(T.parse_bundle(data, len(CAMS)), hello_cams)
        T.check_eq([[e.camera_index, e.frame_id] for e in now.entries],
                   [[e[0], e[3]] for e in py["entries"]], "this release's reader")
        T.check(all(e.device_time_ns for e in now.entries), "an entry without a device time")
        aligned += bool(now.flags & T.FLAG_ALIGNED)
    T.check(aligned > 0, "no bundle flagged aligned: the readers were not given one")
    T.log(f"the old page reader in Chromium parsed the same {len(old_page)} bundles "
          f"({aligned} flagged aligned) to the same entries")


if __name__ == "__main__":
    T.run_main(main)
