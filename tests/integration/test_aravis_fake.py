"""End-to-end: Aravis' in-process Fake camera through the whole daemon.

    /usr/bin/python3 tests/integration/test_aravis_fake.py build/src/camcastd

Checks (re-run under `unshare -n` with loopback only when root: Aravis'
discovery broadcasts on every interface; without root the two discovering
checks are left out, said in the log):
  - --list-cameras, with a config that sets aravis_fake, lists Fake_1;
  - start-up errors: exit status 2, one stderr line naming FILE:LINE and the
    key: a device that is not there (the message lists what Aravis sees), a
    value the camera refuses (the feature's name and the allowed range), a
    pixel format the camera does not offer (with the ones it does) and one
    camcastd cannot stream (a config error with the supported ones);
  - four Fake cameras (Mono8 at 400 fps, BayerGB8, Mono16, RGB8) streamed at
    30 fps: the hello says what they run at and that they are online; every
    entry has the configured size, is grayscale for the Mono formats, decodes,
    and is the camera's own image: the Mono8 and Mono16 ramps match the Fake's
    pattern for the entry's frame_id, and the demosaiced Bayer image matches
    the colours the RGB8 camera shows for the same ramp values; frame_ids
    grow and the 400 fps camera drops frames between entries;
  - SIGTERM: the daemon exits 0;
  - the shipped cams-fake.ini streams its three cameras.
"""

import asyncio
import os
import signal
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cc_testlib as T  # noqa: E402

STREAM_FPS = 30
N_BUNDLES = 45

CAMS = [
    ("mono", T.aravis_camera("Fake_1", width=640, height=480, pixel_format="Mono8",
                             grab_fps=400)),
    ("bayer", T.aravis_camera("Fake_1", width=320, height=240, pixel_format="BayerGB8",
                              grab_fps=100)),
    ("deep", T.aravis_camera("Fake_1", width=256, height=192, pixel_format="Mono16",
                             grab_fps=50)),
    ("rgb", T.aravis_camera("Fake_1", width=320, height=240, pixel_format="RGB8",
                            grab_fps=50)),
]


def server(**kw):
    s = T.server_section(stream_fps=STREAM_FPS, encoder_workers=2)
    s["aravis_fake"] = "true"
    s.update(kw)
    return s


def write_config(text, name):
    d = tempfile.mkdtemp(prefix="camcast-arv-")
    path = os.path.join(d, name)
    with open(path, "w") as f:
        f.write(text)
    return path


def test_list_cameras(binary):
    path = write_config(T.make_config(server(), CAMS[:1]), "list.ini")
    rc, out, err = T.run_cli(binary, ["--config", path, "--list-cameras"], timeout=20)
    T.check_eq(rc, 0, f"--list-cameras exit status (stderr {err!r})")
    lines = out.splitlines()
    T.check(lines and lines[0].split()[:5] == ["ID", "VENDOR", "MODEL", "SERIAL", "ADDRESS"],
            f"--list-cameras: no header line: {out!r}")
    T.check(any(ln.split()[:5] == ["Fake_1", "Aravis", "Fake", "1", "0.0.0.0"]
                for ln in lines[1:]), f"--list-cameras does not list Fake_1: {out!r}")
    T.log("--list-cameras lists Fake_1")


def expect_start_error(binary, name, cam, key, want):
    """Starts the daemon on one camera; it must exit 2 with one line
    FILE:LINE: [camera NAME] KEY: ... containing want."""
    text = T.make_config(server(), [("cam", cam)])
    path = write_config(text, name)
    lines = text.splitlines()
    key_line = next(i + 1 for i, ln in enumerate(lines) if ln.startswith(key + " ="))
    rc, out, err = T.run_cli(binary, ["--config", path], timeout=30)
    errlines = [ln for ln in err.splitlines() if ln.strip()]
    T.check(rc == 2, f"{name}: expected exit status 2, got {rc}; stderr {err!r}")
    T.check("ws://" not in err, f"{name}: the daemon started listening: {err!r}")
    T.check(len(errlines) == 1, f"{name}: expected one line on stderr, got {errlines!r}")
    msg = errlines[0]
    where = f"{path}:{key_line}: [camera cam] {key}: "
    T.check(where in msg, f"{name}: {where!r} not in {msg!r}")
    T.check(want in msg, f"{name}: {want!r} not in {msg!r}")
    T.log(f"{name}: exit 2: {msg[msg.index(where) + len(path):]}")


def test_missing_camera(binary):
    """Looking for a camera that is not there discovers (broadcasts): only
    in the loopback namespace."""
    expect_start_error(binary, "missing.ini", T.aravis_camera("GV42"), "device",
                       "camera 'GV42' not found; Aravis sees ")
    expect_start_error(binary, "missing2.ini", T.aravis_camera("GV42"), "device",
                       "Fake_1 (Aravis Fake, serial 1, 0.0.0.0)")


def test_start_errors(binary):
    expect_start_error(binary, "width.ini", T.aravis_camera("Fake_1", width=4096),
                       "width", "Width = 4096 refused by the camera (allowed 1..2048)")
    expect_start_error(binary, "fps.ini", T.aravis_camera("Fake_1", grab_fps=2500),
                       "grab_fps",
                       "AcquisitionFrameRate = 2500 refused by the camera (allowed 0.1..1000)")
    expect_start_error(binary, "offered.ini",
                       T.aravis_camera("Fake_1", pixel_format="YUV422_8_UYVY"), "pixel_format",
                       "the camera does not offer YUV422_8_UYVY (it offers: BayerBG8, BayerGB8, "
                       "BayerGR8, BayerRG8, Mono8, RGB8, Mono16)")
    expect_start_error(binary, "feature.ini",
                       T.aravis_camera("Fake_1", **{"feature.TriggerMode": "Maybe"}),
                       "feature.TriggerMode",
                       "TriggerMode = Maybe refused by the camera: [TriggerMode] 'Maybe' not an "
                       "entry (allowed Off, On)")
    # A format camcastd cannot stream is refused with the config, with the
    # list of those it can.
    expect_start_error(binary, "format.ini", T.aravis_camera("Fake_1", pixel_format="Mono14"),
                       "pixel_format",
                       "unknown pixel format 'Mono14' (supported: Mono8, RGB8, BGR8, Mono10, "
                       "Mono12, Mono16, Mono10Packed, Mono12Packed, Mono10p, Mono12p, BayerRG8, "
                       "BayerGB8, BayerGR8, BayerBG8, YUV422_8_UYVY, YUV422_8)")


def mono16_ramp(x, y, frame_id):
    """The Fake's Mono16 pattern, as camcastd streams it (its top 8 bits)."""
    return (256 * (x + y + frame_id)) % 65535 >> 8


def mono16_error(px, width, height, frame_id):
    total = n = 0
    for y in range(0, height, 2):
        for x in range(0, width, 2):
            v = mono16_ramp(x, y, frame_id)
            if 3 <= v <= 251:
                total += abs(px[y * width + x] - v)
                n += 1
    return total / n


def colours_of(px, width, height, frame_id):
    """The RGB8 camera's colour for each ramp value, averaged over the image."""
    sums = {}
    for y in range(1, height - 1):
        for x in range(1, width - 1):
            v = T.fake_ramp(x, y, frame_id)
            i = 3 * (y * width + x)
            s = sums.setdefault(v, [0, 0, 0, 0])
            s[0] += px[i]
            s[1] += px[i + 1]
            s[2] += px[i + 2]
            s[3] += 1
    return {v: (s[0] / s[3], s[1] / s[3], s[2] / s[3]) for v, s in sums.items()}


def bayer_error(px, width, height, frame_id, colours):
    total = n = 0
    for y in range(2, height - 2, 2):
        for x in range(2, width - 2, 2):
            v = T.fake_ramp(x, y, frame_id)
            if not 4 <= v <= 250 or v not in colours:
                continue
            i = 3 * (y * width + x)
            total += sum(abs(px[i + c] - colours[v][c]) for c in range(3))
            n += 3
    return total / n


def check_images(entries, cams, tj):
    """entries: camera index -> list of entries. Checks the last few of each
    against the Fake's patterns."""
    errors = []
    rgb = entries[3][-1]
    rgb_px = T.check_aravis_entry(tj, rgb, cams[3], want_pixels=True)
    colours = colours_of(rgb_px, 320, 240, rgb.frame_id)
    for e in entries[0][-3:]:
        px = T.check_aravis_entry(tj, e, cams[0], want_pixels=True)
        err = T.ramp_error(px, 640, 480, e.frame_id)
        errors.append(err)
        T.check(err < 3, f"Mono8 entry frame_id {e.frame_id}: mean error {err:.2f} against "
                         f"the Fake's ramp")
    for e in entries[2][-2:]:
        px = T.check_aravis_entry(tj, e, cams[2], want_pixels=True)
        err = mono16_error(px, 256, 192, e.frame_id)
        errors.append(err)
        T.check(err < 3, f"Mono16 entry frame_id {e.frame_id}: mean error {err:.2f} against "
                         f"the Fake's ramp")
    for e in entries[1][-2:]:
        px = T.check_aravis_entry(tj, e, cams[1], want_pixels=True)
        err = bayer_error(px, 320, 240, e.frame_id, colours)
        errors.append(err)
        T.check(err < 6, f"BayerGB8 entry frame_id {e.frame_id}: mean error {err:.2f} "
                          f"against the RGB8 camera's colours")
    T.log("images: Mono8 and Mono16 ramps and the demosaiced BayerGB8 colours match "
          f"(mean errors {', '.join(f'{x:.2f}' for x in errors)})")


async def stream(d, tj):
    cams = T.cameras_for_hello(CAMS)
    async with T.ws_connect(d.uri("/stream")) as ws:
        hello = await T.recv(ws, what="the hello")
        T.validate_hello(hello, cams, STREAM_FPS)
        for c in T.hello_cameras(hello):
            T.check(c["online"] is True, f"hello: camera {c['name']} not online: {c!r}")
        T.log("hello: four aravis cameras, online, at their configured size and rate")
        entries = {i: [] for i in range(len(cams))}
        last_seq = None
        for i in range(N_BUNDLES):
            m = await T.recv_binary(ws, what=f"FrameBundle #{i + 1}")
            b = T.parse_bundle(m, len(cams))
            T.check(last_seq is None or b.bundle_seq > last_seq, "bundle_seq not increasing")
            last_seq = b.bundle_seq
            for e in b.entries:
                prev = entries[e.camera_index]
                T.check(not prev or e.frame_id > prev[-1].frame_id,
                        f"camera {e.camera_index}: frame_id {e.frame_id} after "
                        f"{prev[-1].frame_id if prev else None}")
                T.check(e.capture_time_ns <= b.mux_time_ns, "capture after mux")
                prev.append(e)
        for i, (name, _c) in enumerate(CAMS):
            T.check(len(entries[i]) >= 5, f"camera {name}: {len(entries[i])} entries in "
                                          f"{N_BUNDLES} bundles")
            for e in entries[i]:
                T.check_aravis_entry(tj, e, cams[i])
        dropped = sum(e.dropped for e in entries[0])
        T.check(dropped > 0, "the 400 fps camera streamed at 30 fps dropped nothing")
        T.log(f"{N_BUNDLES} bundles: entries {[len(entries[i]) for i in entries]}, "
              f"400 fps camera dropped {dropped}")
        check_images(entries, cams, tj)


def test_stream(binary):
    tj = T.TurboJPEG()
    with T.Daemon(binary, T.make_config(server(), CAMS)) as d:
        T.check(d.wait_for_line(r"camera mono: online: Fake_1, 640x480 Mono8 at 400 fps", 10)
                is not None, "no 'camera mono: online' line")
        asyncio.run(stream(d, tj))
        rc = d.stop(signal.SIGTERM)
        T.check_eq(rc, 0, "exit status after SIGTERM")
        T.check(d.wait_for_line(r"camera mono: grab thread stopped: \d+ frames", 5)
                is not None, "no 'grab thread stopped' line for camera mono")
    T.log("SIGTERM: exit 0")


SAMPLE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "cams-fake.ini")


async def sample_stream(d):
    async with T.ws_connect(d.uri("/stream")) as ws:
        cams = T.hello_cameras(await T.recv(ws, what="the hello"))
        T.check_eq([(c["name"], c["pixel_format"], c["online"]) for c in cams],
                   [("mono", "Mono8", True), ("bayer", "BayerGB8", True),
                    ("deep", "Mono16", True)], "cams-fake.ini: hello cameras")
        seen = set()
        for i in range(60):
            b = T.parse_bundle(await T.recv_binary(ws, what="a FrameBundle"), len(cams))
            seen.update(e.camera_index for e in b.entries)
            if len(seen) == len(cams):
                break
        T.check_eq(sorted(seen), [0, 1, 2], "cameras with entries within 60 bundles")


def test_sample(binary):
    """The shipped cams-fake.ini runs as it is (on a free port)."""
    with open(SAMPLE) as f:
        text = f.read()
    with T.Daemon(binary, text, extra_args=("--listen", "127.0.0.1:0")) as d:
        asyncio.run(sample_stream(d))
        T.check_eq(d.stop(signal.SIGTERM), 0, "cams-fake.ini: exit status after SIGTERM")
    T.log("cams-fake.ini streams its three cameras")


def main(binary):
    # --list-cameras and a missing camera make Aravis discover, which
    # broadcasts on every interface; opening Fake_1 by its id does not.
    if T.enter_loopback_netns():
        test_list_cameras(binary)
        test_missing_camera(binary)
    else:
        T.log("not root: --list-cameras and the missing camera not tested (Aravis "
              "discovery broadcasts: only in a network namespace of loopback)")
    test_start_errors(binary)
    test_stream(binary)
    test_sample(binary)


if __name__ == "__main__":
    T.run_main(main)
