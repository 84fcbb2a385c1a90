"""End-to-end: the browser page shows sync groups (docs/sync.md).

    /usr/bin/python3 tests/integration/test_browser_sync.py build/src/camcastd

In headless Chromium (cc_browser.py), the page camcastd serves:
  - a software group of three test patterns (delays 0/3/7 ms): each of its
    cameras' overlays says "sync 0.00 ms" (one instant) and the page counts
    aligned bundles; the camera outside the group says nothing of sync;
  - a group whose third camera is 150 ms late: its cameras' overlays say
    the group is NOT ALIGNED, and the page counts unaligned bundles.
Read from window.camcastStats and the overlays' own text.
"""

import asyncio
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cc_testlib as T  # noqa: E402
import cc_browser as B  # noqa: E402
import test_sync as S  # noqa: E402

OVERLAYS = "[...document.querySelectorAll('.overlay')].map(o => o.textContent)"


async def page(d, cond, what):
    async with B.Browser(width=1024, height=768, log=T.log) as b:
        await b.navigate(f"http://{T.HOST}:{d.port}/")
        await b.wait_for(cond, 30, what)
        stats = await b.evaluate("camcastStats")
        overlays = await b.evaluate(OVERLAYS)
        T.check(not b.exceptions, f"page exceptions: {b.exceptions}")
        return stats, overlays


def main(binary):
    cams = S.cameras(S.DELAYS_US)
    with T.Daemon(binary, S.config(cams, S.SOFTWARE)) as d:
        stats, overlays = asyncio.run(page(
            d, "camcastStats.syncAligned > 10 && camcastStats.cameras.slice(0, 3)"
               ".every(c => c.sync === 'sync 0.00 ms')", "three cameras in sync"))
        T.check_eq(stats["cameras"][3]["sync"], "", "the camera in no group")
        T.check(all("sync 0.00 ms" in o for o in overlays[:3]), f"overlays: {overlays}")
        T.check("sync" not in overlays[3], f"the solo camera's overlay: {overlays[3]}")
        T.log(f"page: {stats['syncAligned']} aligned bundles, overlays say sync 0.00 ms")
        T.check_eq(d.stop(), 0, "exit status")

    late = "\n[sync line]\ncameras = left, center, right\ntrigger = software\nwait_ms = 50\n"
    cams = S.cameras([0, 3000, 150000], solo=False)
    with T.Daemon(binary, S.config(cams, late)) as d:
        stats, overlays = asyncio.run(page(
            d, "camcastStats.syncUnaligned > 10 && "
               "camcastStats.cameras[0].sync === 'sync line: NOT ALIGNED'", "not aligned"))
        T.check(any("NOT ALIGNED" in o for o in overlays), f"overlays: {overlays}")
        T.log(f"page: {stats['syncUnaligned']} bundles not aligned, and says so")
        T.check_eq(d.stop(), 0, "exit status")


if __name__ == "__main__":
    T.run_main(main)
