"""Shared helpers for the camcastd end-to-end tests.

Written against docs/protocol.md (wire protocol v1) and the daemon
contract, not against the daemon's sources.

Run the tests with Debian's interpreter only:

    /usr/bin/python3 tests/integration/test_X.py path/to/camcastd

Contents:
  - Failure / check helpers (a failed check raises TestFailure with a clear
    message; run_main() turns that into exit status 1).
  - make_config(): builds a cams.ini from dicts.
  - Daemon: launches camcastd, collects stderr lines in a thread, finds the
    listening port, stops it with a signal and always kills it on exit.
  - parse_bundle() / validate_bundle(): FrameBundle reader written from
    docs/protocol.md with struct (1.2: 48-byte entries with device_time_ns;
    a 40-byte entry reads as device time 0).
  - validate_hello(): checks the hello against the config.
  - TurboJPEG: ctypes wrapper around libturbojpeg.so.0 (full decode).
  - RawWS: a minimal RFC 6455 client over a plain socket (handshake, frame
    reader with fragmentation and control frames, masked/unmasked writer).
  - http_request(): one raw HTTP request, bounded read until the server
    closes.

Every wait here is bounded by a deadline.
"""

import asyncio
import base64
import ctypes
import faulthandler
import hashlib
import json
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import traceback

HOST = "127.0.0.1"
WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
SERVER_STRING = "camcastd 0.1.0"
PORT_RE = re.compile(r"ws://(?:[0-9.]+|\[[0-9a-f:]+\]):(\d+)/stream")

# Generous safety bounds, not performance expectations.
START_TIMEOUT = 10.0
STOP_TIMEOUT = 10.0
HANG_AFTER_S = 150  # meson gives an integration test 180 s
RECV_TIMEOUT = 15.0


# ---------------------------------------------------------------------------
# Failures and checks


class TestFailure(Exception):
    pass


def fail(msg):
    raise TestFailure(msg)


def check(cond, msg):
    if not cond:
        raise TestFailure(msg)


def check_eq(got, want, what):
    if got != want:
        raise TestFailure(f"{what}: expected {want!r}, got {got!r}")


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def _on_hang(name):
    """Every wait here is bounded; should one not be, say where each thread
    is and end the test and its children (daemons, fake cameras: one
    process group) before meson's timeout kills it without a word."""
    print(f"\nFAIL {name}: still running after {HANG_AFTER_S} s; the threads "
          "are at:", file=sys.stderr, flush=True)
    faulthandler.dump_traceback(all_threads=True)
    _dump_daemon_logs()
    sys.stderr.flush()
    os.killpg(os.getpgid(0), signal.SIGKILL)


def run_main(main_fn):
    """Runs main_fn(binary); exit 0 on success, 1 on failure, 2 on usage."""
    if len(sys.argv) != 2:
        print(f"usage: /usr/bin/python3 {sys.argv[0]} PATH/TO/camcastd", file=sys.stderr)
        sys.exit(2)
    binary = os.path.abspath(sys.argv[1])
    if not (os.path.isfile(binary) and os.access(binary, os.X_OK)):
        print(f"{sys.argv[0]}: not an executable: {binary}", file=sys.stderr)
        sys.exit(2)
    name = os.path.basename(sys.argv[0])
    watchdog = threading.Timer(HANG_AFTER_S, _on_hang, (name,))
    watchdog.daemon = True
    watchdog.start()
    try:
        main_fn(binary)
    except TestFailure as e:
        print(f"\nFAIL {name}: {e}", file=sys.stderr, flush=True)
        _dump_daemon_logs()
        sys.exit(1)
    except Exception:  # an unexpected error is a failure too
        print(f"\nFAIL {name}: unexpected exception:", file=sys.stderr)
        traceback.print_exc()
        _dump_daemon_logs()
        sys.exit(1)
    finally:
        Daemon.kill_all()
    print(f"PASS {name}", flush=True)
    sys.exit(0)


# ---------------------------------------------------------------------------
# Config files


def make_config(server=None, cameras=()):
    """server: dict of [server] keys; cameras: list of (name, dict)."""
    lines = []
    if server is not None:
        lines.append("[server]")
        for k, v in server.items():
            lines.append(f"{k} = {v}")
        lines.append("")
    for name, keys in cameras:
        lines.append(f"[camera {name}]")
        for k, v in keys.items():
            lines.append(f"{k} = {v}")
        lines.append("")
    return "\n".join(lines)


def camera(width, height, pixel_format, pattern, grab_fps=400, source="testpattern"):
    return {
        "source": source,
        "width": width,
        "height": height,
        "pixel_format": pixel_format,
        "grab_fps": grab_fps,
        "pattern": pattern,
    }


def server_section(stream_fps=30, jpeg_quality=80, encoder_workers=2, max_clients=64,
                   listen=HOST, port=0):
    return {
        "listen": listen,
        "port": port,
        "stream_fps": stream_fps,
        "jpeg_quality": jpeg_quality,
        "encoder_workers": encoder_workers,
        "max_clients": max_clients,
    }


# ---------------------------------------------------------------------------
# The daemon process


class Daemon:
    """camcastd in a child process; stderr collected line by line."""

    _live = []

    def __init__(self, binary, config_text, extra_args=(), name="cams.ini", wrap=()):
        """wrap: a command the daemon runs under (private_netns())."""
        self.binary = binary
        self.tmpdir = tempfile.mkdtemp(prefix="camcast-it-")
        self.config_path = os.path.join(self.tmpdir, name)
        with open(self.config_path, "w") as f:
            f.write(config_text)
        self.args = [*wrap, binary, "--config", self.config_path, *extra_args]
        self.proc = None
        self.port = None
        self.lines = []
        self._cond = threading.Condition()
        self._reader = None
        self.stdout_data = b""

    # -- lifecycle --

    def start(self, timeout=START_TIMEOUT):
        log(f"starting: {' '.join(self.args)}")
        self.proc = subprocess.Popen(self.args, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                     cwd=self.tmpdir)
        Daemon._live.append(self)
        self._reader = threading.Thread(target=self._read_stderr, daemon=True)
        self._reader.start()
        m = self.wait_for_line(PORT_RE, timeout)
        if m is None:
            rc = self.proc.poll()
            fail(f"daemon did not log ws://HOST:PORT/stream within {timeout:.0f} s "
                 f"(exit status: {rc}); stderr so far:\n{self.stderr_text()}")
        self.port = int(m.group(1))
        check(0 < self.port < 65536, f"bad port in log line: {m.group(0)}")
        log(f"daemon pid {self.proc.pid} listening on port {self.port}")
        return self

    def _read_stderr(self):
        for raw in iter(self.proc.stderr.readline, b""):
            line = raw.decode("utf-8", "replace").rstrip("\n")
            with self._cond:
                self.lines.append(line)
                self._cond.notify_all()
        with self._cond:
            self._cond.notify_all()

    def wait_for_line(self, pattern, timeout, start=0):
        """First stderr line (index >= start) matching regex pattern -> match."""
        rx = re.compile(pattern) if isinstance(pattern, str) else pattern
        deadline = time.monotonic() + timeout
        i = start
        with self._cond:
            while True:
                while i < len(self.lines):
                    m = rx.search(self.lines[i])
                    if m:
                        return m
                    i += 1
                left = deadline - time.monotonic()
                if left <= 0 or (self.proc.poll() is not None and not self._reader.is_alive()):
                    return None
                self._cond.wait(min(left, 0.2))

    def line_count(self):
        with self._cond:
            return len(self.lines)

    def lines_matching(self, pattern, start=0):
        """Stderr lines (index >= start) so far that match regex pattern."""
        rx = re.compile(pattern)
        with self._cond:
            return [line for line in self.lines[start:] if rx.search(line)]

    def stderr_text(self):
        with self._cond:
            return "\n".join(self.lines)

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def send_signal(self, sig):
        self.proc.send_signal(sig)

    def wait_exit(self, timeout=STOP_TIMEOUT):
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def stop(self, sig=signal.SIGTERM, timeout=STOP_TIMEOUT):
        """Sends sig and waits; returns the exit status, fails if it hangs."""
        if not self.alive():
            fail(f"daemon died before stop, status {self.proc.returncode}; "
                 f"stderr:\n{self.stderr_text()}")
        self.send_signal(sig)
        rc = self.wait_exit(timeout)
        if rc is None:
            self.kill()
            fail(f"daemon did not exit within {timeout:.0f} s of signal {sig!s}")
        self._reader.join(2)
        return rc

    def kill(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                pass

    def uri(self, path="/stream"):
        return f"ws://{HOST}:{self.port}{path}"

    @classmethod
    def kill_all(cls):
        for d in cls._live:
            d.kill()
            shutil.rmtree(d.tmpdir, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.kill()
        shutil.rmtree(self.tmpdir, ignore_errors=True)
        return False


def _dump_daemon_logs():
    """stderr of the daemons that matter for a failure: still running, or
    exited with a non-zero status (not those already stopped cleanly)."""
    for d in Daemon._live:
        if d.proc is None or (d.proc.poll() is not None and d.proc.returncode == 0):
            continue
        text = d.stderr_text()
        tail = "\n".join(text.splitlines()[-60:])
        print(f"--- camcastd stderr (pid {d.proc.pid if d.proc else '?'}, last 60 lines) ---\n"
              f"{tail}\n--- end ---", file=sys.stderr)


def private_netns():
    """A command prefix that runs a program in a network namespace of its
    own holding only loopback (unshare -n; needs root), or None. For what
    must not listen on this host's real interfaces (0.0.0.0, ::)."""
    if os.geteuid() != 0 or not shutil.which("unshare") or not shutil.which("ip"):
        return None
    return ["unshare", "-n", "sh", "-c", 'ip link set lo up && exec "$@"', "sh"]


def enter_loopback_netns():
    """Re-runs this script, same arguments, once, in a network namespace of
    its own holding only loopback (unshare -n; needs root): for what makes
    Aravis discover cameras, which broadcasts on every interface. True when
    running there; False (nothing re-run) without root or the tools."""
    if os.environ.get("CC_IN_NETNS") == "1":
        return True
    if os.geteuid() != 0 or not shutil.which("unshare") or not shutil.which("ip"):
        return False
    sys.stdout.flush()
    sys.stderr.flush()
    env = dict(os.environ, CC_IN_NETNS="1")
    os.execvpe("unshare", ["unshare", "-n", "sh", "-c", 'ip link set lo up && exec "$@"',
                           "sh", sys.executable, os.path.abspath(sys.argv[0]),
                           *sys.argv[1:]], env)


def in_netns_of(pid, args, timeout=20.0):
    """Runs args in the network namespace of process pid (nsenter) ->
    (rc, stdout, stderr)."""
    p = subprocess.run(["nsenter", f"--net=/proc/{pid}/ns/net", *args],
                       stdin=subprocess.DEVNULL, capture_output=True, text=True,
                       timeout=timeout)
    return p.returncode, p.stdout, p.stderr


def has_ipv6_loopback():
    """::1 on lo (ip -6 addr show lo)."""
    out = subprocess.run(["ip", "-6", "addr", "show", "lo"], capture_output=True,
                         text=True, timeout=10).stdout
    return "inet6 ::1/128" in out


def run_cli(binary, args, cwd=None, timeout=10.0):
    """Runs camcastd to completion (bounded) -> (rc, stdout, stderr)."""
    try:
        p = subprocess.run([binary, *args], stdin=subprocess.DEVNULL, capture_output=True,
                           cwd=cwd, timeout=timeout)
    except subprocess.TimeoutExpired as e:
        fail(f"`camcastd {' '.join(args)}` did not exit within {timeout:.0f} s "
             f"(stderr: {(e.stderr or b'').decode(errors='replace')!r})")
    return (p.returncode, p.stdout.decode("utf-8", "replace"),
            p.stderr.decode("utf-8", "replace"))


# ---------------------------------------------------------------------------
# FrameBundle (docs/protocol.md, version 1 and the 1.2 additions)

BUNDLE_HDR = struct.Struct("<4sHHQQHHI")   # 32 bytes
ENTRY_HDR = struct.Struct("<HHIIHHQQII")    # 40 bytes, v1
ENTRY_DEVICE = struct.Struct("<Q")          # at offset 40 of a 48-byte entry (1.2)
assert BUNDLE_HDR.size == 32 and ENTRY_HDR.size == 40
ENTRY_SIZE = 48  # what a 1.2 server writes
MAGIC = b"CCFB"
CODEC_JPEG = 1
FLAG_GRAY = 0x0001
FLAG_SHARED_CLOCK = 0x0002  # entry: device_time_ns on the group's shared clock
FLAG_ALIGNED = 0x0001       # bundle: one moment of each sync group


class Entry:
    __slots__ = ("camera_index", "width", "height", "codec", "flags", "frame_id",
                 "capture_time_ns", "payload_size", "dropped", "entry_size", "payload",
                 "device_time_ns")

    def __repr__(self):
        return (f"Entry(cam={self.camera_index} {self.width}x{self.height} codec={self.codec} "
                f"flags={self.flags:#x} frame_id={self.frame_id} cap={self.capture_time_ns} "
                f"dev={self.device_time_ns} payload={self.payload_size} "
                f"dropped={self.dropped})")


class Bundle:
    __slots__ = ("version", "header_size", "bundle_seq", "mux_time_ns", "entry_count",
                 "flags", "reserved", "entries", "length")

    def __repr__(self):
        return (f"Bundle(seq={self.bundle_seq} mux={self.mux_time_ns} "
                f"entries={self.entries!r} len={self.length})")


def parse_bundle(data, max_entries):
    """Parses one binary message as docs/protocol.md says a reader must.

    Raises TestFailure on anything a reader must reject. Extra header bytes
    (header_size > 32, entry_size > 48) are skipped, as a reader must.
    """
    data = bytes(data)
    n = len(data)
    check(n >= BUNDLE_HDR.size, f"bundle of {n} bytes is shorter than the 32-byte header")
    (magic, version, header_size, seq, mux_ns, count, flags, reserved) = \
        BUNDLE_HDR.unpack_from(data, 0)
    check(magic == MAGIC, f"bad magic {magic!r} (want b'CCFB')")
    check(version == 1, f"bad version {version} (want 1)")
    check(header_size >= 32, f"header_size {header_size} < 32")
    check(header_size <= n, f"header_size {header_size} runs past the message ({n} bytes)")
    check(count <= max_entries,
          f"entry_count {count} > number of cameras {max_entries} (seq {seq})")
    b = Bundle()
    b.version, b.header_size, b.bundle_seq, b.mux_time_ns = version, header_size, seq, mux_ns
    b.entry_count, b.flags, b.reserved, b.length = count, flags, reserved, n
    b.entries = []
    off = header_size
    for i in range(count):
        check(off + ENTRY_HDR.size <= n,
              f"entry {i}: header at offset {off} runs past the message ({n} bytes)")
        f = ENTRY_HDR.unpack_from(data, off)
        e = Entry()
        (e.entry_size, e.camera_index, e.width, e.height, e.codec, e.flags, e.frame_id,
         e.capture_time_ns, e.payload_size, e.dropped) = f
        check(e.entry_size >= 40, f"entry {i}: entry_size {e.entry_size} < 40")
        check(off + e.entry_size <= n,
              f"entry {i}: entry_size {e.entry_size} runs past the message ({n} bytes)")
        e.device_time_ns = (ENTRY_DEVICE.unpack_from(data, off + 40)[0]
                            if e.entry_size >= 48 else 0)
        start = off + e.entry_size
        end = start + e.payload_size
        check(start <= n and end <= n,
              f"entry {i}: payload [{start}, {end}) runs past the message ({n} bytes)")
        e.payload = data[start:end]
        b.entries.append(e)
        off = end
    check(off == n, f"sizes add up to {off} bytes but the message has {n} (seq {seq}, "
                    f"{count} entries)")
    return b


def validate_bundle(b, cameras, strict=True):
    """Checks a parsed bundle against the hello's camera list. strict: as
    this server writes them (header 32, entries 48, only the flags the
    protocol defines)."""
    if strict:
        check_eq(b.header_size, 32, f"bundle {b.bundle_seq}: header_size")
        check_eq(b.flags & ~FLAG_ALIGNED, 0, f"bundle {b.bundle_seq}: undefined flags")
        check_eq(b.reserved, 0, f"bundle {b.bundle_seq}: reserved")
    seen = set()
    for e in b.entries:
        where = f"bundle {b.bundle_seq} camera {e.camera_index}"
        check(e.camera_index < len(cameras),
              f"{where}: camera_index out of range (hello has {len(cameras)} cameras)")
        check(e.camera_index not in seen, f"{where}: two entries for the same camera")
        seen.add(e.camera_index)
        cam = cameras[e.camera_index]
        if strict:
            check_eq(e.entry_size, ENTRY_SIZE, f"{where}: entry_size")
        check_eq(e.codec, CODEC_JPEG, f"{where}: codec")
        want_flags = FLAG_GRAY if cam["pixel_format"] == "Mono8" else 0
        check_eq(e.flags & ~FLAG_SHARED_CLOCK, want_flags,
                 f"{where}: flags ({cam['pixel_format']})")
        check_eq((e.width, e.height), (cam["width"], cam["height"]), f"{where}: width/height")
        check(e.payload_size > 0, f"{where}: empty payload")
    return b


# ---------------------------------------------------------------------------
# Hello


def validate_hello(text, cameras, stream_fps):
    """text: the first message. cameras: list of dicts as given to make_config
    plus 'name'. Checks every field docs/protocol.md defines; unknown keys are
    ignored, as the spec tells clients to."""
    if not isinstance(text, str):
        fail(f"first message is not a text message: {type(text).__name__} "
             f"({bytes(text[:16])!r}...)")
    try:
        h = json.loads(text)
    except ValueError as e:
        fail(f"hello is not JSON ({e}): {text[:200]!r}")
    check(isinstance(h, dict), f"hello is not a JSON object: {text[:200]!r}")
    check_eq(h.get("type"), "hello", "hello.type")
    check(type(h.get("protocol")) is int and h["protocol"] == 1,
          f"hello.protocol: expected integer 1, got {h.get('protocol')!r}")
    check_eq(h.get("server"), SERVER_STRING, "hello.server")
    fps = h.get("stream_fps")
    check(isinstance(fps, (int, float)) and not isinstance(fps, bool) and fps == stream_fps,
          f"hello.stream_fps: expected {stream_fps}, got {fps!r}")
    cams = h.get("cameras")
    check(isinstance(cams, list), f"hello.cameras is not a list: {cams!r}")
    check_eq(len(cams), len(cameras), "number of cameras in hello")
    for i, (got, want) in enumerate(zip(cams, cameras)):
        check(isinstance(got, dict), f"hello.cameras[{i}] is not an object: {got!r}")
        check(type(got.get("index")) is int and got["index"] == i,
              f"hello.cameras[{i}].index: expected {i}, got {got.get('index')!r}")
        for key in ("name", "pixel_format", "source"):
            check_eq(got.get(key), want[key], f"hello.cameras[{i}].{key}")
        for key in ("width", "height"):
            v = got.get(key)
            check(type(v) is int and v == want[key],
                  f"hello.cameras[{i}].{key}: expected integer {want[key]}, got {v!r}")
        g = got.get("grab_fps")
        check(isinstance(g, (int, float)) and not isinstance(g, bool) and g == want["grab_fps"],
              f"hello.cameras[{i}].grab_fps: expected {want['grab_fps']}, got {g!r}")
    return h


def cameras_for_hello(cams):
    """[(name, camera dict)] -> list of dicts with name, for validate_*()."""
    out = []
    for name, c in cams:
        d = dict(c)
        d["name"] = name
        out.append(d)
    return out


# ---------------------------------------------------------------------------
# TurboJPEG through ctypes

TJPF_RGB = 0
TJPF_GRAY = 6
TJSAMP_444 = 0
TJSAMP_420 = 2
TJSAMP_GRAY = 3
TJCS_YCbCr = 1
TJCS_GRAY = 2


class TurboJPEG:
    def __init__(self):
        lib = ctypes.CDLL("libturbojpeg.so.0")
        lib.tjInitDecompress.restype = ctypes.c_void_p
        lib.tjInitDecompress.argtypes = []
        lib.tjInitCompress.restype = ctypes.c_void_p
        lib.tjInitCompress.argtypes = []
        lib.tjDestroy.restype = ctypes.c_int
        lib.tjDestroy.argtypes = [ctypes.c_void_p]
        lib.tjDecompressHeader3.restype = ctypes.c_int
        lib.tjDecompressHeader3.argtypes = [
            ctypes.c_void_p, ctypes.c_char_p, ctypes.c_ulong,
            ctypes.POINTER(ctypes.c_int), ctypes.POINTER(ctypes.c_int),
            ctypes.POINTER(ctypes.c_int), ctypes.POINTER(ctypes.c_int)]
        lib.tjDecompress2.restype = ctypes.c_int
        lib.tjDecompress2.argtypes = [
            ctypes.c_void_p, ctypes.c_char_p, ctypes.c_ulong, ctypes.c_void_p,
            ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_int]
        lib.tjCompress2.restype = ctypes.c_int
        lib.tjCompress2.argtypes = [
            ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int, ctypes.c_int, ctypes.c_int,
            ctypes.c_int, ctypes.POINTER(ctypes.c_void_p), ctypes.POINTER(ctypes.c_ulong),
            ctypes.c_int, ctypes.c_int, ctypes.c_int]
        lib.tjFree.restype = None
        lib.tjFree.argtypes = [ctypes.c_void_p]
        lib.tjGetErrorStr2.restype = ctypes.c_char_p
        lib.tjGetErrorStr2.argtypes = [ctypes.c_void_p]
        self.lib = lib
        self.handle = lib.tjInitDecompress()
        if not self.handle:
            raise RuntimeError("tjInitDecompress failed")
        self._buf = None

    def _err(self, handle=None):
        s = self.lib.tjGetErrorStr2(handle or self.handle)
        return s.decode(errors="replace") if s else "?"

    def header(self, jpeg):
        w, h, ss, cs = ctypes.c_int(), ctypes.c_int(), ctypes.c_int(), ctypes.c_int()
        r = self.lib.tjDecompressHeader3(self.handle, jpeg, len(jpeg), ctypes.byref(w),
                                         ctypes.byref(h), ctypes.byref(ss), ctypes.byref(cs))
        if r != 0:
            raise TestFailure(f"tjDecompressHeader3 failed: {self._err()}")
        return w.value, h.value, ss.value, cs.value

    def decode(self, jpeg, want_pixels=False):
        """Full decode. Returns (width, height, subsamp, colorspace, pixels or None).

        Any error or warning (e.g. a truncated stream) is a failure: the
        TurboJPEG API returns -1 for both.
        """
        jpeg = bytes(jpeg)
        check(len(jpeg) >= 4 and jpeg[:2] == b"\xff\xd8",
              f"payload does not start with a JPEG SOI marker: {jpeg[:4]!r}")
        check(jpeg[-2:] == b"\xff\xd9", f"payload does not end with a JPEG EOI marker: "
                                        f"{jpeg[-4:]!r} ({len(jpeg)} bytes)")
        w, h, ss, cs = self.header(jpeg)
        check(w > 0 and h > 0, f"JPEG header has size {w}x{h}")
        gray = ss == TJSAMP_GRAY
        pf, bpp = (TJPF_GRAY, 1) if gray else (TJPF_RGB, 3)
        need = w * h * bpp
        if self._buf is None or len(self._buf) < need:
            self._buf = ctypes.create_string_buffer(need)
        r = self.lib.tjDecompress2(self.handle, jpeg, len(jpeg), self._buf, w, 0, h, pf, 0)
        if r != 0:
            raise TestFailure(f"tjDecompress2 failed on a {w}x{h} JPEG of {len(jpeg)} bytes: "
                              f"{self._err()}")
        return w, h, ss, cs, (self._buf.raw[:need] if want_pixels else None)

    def check_entry(self, e, cam, keep_pixels=False):
        """Decodes an entry's payload and checks it against the camera."""
        where = f"camera {e.camera_index} frame_id {e.frame_id}"
        w, h, ss, cs, px = self.decode(e.payload, keep_pixels)
        check_eq((w, h), (cam["width"], cam["height"]), f"{where}: decoded JPEG size")
        if cam["pixel_format"] == "Mono8":
            check_eq(ss, TJSAMP_GRAY, f"{where}: JPEG subsampling of a Mono8 camera")
            check_eq(cs, TJCS_GRAY, f"{where}: JPEG colorspace of a Mono8 camera")
        else:
            check_eq(ss, TJSAMP_420, f"{where}: JPEG subsampling of an RGB8 camera")
            check_eq(cs, TJCS_YCbCr, f"{where}: JPEG colorspace of an RGB8 camera")
        return px

    def encode(self, pixels, width, height, gray, quality=80):
        """For self-tests: encodes raw GRAY/RGB pixels (gray -> 4:0:0, else 4:2:0)."""
        ch = self.lib.tjInitCompress()
        if not ch:
            raise RuntimeError("tjInitCompress failed")
        try:
            out = ctypes.c_void_p()
            size = ctypes.c_ulong(0)
            pf = TJPF_GRAY if gray else TJPF_RGB
            ss = TJSAMP_GRAY if gray else TJSAMP_420
            r = self.lib.tjCompress2(ch, bytes(pixels), width, 0, height, pf, ctypes.byref(out),
                                     ctypes.byref(size), ss, quality, 0)
            if r != 0:
                raise RuntimeError(f"tjCompress2 failed: {self._err(ch)}")
            data = ctypes.string_at(out, size.value)
            self.lib.tjFree(out)
            return data
        finally:
            self.lib.tjDestroy(ch)

    def close(self):
        if self.handle:
            self.lib.tjDestroy(self.handle)
            self.handle = None


class StreamChecker:
    """Cross-bundle checks for one client's stream."""

    def __init__(self, cameras, tj=None, decode=True, check_now=True):
        """check_now: times must be within 10 s of the receive time (off for
        a backlog that was legitimately parked in buffers)."""
        self.cameras = cameras
        self.check_now = check_now
        self.tj = tj
        self.decode = decode
        self.last_seq = None
        self.gaps = []              # (prev_seq, seq)
        self.last_frame = {}        # camera -> frame_id
        self.entries = {i: 0 for i in range(len(cameras))}
        self.dropped = {i: 0 for i in range(len(cameras))}
        self.bundles = 0
        self.bytes = 0

    def feed(self, data, now_ns=None):
        b = parse_bundle(data, len(self.cameras))
        validate_bundle(b, self.cameras)
        self.bytes += len(data)
        if self.last_seq is not None:
            check(b.bundle_seq > self.last_seq,
                  f"bundle_seq not increasing: {self.last_seq} then {b.bundle_seq}")
            if b.bundle_seq != self.last_seq + 1:
                self.gaps.append((self.last_seq, b.bundle_seq))
        self.last_seq = b.bundle_seq
        if now_ns is None:
            now_ns = time.time_ns()
        check(not self.check_now or abs(b.mux_time_ns - now_ns) < 10 * 10**9,
              f"bundle {b.bundle_seq}: mux_time_ns {b.mux_time_ns} is more than 10 s from "
              f"this host's CLOCK_REALTIME {now_ns}")
        for e in b.entries:
            where = f"bundle {b.bundle_seq} camera {e.camera_index}"
            prev = self.last_frame.get(e.camera_index)
            if prev is not None:
                check(e.frame_id > prev,
                      f"{where}: frame_id not increasing ({prev} then {e.frame_id})")
            self.last_frame[e.camera_index] = e.frame_id
            check(e.capture_time_ns <= b.mux_time_ns,
                  f"{where}: capture_time_ns {e.capture_time_ns} is after the bundle's "
                  f"mux_time_ns {b.mux_time_ns}")
            check(not self.check_now or abs(e.capture_time_ns - now_ns) < 10 * 10**9,
                  f"{where}: capture_time_ns {e.capture_time_ns} is more than 10 s from "
                  f"now {now_ns}")
            self.entries[e.camera_index] += 1
            self.dropped[e.camera_index] += e.dropped
            if self.decode and self.tj is not None:
                self.tj.check_entry(e, self.cameras[e.camera_index])
        self.bundles += 1
        return b


# ---------------------------------------------------------------------------
# websockets (Debian python3-websockets 10.4) helpers


def ws_connect(uri, **kw):
    import websockets  # Debian's python3-websockets
    return websockets.connect(uri, compression=None, max_size=None, open_timeout=10,
                              ping_interval=None, close_timeout=5, **kw)


async def recv(ws, timeout=RECV_TIMEOUT, what="a message"):
    try:
        return await asyncio.wait_for(ws.recv(), timeout)
    except asyncio.TimeoutError:
        fail(f"no {what} within {timeout:.0f} s")


async def recv_text(ws, timeout=RECV_TIMEOUT, what="a text message", on_binary=None):
    """Skips binary messages (passing each to on_binary) until a text one."""
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            fail(f"no {what} within {timeout:.0f} s")
        m = await recv(ws, left, what)
        if isinstance(m, str):
            return m
        if on_binary is not None:
            on_binary(m)


async def recv_binary(ws, timeout=RECV_TIMEOUT, what="a FrameBundle"):
    m = await recv(ws, timeout, what)
    check(isinstance(m, bytes), f"expected a binary FrameBundle, got text: {m[:200]!r}")
    return m


# ---------------------------------------------------------------------------
# Raw sockets: HTTP and a minimal RFC 6455 client


def connect_raw(port, rcvbuf=None, timeout=10.0, addr=HOST):
    s = socket.socket(socket.AF_INET6 if ":" in addr else socket.AF_INET, socket.SOCK_STREAM)
    if rcvbuf is not None:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.settimeout(timeout)
    s.connect((addr, port))
    return s


def recv_until_close(sock, timeout=10.0, limit=1 << 20):
    """Reads until the server closes. -> (data, how) where how is 'eof',
    'reset' or 'timeout' (the connection was not closed in time)."""
    deadline = time.monotonic() + timeout
    data = b""
    while len(data) < limit:
        left = deadline - time.monotonic()
        if left <= 0:
            return data, "timeout"
        sock.settimeout(left)
        try:
            chunk = sock.recv(65536)
        except socket.timeout:
            return data, "timeout"
        except ConnectionResetError:
            return data, "reset"
        if not chunk:
            return data, "eof"
        data += chunk
    return data, "limit"


def parse_http_head(data):
    """-> (status, reason, headers dict lowercased, head_len) or None if incomplete."""
    end = data.find(b"\r\n\r\n")
    if end < 0:
        return None
    head = data[:end].decode("latin-1")
    lines = head.split("\r\n")
    m = re.match(r"HTTP/1\.[01] (\d{3})(?: (.*))?$", lines[0])
    check(m is not None, f"bad HTTP status line: {lines[0]!r}")
    headers = {}
    for ln in lines[1:]:
        k, sep, v = ln.partition(":")
        check(sep == ":", f"bad HTTP header line: {ln!r}")
        k = k.strip().lower()
        v = v.strip()
        headers[k] = headers[k] + ", " + v if k in headers else v
    return int(m.group(1)), m.group(2) or "", headers, end + 4


def http_request(port, request_bytes, timeout=10.0, what="request", addr=HOST):
    """Sends a raw request; reads until the server closes (bounded).
    -> (status, headers, body, how)."""
    s = connect_raw(port, timeout=timeout, addr=addr)
    try:
        try:
            s.sendall(request_bytes)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server may answer and close before reading it all
        data, how = recv_until_close(s, timeout)
    finally:
        s.close()
    parsed = parse_http_head(data)
    if parsed is None:
        fail(f"{what}: no complete HTTP response head (connection: {how}); "
             f"got {data[:300]!r}")
    status, _reason, headers, hl = parsed
    return status, headers, data[hl:], how


def get_stats(port, host=HOST):
    """The daemon's /stats, parsed (fails unless 200)."""
    req = f"GET /stats HTTP/1.1\r\nHost: {host}\r\n\r\n".encode()
    status, _, body, _ = http_request(port, req, what="GET /stats")
    check_eq(status, 200, "/stats status")
    return json.loads(body)


def check_gaps_counted(port, sockname, checker, what):
    """Every bundle_seq gap a client saw (checker: its StreamChecker) is a
    skip the daemon counted for that client in /stats (it was behind
    itself), not a bundle lost or withheld for another's sake. The daemon
    must run with expose_client_addresses = true; sockname: the client's
    (host, port)."""
    me = "%s:%d" % tuple(sockname[:2])
    mine = [c for c in get_stats(port)["clients"] if c.get("address") == me]
    check(len(mine) == 1, f"{what}: client {me} not in /stats (expose_client_addresses?)")
    missed = sum(b - a - 1 for a, b in checker.gaps)
    check(missed <= mine[0]["bundles_skipped"],
          f"{what}: {missed} bundles missing between {checker.gaps[:10]} but /stats counts "
          f"{mine[0]['bundles_skipped']} skipped for it")
    return mine[0]


def poll(get, cond, what, timeout=10.0, interval=0.1):
    """Calls get() until cond(value) holds and returns that value; fails
    after timeout, with the last value. For conditions instead of sleeps."""
    deadline = time.monotonic() + timeout
    while True:
        value = get()
        if cond(value):
            return value
        check(time.monotonic() < deadline, f"{what}: not within {timeout:.0f} s; last: "
                                           f"{value!r:.600}")
        time.sleep(interval)


def ws_key():
    return base64.b64encode(os.urandom(16)).decode()


def ws_accept(key):
    return base64.b64encode(hashlib.sha1((key + WS_GUID).encode()).digest()).decode()


def upgrade_request(path="/stream", key=None, version="13", extra="", host=HOST):
    key = key or ws_key()
    req = (f"GET {path} HTTP/1.1\r\n"
           f"Host: {host}\r\n"
           "Upgrade: websocket\r\n"
           "Connection: Upgrade\r\n"
           f"Sec-WebSocket-Key: {key}\r\n"
           f"Sec-WebSocket-Version: {version}\r\n"
           f"{extra}\r\n")
    return req.encode(), key


class ConnectionClosedByPeer(Exception):
    pass


class RawWS:
    """A minimal RFC 6455 client on a plain socket."""

    OP_CONT, OP_TEXT, OP_BIN, OP_CLOSE, OP_PING, OP_PONG = 0, 1, 2, 8, 9, 10

    def __init__(self, port, path="/stream", rcvbuf=None, extra_headers="", timeout=10.0,
                 early=b"", host=HOST, addr=HOST):
        """early: bytes sent in the same write as the request (e.g. frames);
        host: the Host header (a browser sends HOST:PORT); addr: where to
        connect (an IPv6 address too)."""
        self.sock = connect_raw(port, rcvbuf=rcvbuf, timeout=timeout, addr=addr)
        self.buf = bytearray()
        self.close_code = None
        self.close_reason = None
        self.pongs = []  # payloads of pong frames received
        req, key = upgrade_request(path, extra=extra_headers, host=host)
        self.sock.sendall(req + early)
        deadline = time.monotonic() + timeout
        while True:
            parsed = parse_http_head(self.buf)
            if parsed is not None:
                break
            self._fill(deadline, "the HTTP 101 response")
        self.status, _, self.headers, hl = parsed
        del self.buf[:hl]
        check(self.status == 101, f"handshake: expected HTTP 101, got {self.status}")
        check_eq(self.headers.get("sec-websocket-accept"), ws_accept(key),
                 "handshake: Sec-WebSocket-Accept")
        check("websocket" in self.headers.get("upgrade", "").lower(),
              f"handshake: Upgrade header {self.headers.get('upgrade')!r}")
        check("upgrade" in self.headers.get("connection", "").lower(),
              f"handshake: Connection header {self.headers.get('connection')!r}")

    def _fill(self, deadline, what):
        left = deadline - time.monotonic()
        if left <= 0:
            raise TestFailure(f"timed out waiting for {what}")
        self.sock.settimeout(left)
        try:
            chunk = self.sock.recv(1 << 20)
        except socket.timeout:
            raise TestFailure(f"timed out waiting for {what}")
        except ConnectionResetError:
            raise ConnectionClosedByPeer("connection reset")
        if not chunk:
            raise ConnectionClosedByPeer("EOF")
        self.buf += chunk

    def _need(self, n, deadline, what):
        while len(self.buf) < n:
            self._fill(deadline, what)

    def read_frame(self, deadline):
        """-> (fin, opcode, payload). Validates server framing rules."""
        self._need(2, deadline, "a frame header")
        b0, b1 = self.buf[0], self.buf[1]
        fin, rsv, op = b0 >> 7, (b0 >> 4) & 7, b0 & 15
        masked, ln = b1 >> 7, b1 & 127
        check(rsv == 0, f"server frame with RSV bits {rsv:#x} (no extension was negotiated)")
        check(not masked, "server frame is masked (RFC 6455 5.1 forbids it)")
        pos = 2
        if ln == 126:
            self._need(4, deadline, "a frame length")
            ln = struct.unpack_from(">H", self.buf, 2)[0]
            pos = 4
        elif ln == 127:
            self._need(10, deadline, "a frame length")
            ln = struct.unpack_from(">Q", self.buf, 2)[0]
            check(ln >> 63 == 0, "64-bit frame length with the top bit set")
            pos = 10
        if op >= 8:
            check(fin and ln <= 125, f"bad control frame: opcode {op} fin {fin} length {ln}")
        self._need(pos + ln, deadline, f"a frame payload of {ln} bytes")
        payload = bytes(self.buf[pos:pos + ln])
        del self.buf[:pos + ln]
        return fin, op, payload

    def recv_message(self, timeout=RECV_TIMEOUT):
        """-> ('text', str) / ('binary', bytes) / ('close', (code, reason)).

        Answers pings; reassembles fragmented messages. Raises
        ConnectionClosedByPeer on EOF/reset."""
        deadline = time.monotonic() + timeout
        msg_op, parts = None, []
        while True:
            fin, op, payload = self.read_frame(deadline)
            if op == self.OP_PING:
                self.send_frame(self.OP_PONG, payload)
                continue
            if op == self.OP_PONG:
                self.pongs.append(payload)
                continue
            if op == self.OP_CLOSE:
                check(len(payload) != 1, "close frame with a 1-byte payload")
                code = struct.unpack(">H", payload[:2])[0] if len(payload) >= 2 else None
                self.close_code = code
                self.close_reason = payload[2:].decode("utf-8", "replace")
                return "close", (code, self.close_reason)
            if op == self.OP_CONT:
                check(msg_op is not None, "continuation frame without a message start")
            else:
                check(op in (self.OP_TEXT, self.OP_BIN), f"unknown opcode {op}")
                check(msg_op is None, "new data message inside a fragmented one")
                msg_op = op
            parts.append(payload)
            if fin:
                data = b"".join(parts)
                if msg_op == self.OP_TEXT:
                    return "text", data.decode("utf-8")
                return "binary", data

    @staticmethod
    def frame(opcode, payload, mask=True, fin=True):
        """Bytes of one client frame."""
        payload = bytes(payload)
        hdr = bytes([(0x80 if fin else 0) | opcode])
        mbit = 0x80 if mask else 0
        n = len(payload)
        if n < 126:
            hdr += bytes([mbit | n])
        elif n < 65536:
            hdr += bytes([mbit | 126]) + struct.pack(">H", n)
        else:
            hdr += bytes([mbit | 127]) + struct.pack(">Q", n)
        if mask:
            key = os.urandom(4)
            hdr += key
            payload = bytes(c ^ key[i & 3] for i, c in enumerate(payload))
        return hdr + payload

    def send_frame(self, opcode, payload, mask=True, fin=True):
        self.sock.sendall(self.frame(opcode, payload, mask, fin))

    def send_text(self, text, mask=True):
        self.send_frame(self.OP_TEXT, text.encode(), mask=mask)

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


# ---------------------------------------------------------------------------
# Aravis cameras (source = aravis): helpers for test_aravis_*.py

GRAY_FORMATS = {"Mono8", "Mono10", "Mono12", "Mono16", "Mono10Packed", "Mono12Packed",
                "Mono10p", "Mono12p"}


def aravis_camera(device, **keys):
    """A [camera NAME] section with source = aravis; keys as in docs/config.md."""
    d = {"source": "aravis", "device": device}
    d.update(keys)
    return d


def hello_cameras(text):
    """The hello's camera objects (after the usual hello checks are done)."""
    try:
        h = json.loads(text)
    except (TypeError, ValueError) as e:
        fail(f"hello is not JSON ({e}): {text!r:.200}")
    cams = h.get("cameras") if isinstance(h, dict) else None
    check(isinstance(cams, list), f"hello has no camera list: {text!r:.200}")
    for c in cams:
        check(isinstance(c.get("online"), bool),
              f"hello camera {c.get('name')!r}: 'online' is not a boolean: {c!r}")
    return cams


def check_aravis_entry(tj, e, cam, want_pixels=False):
    """Checks an entry of a camera of any pixel format: the camera's size, a
    grayscale JPEG (flag and subsampling) for Mono formats, 4:2:0 colour
    otherwise. Returns the decoded pixels (gray or RGB) if asked."""
    where = f"camera {e.camera_index} frame_id {e.frame_id}"
    check_eq(e.codec, CODEC_JPEG, f"{where}: codec")
    check_eq((e.width, e.height), (cam["width"], cam["height"]), f"{where}: width/height")
    gray = cam["pixel_format"] in GRAY_FORMATS
    check_eq(e.flags, FLAG_GRAY if gray else 0, f"{where}: flags ({cam['pixel_format']})")
    w, h, ss, _cs, px = tj.decode(e.payload, want_pixels)
    check_eq((w, h), (cam["width"], cam["height"]), f"{where}: decoded JPEG size")
    check_eq(ss, TJSAMP_GRAY if gray else TJSAMP_420,
             f"{where}: JPEG subsampling of a {cam['pixel_format']} camera")
    return px


def fake_ramp(x, y, frame_id):
    """Pixel (x, y) of Aravis' Fake camera in Mono8 (no gain, 10 ms exposure)."""
    return (x + y + frame_id) % 255


def ramp_error(px, width, height, frame_id, step=3):
    """Mean absolute error of decoded gray pixels against the Fake's ramp,
    sampled every `step` pixels, away from where the ramp wraps (255 -> 0, a
    sharp edge JPEG blurs)."""
    total = n = 0
    for y in range(0, height, step):
        row = y * width
        for x in range(0, width, step):
            v = fake_ramp(x, y, frame_id)
            if 3 <= v <= 251:
                total += abs(px[row + x] - v)
                n += 1
    check(n > 0, "no pixel to compare")
    return total / n


def ramp_error_any_id(px, width, height):
    """ramp_error for the frame id the image itself suggests (when the
    entry's frame_id is not the camera's own, e.g. after a reconnection)."""
    guesses = {(px[y * width + x] - x - y) % 255
               for x, y in ((width // 4, height // 4), (width // 2, height // 3),
                            (width // 3, height // 2))}
    return min(ramp_error(px, width, height, g) for g in guesses)
