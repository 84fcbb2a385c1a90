"""End-to-end: a browser (headless Chromium) decodes the stream's JPEGs.

    /usr/bin/python3 tests/integration/test_browser_decode.py build/src/camcastd

Three cameras on two encoder workers: every frame is split in two strips
and merged with restart markers (src/encode/jpeg_stitch.c). One bundle is taken
from the stream; its JPEGs go into a page as <img> data URLs; Chromium
(Debian's, --headless) draws each on a canvas and writes its size and the
sum of every row of pixels into the page, which --dump-dom prints.

Checks: every JPEG has a restart interval (DRI) and decodes in Chromium at
the camera's size, and every row matches TurboJPEG's own decode of the same
JPEG (within 1 per pixel on average: a broken strip would be far off).
"""

import asyncio
import base64
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cc_testlib as T  # noqa: E402

CAMS = [
    ("gray", T.camera(640, 480, "Mono8", "scroll", grab_fps=100)),
    ("colour", T.camera(643, 479, "RGB8", "bars", grab_fps=100)),
    ("small", T.camera(320, 240, "RGB8", "checker", grab_fps=100)),
]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_TIMEOUT = 90
ROW_TOLERANCE = 1.0  # mean difference per channel value, in one row

PAGE = """<!doctype html><html><body><pre id="out">pending</pre>%s<script>
function rows(img) {
  if (!img.complete || !img.naturalWidth) return {error: 'not decoded'};
  const c = document.createElement('canvas');
  c.width = img.naturalWidth;
  c.height = img.naturalHeight;
  const g = c.getContext('2d');
  g.drawImage(img, 0, 0);
  const d = g.getImageData(0, 0, c.width, c.height).data;
  const sums = [];
  for (let y = 0; y < c.height; y++) {
    let s = 0;
    for (let i = y * c.width * 4; i < (y + 1) * c.width * 4; i += 4)
      s += d[i] + d[i + 1] + d[i + 2];
    sums.push(s);
  }
  return {w: c.width, h: c.height, rows: sums};
}
window.addEventListener('load', () => {
  const imgs = Array.from(document.getElementsByTagName('img'));
  document.getElementById('out').textContent = JSON.stringify(imgs.map(rows));
});
</script></body></html>"""


def has_dri(jpeg):
    sos = jpeg.find(b"\xff\xda")
    return sos > 0 and jpeg.find(b"\xff\xdd", 0, sos) > 0


async def one_bundle(d):
    async with T.ws_connect(d.uri("/stream")) as ws:
        await T.recv(ws, what="the hello")
        for _ in range(10):  # every camera has had time to deliver
            b = T.parse_bundle(await T.recv_binary(ws), len(CAMS))
            if len(b.entries) == len(CAMS):
                return b
    T.fail(f"no bundle with all {len(CAMS)} cameras in 10")


def chromium_rows(jpegs):
    """Per image: {w, h, rows} as Chromium decoded it (or {error})."""
    tags = "".join(f'<img src="data:image/jpeg;base64,{base64.b64encode(j).decode()}">'
                   for j in jpegs)
    with tempfile.TemporaryDirectory(prefix="camcast-browser-") as tmp:
        page = os.path.join(tmp, "page.html")
        with open(page, "w") as f:
            f.write(PAGE % tags)
        cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
               "--no-first-run", f"--user-data-dir={tmp}/profile",
               "--virtual-time-budget=10000", "--dump-dom", "file://" + page]
        try:
            p = subprocess.run(cmd, capture_output=True, text=True,
                               timeout=CHROMIUM_TIMEOUT)
        except subprocess.TimeoutExpired:
            T.fail(f"chromium did not finish within {CHROMIUM_TIMEOUT} s")
    m = re.search(r'<pre id="out">(.*?)</pre>', p.stdout, re.S)
    T.check(m is not None and m.group(1) != "pending",
            f"no result in chromium's DOM (exit {p.returncode}; "
            f"stderr: {p.stderr[-500:]!r})")
    return json.loads(m.group(1))


def compare(name, jpeg, got, tj):
    w, h, _ss, _cs, px = tj.decode(jpeg, True)
    T.check("error" not in got, f"{name}: chromium: {got.get('error')}")
    T.check_eq((got["w"], got["h"]), (w, h), f"{name}: size chromium decoded")
    ch = len(px) // (w * h)
    worst, same = 0.0, 0
    for y in range(h):
        want = sum(px[y * w * ch:(y + 1) * w * ch]) * (3 if ch == 1 else 1)
        diff = abs(want - got["rows"][y]) / (w * 3)
        worst = max(worst, diff)
        same += want == got["rows"][y]
    T.log(f"{name}: {w}x{h}, {len(jpeg)} bytes: {same}/{h} rows identical to "
          f"TurboJPEG's decode, worst row off by {worst:.3f} per value")
    T.check(worst <= ROW_TOLERANCE,
            f"{name}: a row decoded by chromium is off by {worst:.2f} per value")


def main(binary):
    T.check(shutil.which(CHROMIUM) is not None,
            f"{CHROMIUM} not found (scripts/install-deps.sh installs Debian's chromium)")
    cfg = T.make_config(T.server_section(stream_fps=10, encoder_workers=2), CAMS)
    with T.Daemon(binary, cfg) as d:
        bundle = asyncio.run(one_bundle(d))
    entries = sorted(bundle.entries, key=lambda e: e.camera_index)
    for e in entries:
        T.check(has_dri(e.payload), f"{CAMS[e.camera_index][0]}: no restart interval "
                                    "(frames are split over the 2 workers)")
    got = chromium_rows([e.payload for e in entries])
    T.check_eq(len(got), len(entries), "images chromium reported")
    tj = T.TurboJPEG()
    for e, g in zip(entries, got):
        compare(CAMS[e.camera_index][0], e.payload, g, tj)


if __name__ == "__main__":
    T.run_main(main)
