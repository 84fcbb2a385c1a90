"""End-to-end: camera control of a GigE Vision camera (docs/control.md):
Aravis' arv-fake-gv-camera-0.8 on 127.0.0.2, in a private network
namespace as test_aravis_gige.py runs its fakes (the script re-runs itself
under `unshare -n`; without root or the tools it exits 77, "skipped").

    /usr/bin/python3 tests/integration/test_control_gige.py build/src/camcastd

Checks:
  - GainRaw set live brightens the camera's ramp (the fake's formula);
  - TriggerSelector, TriggerSource and TriggerMode set and read back,
    TriggerSoftware executed (announced, no error); TriggerMode Off: frames
    flow. (Debian's arv-fake-gv-camera-0.8, 0.8.26, keeps sending frames in
    trigger mode, at a rate of its own: one frame per trigger and a quiet
    camera that is not taken for lost cannot be shown with it);
  - the camera lost: sets are refused as offline (WebSocket and HTTP 503);
    back (a fresh process, its own defaults): the daemon sets the four live
    values (GainRaw and the trigger settings) again, in order (logged), its frames are as bright as before the loss and
    /api/cameras reads the live GainRaw back.
"""

import asyncio
import json
import os
import shutil
import signal
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cc_testlib as T  # noqa: E402
import test_aravis_gige as G  # noqa: E402  (its fake camera helpers)
from control_client import ControlClient, mean  # noqa: E402
from test_control import CONTROL, VIEW, feature_msg, http, make_tokens  # noqa: E402

ADDRESS, SERIAL = "127.0.0.2", "GV01"
TIMEOUT_MS = 1000
CAMS = [("c1", T.aravis_camera(SERIAL, width=320, height=240, pixel_format="Mono8",
                               grab_fps=30, packet_size=8192, timeout_ms=TIMEOUT_MS))]


def enter_netns(binary):
    if os.environ.get("CC_IN_NETNS") == "1":
        return
    missing = [t for t in ("unshare", "ip", G.FAKE) if shutil.which(t) is None]
    if os.geteuid() != 0 or missing:
        print(f"SKIP: needs root and {', '.join(missing) or 'unshare'}", flush=True)
        sys.exit(G.SKIP)
    sys.stdout.flush()
    os.execvpe("unshare", ["unshare", "-n", sys.executable, os.path.abspath(__file__),
                           binary], dict(os.environ, CC_IN_NETNS="1"))


async def set_and_wait(op, feature, value):
    return await op.request({"type": "set", "camera": "c1", "feature": feature,
                             "value": value},
                            lambda m: feature_msg(feature, "c1")(m) and
                            (m.get("value") == value or m["kind"] == "command"),
                            f"{feature} = {value} read back")


async def brightness(op, tj):
    first = await op.wait_entry(lambda e: True, what="an entry of c1")
    base = mean(tj, first)
    start = len(op.bundles)
    await set_and_wait(op, "GainRaw", 2)
    e = await op.wait_entry(lambda e: mean(tj, e) > base * 1.45, start=start,
                            what="a brighter frame at GainRaw 2")
    T.log(f"GainRaw 2: mean {base:.1f} -> {mean(tj, e):.1f}")
    return base


async def triggers(d, op):
    n_lines = d.line_count()
    await set_and_wait(op, "TriggerSelector", "FrameStart")
    await set_and_wait(op, "TriggerSource", "Software")
    await set_and_wait(op, "TriggerMode", "On")
    for i in range(3):
        n0 = len(op.texts)
        await op.send({"type": "set", "camera": "c1", "feature": "TriggerSoftware",
                       "value": "execute"})
        await op.wait_text(feature_msg("TriggerSoftware", "c1"), start=n0,
                           what=f"TriggerSoftware {i + 1} executed")
        errors = [m for m in op.texts[n0:] if m["type"] == "error"]
        T.check(not errors, f"TriggerSoftware: {errors}")
    start = len(op.bundles)
    await set_and_wait(op, "TriggerMode", "Off")
    await op.wait_entry(lambda e: True, start=start + 5, what="free-running frames again")
    T.check(not d.lines_matching(r"camera c1: offline", n_lines), "c1 went offline")
    T.log("TriggerSelector, TriggerSource, TriggerMode set and read back; TriggerSoftware "
          "executed three times; TriggerMode Off: frames flow")


async def loss(d, fake, op, tj, base):
    n0 = d.line_count()
    fake.kill()
    T.check(d.wait_for_line(r"camera c1: offline", 15, n0) is not None,
            "no 'camera c1: offline' line")
    err = await op.error_for({"type": "set", "camera": "c1", "feature": "GainRaw",
                              "value": 3})
    T.check("camera c1 is offline" in err["message"], f"set while offline: {err}")
    status, _h, body = http(d, "PUT", "/api/cameras/c1/features/GainRaw", CONTROL,
                            '{"value": 3}')
    T.check(status == 503 and b"offline" in body, f"PUT while offline: {status} {body}")
    n1 = d.line_count()
    fake.start()
    m = await asyncio.to_thread(d.wait_for_line, r"camera c1: online again", 40, n1)
    T.check(m is not None, "camera c1 not back within 40 s of its restart")
    T.check(d.lines_matching(r"camera c1: 4 values set live applied again", n1),
            "no line saying the live values were set again")
    back = len(op.bundles)
    e = await op.wait_entry(lambda e: mean(tj, e) > base * 1.45, start=back,
                            what="a frame as bright as before the loss")
    status, _h, body = http(d, "GET", "/api/cameras/c1", VIEW)
    gain = [f for f in json.loads(body)["features"] if f["name"] == "GainRaw"]
    T.check(status == 200 and gain and gain[0]["value"] == 2,
            f"GainRaw after the reconnection: {gain}")
    T.log(f"lost and back: GainRaw 2 set again (mean {mean(tj, e):.1f}, was {base:.1f} "
          "before any set)")


def run(binary):
    G.setup_loopback()
    fake = G.FakeCamera(ADDRESS, SERIAL)
    tokens = make_tokens()
    s = T.server_section(stream_fps=15, encoder_workers=2)
    s["token_file"] = os.path.join(tokens, "view.token")
    s["control_token_file"] = os.path.join(tokens, "control.token")
    tj = T.TurboJPEG()
    try:
        fake.start()
        with T.Daemon(binary, T.make_config(s, CAMS), name="gige.ini") as d:
            T.check(d.wait_for_line(r"camera c1: online: ", 10) is not None, "c1 not online")

            async def scenario():
                async with ControlClient(d, CONTROL, n_cameras=1) as op:
                    base = await brightness(op, tj)
                    await triggers(d, op)
                    await loss(d, fake, op, tj, base)
            asyncio.run(scenario())
            T.check_eq(d.stop(signal.SIGTERM), 0, "exit status")
    finally:
        fake.kill()


def main(binary):
    enter_netns(binary)
    run(binary)


if __name__ == "__main__":
    T.run_main(main)
