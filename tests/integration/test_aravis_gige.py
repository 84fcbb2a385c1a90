"""End-to-end: three GigE Vision cameras streamed by one daemon; one is lost
and comes back.

    /usr/bin/python3 tests/integration/test_aravis_gige.py build/src/camcastd

The cameras are Aravis' arv-fake-gv-camera-0.8, one process each on
127.0.0.2, .3 and .4, with serials GV01..GV03, in a private network namespace
(the script re-runs itself under `unshare -n`, which needs root; without root
or the tools, ffmpeg included in a build with RTSP, it exits 77, "skipped"). The daemon finds them by serial number,
by IP address and by Aravis id.

Checks:
  - the hello lists the three cameras online; every camera's entries have
    the configured size, decode, and show the fake's own ramp for their
    frame_id;
  - /healthz: 200, then 503 naming the killed camera, then 200 again;
  - one camera process is killed: the daemon logs it offline ("no frame for
    1000 ms"), no entry of it is muxed and /stats counts no frame grabbed
    from it after that, the other two keep
    streaming, and a client connecting now gets a hello with that camera
    "online": false and the others true;
  - the camera process is started again: within 15 s the daemon logs it
    online again, its entries come back (frame_ids still growing), and a new
    client's hello has all three online;
  - SIGHUP with the same file: the daemon logs all three kept running, none
    is reopened (no online/offline line), and all stream on;
  - SIGHUP with a config that adds a camera nobody serves (GV04): the new
    configuration does not start, the daemon says so and starts the old
    one again, whose three cameras stream on (a new client's hello names
    them);
  - SIGTERM: the daemon exits 0 and logs each camera's transport counters
    (buffers completed, ...).
  - An optional camera (required = false) that is not there, beside c1:
    /healthz 200 "degraded: 1/2 cameras online" with a line naming it, its
    error and since when; /stats has the same error and its time
    (last_error, last_error_ns), and no grab age; the hello too.
  - With RTSP (CC_TEST_RTSP=1, set by meson when camcastd has it): an RTSP
    reader of c1 keeps receiving while c2 is gone, a reader of c2 keeps its
    media open through the loss, and once c2 is back a new RTSP client of
    c2 gets frames: a lost camera does not wedge its RTSP media.
  - With RTSP, a second daemon with a test-pattern camera and an aravis
    camera that is not there (required = false, a serial no fake has):
    DESCRIBE and SETUP of the absent one get 503 with Retry-After at once,
    OPTIONS and DESCRIBE on other connections are answered meanwhile, and
    a raw RTSP reader of the other camera keeps receiving frames.
"""

import asyncio
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cc_testlib as T  # noqa: E402
import rtsp_raw as R  # noqa: E402

FAKE = "arv-fake-gv-camera-0.8"
SKIP = 77  # meson: skipped
STREAM_FPS = 30
W, H = 320, 240
ADDRESSES = ["127.0.0.2", "127.0.0.3", "127.0.0.4"]
SERIALS = ["GV01", "GV02", "GV03"]
CAMS = [
    ("c1", T.aravis_camera("GV01", width=W, height=H, pixel_format="Mono8", grab_fps=200,
                           packet_size=8192)),
    ("c2", T.aravis_camera("127.0.0.3", width=W, height=H, pixel_format="Mono8",
                           grab_fps=200, packet_size=8192)),
    ("c3", T.aravis_camera("Aravis-Fake-GV03", width=W, height=H, pixel_format="Mono8",
                           grab_fps=200, packet_size=8192)),
]
LOST = 1  # index of the camera that is killed and restarted
BACK_WITHIN = 15.0
RTSP = os.environ.get("CC_TEST_RTSP") == "1"
RTSP_URL = "rtsp://127.0.0.1:8554/"  # the namespace is private: a fixed port
RTSP_CONFIG = "\n[rtsp]\nlisten = 127.0.0.1\nport = 8554\n"


class RtspReader:
    """ffmpeg receiving a camera's RTSP stream (no decoding), frames counted."""

    def __init__(self, name, seconds):
        self.proc = subprocess.Popen(
            ["ffmpeg", "-nostdin", "-v", "error", "-rtsp_transport", "tcp", "-i",
             RTSP_URL + name, "-t", str(seconds), "-c", "copy", "-f", "null", "-",
             "-progress", "pipe:1"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            text=True)
        self.frames = 0
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self):
        for line in self.proc.stdout:
            if line.startswith("frame="):
                self.frames = int(line.split("=", 1)[1])

    def stop(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(10)


def rtsp_frames(name, n, timeout=20):
    """A new RTSP client of camera name: exit status of reading n frames."""
    try:
        return subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-rtsp_transport", "tcp",
                               "-i", RTSP_URL + name, "-frames:v", str(n), "-c", "copy",
                               "-f", "null", "-"], stdin=subprocess.DEVNULL,
                              capture_output=True, timeout=timeout).returncode
    except subprocess.TimeoutExpired:
        return None


def enter_netns(binary, script=__file__):
    """Re-runs script (this one by default) in a private network namespace,
    once."""
    if os.environ.get("CC_IN_NETNS") == "1":
        return
    missing = [t for t in ("unshare", "ip", FAKE) + (("ffmpeg",) if RTSP else ())
               if shutil.which(t) is None]
    if os.geteuid() != 0 or missing:
        print(f"SKIP: needs root and {', '.join(missing) or 'unshare'} "
              f"(euid {os.geteuid()})", flush=True)
        sys.exit(SKIP)
    env = dict(os.environ, CC_IN_NETNS="1")
    sys.stdout.flush()
    os.execvpe("unshare", ["unshare", "-n", sys.executable, os.path.abspath(script),
                           binary], env)


def setup_loopback():
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True, timeout=10)
    for a in ADDRESSES:
        subprocess.run(["ip", "addr", "add", a + "/8", "dev", "lo"], check=True, timeout=10)


def gvcp_answers(address, timeout):
    """True once the camera answers a GVCP discovery on its address."""
    packet = bytes([0x42, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00, 0x01])
    deadline = time.monotonic() + timeout
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(0.2)
        while time.monotonic() < deadline:
            try:
                s.sendto(packet, (address, 3956))
                data, _ = s.recvfrom(1024)
                if len(data) >= 8 and data[2:4] == b"\x00\x03":  # DISCOVERY_ACK
                    return True
            except (socket.timeout, OSError):
                time.sleep(0.1)
    return False


class FakeCamera:
    """One arv-fake-gv-camera-0.8 process."""

    def __init__(self, address, serial):
        self.address, self.serial, self.proc = address, serial, None

    def start(self):
        self.proc = subprocess.Popen([FAKE, "-i", self.address, "-s", self.serial],
                                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        T.check(gvcp_answers(self.address, 10),
                f"fake camera {self.serial} on {self.address} does not answer GVCP")

    def kill(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(5)


class Reader:
    """Reads every bundle of one client in the background; keeps the hellos
    a reload sends. Whatever stops it (a bad bundle, a closed connection)
    is raised by the next wait and when it is stopped."""

    def __init__(self, ws, n):
        self.ws, self.n, self.bundles, self.hellos = ws, n, [], []
        self.task = None
        self.stopping = False

    def start(self):
        self.task = asyncio.create_task(self.run())

    def check(self):
        if self.task.done():
            self.task.result()  # its exception
            T.fail("the background reader stopped")

    async def stop(self):
        """Ends the reader; raises what stopped it, if anything did. (The
        flag too: Python 3.11's wait_for can swallow a cancellation that
        comes as its message does.)"""
        self.stopping = True
        if not self.task.done():
            self.task.cancel()
        try:
            await self.task
        except asyncio.CancelledError:
            pass

    async def run(self):
        while not self.stopping:
            m = await T.recv(self.ws, what="a FrameBundle")
            if isinstance(m, str):
                self.hellos.append(json.loads(m))
            else:
                self.bundles.append(T.parse_bundle(m, self.n))

    def entries(self, cam, after_ns=0):
        return [e for b in self.bundles if b.mux_time_ns > after_ns
                for e in b.entries if e.camera_index == cam]

    async def wait_entries(self, cams, count, after_ns, timeout):
        deadline = time.monotonic() + timeout
        while any(len(self.entries(c, after_ns)) < count for c in cams):
            self.check()
            if time.monotonic() > deadline:
                have = {c: len(self.entries(c, after_ns)) for c in cams}
                T.fail(f"fewer than {count} entries per camera within {timeout:.0f} s: {have}")
            await asyncio.sleep(0.1)


async def hello_online(d):
    async with T.ws_connect(d.uri("/stream")) as ws:
        text = await T.recv(ws, what="the hello")
    T.validate_hello(text, T.cameras_for_hello(CAMS), STREAM_FPS)
    return [c["online"] for c in T.hello_cameras(text)]


def health(d):
    """-> (status, body) of GET /healthz: 503 naming a required camera that
    is offline."""
    req = f"GET /healthz HTTP/1.1\r\nHost: {T.HOST}\r\n\r\n".encode()
    status, _, body, _ = T.http_request(d.port, req, what="GET /healthz")
    return status, body.decode()


def check_images(reader, cams, tj, after_ns=0):
    """The last entries of each camera are its ramp. After a reconnection
    frame_ids go on from the last one instead of the camera's restarted
    count, so the ramp's phase comes from the image."""
    for i in range(len(cams)):
        for e in reader.entries(i, after_ns)[-2:]:
            px = T.check_aravis_entry(tj, e, cams[i], want_pixels=True)
            err = (T.ramp_error_any_id(px, W, H) if after_ns
                   else T.ramp_error(px, W, H, e.frame_id))
            T.check(err < 3, f"camera {i} frame_id {e.frame_id}: mean error {err:.2f} "
                             f"against the fake camera's ramp")


def check_growing(reader, i):
    ids = [e.frame_id for e in reader.entries(i)]
    T.check(all(a < b for a, b in zip(ids, ids[1:])),
            f"camera {i}: frame_ids do not only grow: {ids}")


def grabbed(d, i):
    """Camera i's frames_grabbed in /stats."""
    return T.get_stats(d.port)["cameras"][i]["frames_grabbed"]


async def wait_frames(players, want, what, timeout=20):
    """Each RTSP reader has counted at least want[i] frames (bounded)."""
    deadline = time.monotonic() + timeout
    while any(p.frames < w for p, w in zip(players, want)):
        T.check(time.monotonic() < deadline,
                f"{what}: {[p.frames for p in players]} frames within {timeout} s, want "
                f"{want}")
        await asyncio.sleep(0.1)  # (async: T.poll would block the reader)


async def wait_line(d, pattern, timeout, start=0):
    return await asyncio.to_thread(d.wait_for_line, pattern, timeout, start)


async def scenario(d, fakes, tj):
    cams = T.cameras_for_hello(CAMS)
    online = await hello_online(d)
    T.check_eq(online, [True, True, True], "hello online flags at start")
    status, body = health(d)
    T.check_eq(status, 200, f"/healthz at start ({body!r})")
    async with T.ws_connect(d.uri("/stream")) as ws:
        await T.recv(ws, what="the hello")
        reader = Reader(ws, len(cams))
        reader.start()
        try:
            await reader.wait_entries(range(3), 5, 0, 20)
            check_images(reader, cams, tj)
            T.log("three GigE Vision cameras stream their ramps")
            players = [RtspReader("c1", 120), RtspReader("c2", 120)] if RTSP else []
            if players:
                await wait_frames(players, [1, 1], "RTSP readers of c1, c2 before the loss")

            n0 = d.line_count()
            fakes[LOST].kill()
            T.log(f"killed fake camera {SERIALS[LOST]}")
            m = await wait_line(d, r"camera c2: offline: (.*)", 10, n0)
            T.check(m is not None, "no 'camera c2: offline' line within 10 s of the kill")
            T.check("no frame for 1000 ms" in m.group(1), f"offline reason: {m.group(0)!r}")
            offline_ns = time.time_ns()
            grabbed_offline = grabbed(d, LOST)
            T.log(f"daemon: {m.group(0)}")

            online = await hello_online(d)
            T.check_eq(online, [True, False, True], "hello online flags with c2 gone")
            status, body = health(d)
            T.check(status == 503 and "c2" in body, f"/healthz with c2 gone: {status} {body!r}")
            T.check(re.search(r"^c2 offline: .+ \(since \d\d:\d\d:\d\d UTC\)$", body, re.M),
                    f"/healthz gives c2's error and its time: {body!r}")
            await reader.wait_entries([0, 2], 10, offline_ns, 15)
            T.check(not reader.entries(LOST, offline_ns),
                    "the killed camera still had entries after it was reported offline")
            T.log("c1 and c3 keep streaming; c2 has no entries and is offline in the hello")

            # It keeps trying, and says why it fails, without disturbing
            # the others. Releasing a camera that is gone takes Aravis about
            # 9 s of unanswered GVCP retries, then a second of discovery.
            m = await wait_line(d, r"camera c2: still offline: .*'127\.0\.0\.3' not found",
                                30, n0)
            T.check(m is not None, "no 'camera c2: still offline: ... not found' line "
                                   "within 30 s")
            await reader.wait_entries([0, 2], 10, time.time_ns(), 15)
            T.check(d.alive(), "the daemon died while c2 was gone")
            T.check_eq(grabbed(d, LOST), grabbed_offline,
                       "frames grabbed from c2 since it was reported offline (/stats)")
            if players:
                await wait_frames(players[:1], [players[0].frames + 1],
                                  "the RTSP reader of c1 while c2 is gone")
            n1 = d.line_count()
            restart = time.monotonic()
            fakes[LOST].start()
            m = await wait_line(d, r"camera c2: online again", BACK_WITHIN, n1)
            T.check(m is not None, f"camera c2 not back online within {BACK_WITHIN:.0f} s "
                                   f"of its restart")
            back_ns = time.time_ns()
            T.log(f"c2 online again {time.monotonic() - restart:.1f} s after its restart")
            await reader.wait_entries([LOST], 5, back_ns, 15)
            check_images(reader, cams, tj, back_ns)
            for i in range(3):
                check_growing(reader, i)
            online = await hello_online(d)
            T.check_eq(online, [True, True, True], "hello online flags after c2 came back")
            status, body = health(d)
            T.check_eq(status, 200, f"/healthz after c2 came back ({body!r})")
            T.log("c2 streams its ramp again, frame_ids still growing")
            if players:
                rc = await asyncio.get_running_loop().run_in_executor(
                    None, rtsp_frames, "c2", 10)
                T.check_eq(rc, 0, "a new RTSP client of c2 after it came back")
                for p in players:
                    p.stop()
                T.log("RTSP: c1 read on through c2's loss; c2's media (kept open by a "
                      "reader) serves a new client once c2 is back")

            # SIGHUP with the same file: every camera keeps its device
            # open (no reconnection) and goes on within a few ticks.
            n2 = d.line_count()
            d.send_signal(signal.SIGHUP)
            m = await wait_line(d, r"SIGHUP: reloaded: 3 cameras, [\d.]+ fps; "
                                   r"kept running: c1, c2, c3$", 10, n2)
            T.check(m is not None, "no 'reloaded ... kept running: c1, c2, c3' line")
            reload_ns = time.time_ns()
            await reader.wait_entries(range(3), 5, reload_ns, 15)
            T.check_eq([c["name"] for c in reader.hellos[-1]["cameras"]] if reader.hellos
                       else None, ["c1", "c2", "c3"], "the hello a reload sends")
            for i in range(3):
                check_growing(reader, i)
            check_images(reader, cams, tj, reload_ns)
            reopened = d.lines_matching(r"camera c\d: (online|offline|still offline)", n2)
            T.check(not reopened, f"cameras reopened by a reload that kept them: {reopened}")
            T.log("SIGHUP kept the three cameras open; they stream on")
        finally:
            await reader.stop()


async def stream_names(d, cams, n):
    """A new client: the hello names cams; n entries of each come."""
    async with T.ws_connect(d.uri("/stream")) as ws:
        hello = json.loads(await T.recv(ws, what="the hello"))
        T.check_eq([c["name"] for c in hello["cameras"]], cams, "cameras in the hello")
        seen = {i: 0 for i in range(len(cams))}
        while min(seen.values()) < n:
            b = T.parse_bundle(await T.recv_binary(ws), len(cams))
            for e in b.entries:
                seen[e.camera_index] += 1


def reload_fails(d):
    """SIGHUP with a camera that cannot be opened: back to the old config."""
    good = open(d.config_path).read()
    c4 = T.make_config(None, [("c4", T.aravis_camera("GV04", width=W, height=H,
                                                     pixel_format="Mono8", grab_fps=200))])
    with open(d.config_path, "w") as f:
        f.write(good + "\n" + c4)
    n = d.line_count()
    d.send_signal(signal.SIGHUP)
    m = d.wait_for_line(r"SIGHUP: the new configuration did not start; back to the old one",
                        60, n)
    T.check(m is not None, "no 'back to the old one' line after a reload whose camera "
                           "cannot be opened")
    T.check(d.wait_for_line(r"SIGHUP: reloaded: 3 cameras", 60, n) is not None,
            "no 'reloaded: 3 cameras' line: the old configuration did not come back")
    T.check(d.lines_matching(r"GV04", n), "the reason (GV04 not found) is not logged")
    asyncio.run(stream_names(d, ["c1", "c2", "c3"], 5))
    with open(d.config_path, "w") as f:
        f.write(good)
    T.log("SIGHUP with a camera nobody serves: refused at start, the old three stream on")


def optional_missing(binary):
    cfg = T.make_config(T.server_section(stream_fps=STREAM_FPS), [
        CAMS[0], ("ghost", T.aravis_camera("GV09", width=W, height=H, pixel_format="Mono8",
                                            grab_fps=200, required="false"))])
    t0 = time.time_ns()
    with T.Daemon(binary, cfg, name="ghost.ini") as d:
        status, text = health(d)
        T.check_eq(status, 200, f"/healthz with only an optional camera missing ({text!r})")
        T.check(text.startswith("degraded: 1/2 cameras online\n"), f"/healthz {text!r}")
        T.check(re.search(r"^ghost offline: .*GV09.* \(since \d\d:\d\d:\d\d UTC\)$",
                          text, re.M), f"/healthz names the ghost, its error and time: {text!r}")
        stats = T.get_stats(d.port)
        T.check_eq([c["state"] for c in stats["cameras"]], ["online", "offline"],
                   "states with the ghost camera")
        ghost = stats["cameras"][1]
        T.check(isinstance(ghost.get("last_error"), str) and "GV09" in ghost["last_error"],
                f"/stats: the ghost's last error {ghost.get('last_error')!r}")
        T.check(type(ghost.get("last_error_ns")) is int and
                t0 <= ghost["last_error_ns"] <= time.time_ns(),
                f"/stats: the ghost's last_error_ns {ghost.get('last_error_ns')!r}")
        T.check(ghost["last_grab_age_ms"] is None, f"a grab age for the ghost: {ghost}")
        ws = T.RawWS(d.port)
        cams = T.hello_cameras(ws.recv_message()[1])
        ws.close()
        T.check_eq(cams[1].get("last_error"), ghost["last_error"], "the hello's last_error")
        T.check_eq(cams[1].get("last_error_ns"), ghost["last_error_ns"],
                   "the hello's last_error_ns")
        T.check("last_error" not in cams[0], f"an error in the hello of an online camera: "
                                             f"{cams[0]}")
        T.check_eq(d.stop(), 0, "exit status")
    T.log(f"an optional camera missing: /healthz {text.splitlines()}")


def run(binary):
    setup_loopback()
    fakes = [FakeCamera(a, s) for a, s in zip(ADDRESSES, SERIALS)]
    try:
        for f in fakes:
            f.start()
        cfg = T.make_config(T.server_section(stream_fps=STREAM_FPS, encoder_workers=2), CAMS)
        if RTSP:
            cfg += RTSP_CONFIG
        tj = T.TurboJPEG()
        with T.Daemon(binary, cfg, name="gige.ini") as d:
            for name, _c in CAMS:
                T.check(d.wait_for_line(rf"camera {name}: online: ", 10) is not None,
                        f"no 'camera {name}: online' line")
            asyncio.run(scenario(d, fakes, tj))
            reload_fails(d)
            n_end = d.line_count()
            rc = d.stop(signal.SIGTERM)
            T.check_eq(rc, 0, "exit status after SIGTERM")
            # Aravis' counts, summed over c2's two connections, cover every
            # frame the grab thread took.
            for name, _c in CAMS:
                g = d.wait_for_line(rf"camera {name}: grab thread stopped: (\d+) frames", 5,
                                    n_end)
                m = d.wait_for_line(rf"camera {name}: transport: (\d+) buffers completed, "
                                    r"\d+ failed, \d+ underruns; \d+ packets resent, \d+ "
                                    r"missing; receive thread (\w+)", 5, n_end)
                T.check(g is not None and m is not None,
                        f"no frame or transport counts for camera {name} at exit")
                T.check(int(m.group(1)) >= int(g.group(1)) > 0,
                        f"camera {name}: {g.group(1)} frames grabbed but {m.group(1)} "
                        f"buffers completed")
                T.log(f"camera {name}: {g.group(1)} frames; {m.group(0).split(': ', 2)[2]}")
        T.log("SIGTERM: exit 0")
        optional_missing(binary)
    finally:
        for f in fakes:
            f.kill()


def offline_rtsp(binary):
    """An absent camera's DESCRIBE: 503 at once; nothing else waits."""
    cams = [("live", T.camera(320, 240, "Mono8", "scroll", grab_fps=60)),
            ("gone", T.aravis_camera("GV99", required="false", width=W, height=H,
                                     pixel_format="Mono8", grab_fps=100))]
    cfg = T.make_config(T.server_section(stream_fps=STREAM_FPS), cams) + RTSP_CONFIG
    with T.Daemon(binary, cfg, name="offline.ini") as d:
        T.check(d.wait_for_line(r"RTSP on rtsp://", 10) is not None, "no RTSP line")
        reader = R.RawRtsp(8554)
        T.check_eq(reader.play(RTSP_URL + "live", tcp=True), 200, "PLAY of the live camera")
        T.check(R.wait_frames([reader], [10], 15), "the live camera's first frames")
        start = reader.frames
        asker, other = R.RawRtsp(8554), R.RawRtsp(8554)
        slowest = {"DESCRIBE gone": 0.0, "SETUP gone": 0.0, "OPTIONS": 0.0,
                   "DESCRIBE live": 0.0}
        for _ in range(10):
            t0 = time.monotonic()
            T.check_eq(asker.request("DESCRIBE", RTSP_URL + "gone", "Accept: application/sdp"
                                     "\r\n", timeout=5), 503, "DESCRIBE of the absent camera")
            slowest["DESCRIBE gone"] = max(slowest["DESCRIBE gone"], time.monotonic() - t0)
            T.check(asker.header("Retry-After"), "503 without Retry-After")
            t0 = time.monotonic()
            T.check_eq(asker.request("SETUP", RTSP_URL + "gone/stream=0", "Transport: "
                                     "RTP/AVP/TCP;unicast;interleaved=0-1\r\n", timeout=5),
                       503, "SETUP of the absent camera")
            slowest["SETUP gone"] = max(slowest["SETUP gone"], time.monotonic() - t0)
            t0 = time.monotonic()
            T.check_eq(other.request("OPTIONS", RTSP_URL + "live", timeout=5), 200, "OPTIONS")
            slowest["OPTIONS"] = max(slowest["OPTIONS"], time.monotonic() - t0)
            t0 = time.monotonic()
            T.check_eq(other.request("DESCRIBE", RTSP_URL + "live", "Accept: application/"
                                     "sdp\r\n", timeout=5), 200, "DESCRIBE of the live one")
            slowest["DESCRIBE live"] = max(slowest["DESCRIBE live"], time.monotonic() - t0)
            R.pump([reader], 0.1)
        T.check(R.wait_frames([reader], [start + 60], 20),
                f"the live camera's reader: {reader.frames - start} frames meanwhile")
        req = f"GET /stats HTTP/1.1\r\nHost: {T.HOST}\r\n\r\n".encode()
        status, _, body, _ = T.http_request(d.port, req, what="GET /stats")
        offline = json.loads(body)["limits"].get("rtsp_offline", 0)
        T.check(offline >= 20, f"/stats limits rtsp_offline: {offline}")
        T.log("an absent camera over RTSP: 503 + Retry-After, slowest answers " +
              ", ".join(f"{k} {v * 1000:.0f} ms" for k, v in slowest.items()) +
              f"; the live camera's reader got {reader.frames - start} frames meanwhile")
        for c in (reader, asker, other):
            c.close()
        T.check_eq(d.stop(), 0, "exit status")


def main(binary):
    enter_netns(binary)
    run(binary)
    if RTSP:
        offline_rtsp(binary)


if __name__ == "__main__":
    T.run_main(main)
