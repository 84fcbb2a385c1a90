"""Takes docs/browser.png: the page on the sample cams.ini, in headless Chromium.

    /usr/bin/python3 tests/integration/browser_screenshot.py build/src/camcastd docs/browser.png

Runs camcastd on the repository's cams.ini (three 1920x1200 Mono8
test-pattern cameras; listening on 127.0.0.1 and a free port instead),
opens http://127.0.0.1:PORT/ in a 1280x720 window, waits until every
camera has been drawn for 15 s (so the overlays show settled figures) and
saves the page as PNG through DevTools' Page.captureScreenshot. Take it on
a quiet machine: the overlays show what the page achieved.
"""

import asyncio
import json
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cc_testlib as T  # noqa: E402
import cc_browser as B  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")


def sample_config(port=0):
    """The repository's cams.ini, on 127.0.0.1 and the given port."""
    with open(os.path.join(ROOT, "cams.ini")) as f:
        text = f.read()
    text = re.sub(r"(?m)^listen\s*=.*$", "listen = 127.0.0.1", text)
    return re.sub(r"(?m)^port\s*=.*$", f"port = {port}", text)


async def shoot(binary, out, settle=15.0):
    with T.Daemon(binary, sample_config()) as d:
        async with B.Browser(width=1280, height=720, log=T.log) as b:
            await b.navigate(f"http://{T.HOST}:{d.port}/")
            await b.wait_for("camcastStats.cameras.length == 3 && "
                             "camcastStats.cameras.every(c => c.framesDrawn > 10)", 30,
                             "every camera drawn")
            await asyncio.sleep(settle)
            await b.screenshot(out)
            s = await b.evaluate("JSON.stringify(camcastStats)")
            s = json.loads(s)
            cams = [(c["name"], round(c["fps"], 1), round(c["latencyMs"] or 0, 1),
                     c["decodedEighths"]) for c in s["cameras"]]
            T.log(f"{out}: {cams} (name, fps, latency ms, decoded n/8); a job takes "
                  f"{s['jobMs']:.1f} ms; mux -> received {s['arrivalMs']:.1f} ms (clock rtt "
                  f"{s['clockRttMs']:.1f} ms), received -> drawn {s['pageMs']:.1f} ms")


def main():
    if len(sys.argv) != 3:
        sys.exit(f"usage: /usr/bin/python3 {sys.argv[0]} PATH/TO/camcastd OUT.png")
    start = time.monotonic()
    try:
        asyncio.run(shoot(os.path.abspath(sys.argv[1]), sys.argv[2]))
    finally:
        T.Daemon.kill_all()
    T.log(f"done in {time.monotonic() - start:.1f} s")


if __name__ == "__main__":
    main()
