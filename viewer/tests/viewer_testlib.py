"""Helpers for the camcast-viewer end-to-end tests (stdlib only).

  - Viewer: runs camcast-viewer, collects stderr lines in a thread, waits
    for lines, stops it; every wait has a deadline.
  - layout_from(): the tile rects the viewer logs ("layout WxH: tile ...").
  - Bmp: reads the 32-bit BMP files SDL_SaveBMP writes; pixel statistics.
  - Xvfb: a private X server on a free display (-displayfd), for a real
    window without a screen.
  - XKeys: key presses into that server through the XTEST extension, and
    what its screen shows (XGetImage).
  - XWindows: finds a top-level window by its title and grabs what it
    shows, for a program whose own --screenshot would not tell what
    reaches the screen (camcast-viewer.exe under Wine).

The daemon side (Daemon, make_config, camera, server_section, TurboJPEG)
comes from tests/integration/cc_testlib.py.
"""

import ctypes
import os
import re
import select
import signal
import struct
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "integration"))

import cc_testlib as lib  # noqa: E402  (the path above first)
from cc_testlib import check, check_eq, fail, log  # noqa: E402,F401

COUNT_RE = re.compile(r"displayed (\d+) bundles, (\d+) frames, (\d+) malformed, "
                      r"(\d+) undecodable")
LAYOUT_RE = re.compile(r"layout (\d+)x(\d+): tile (\d+) (\S+): cell (-?\d+),(-?\d+) "
                       r"(\d+)x(\d+) image (-?\d+),(-?\d+) (\d+)x(\d+)")

# render.h: CC_COLOR_TILE, CC_COLOR_WINDOW; the banner's amber text.
TILE_BG = (30, 32, 46)
WINDOW_BG = (16, 17, 22)
AMBER = (255, 200, 90)

RUN_TIMEOUT = 90.0  # one viewer run, start to exit


# ---------------------------------------------------------------------------
# The viewer process


class Viewer:
    _live = []

    def __init__(self, binary, args, env=None, cwd=None):
        self.args = [binary, *args]
        self.env = dict(os.environ if env is None else env)
        self.cwd = cwd
        self.proc = None
        self.lines = []
        self.stdout = ""
        self._cond = threading.Condition()
        self._threads = []

    def start(self):
        log(f"viewer: {' '.join(self.args)}")
        self.proc = subprocess.Popen(self.args, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     env=self.env, cwd=self.cwd)
        Viewer._live.append(self)
        for target in (self._read_stderr, self._read_stdout):
            t = threading.Thread(target=target, daemon=True)
            t.start()
            self._threads.append(t)
        return self

    def _read_stderr(self):
        for raw in iter(self.proc.stderr.readline, b""):
            line = raw.decode("utf-8", "replace").rstrip("\n")
            with self._cond:
                self.lines.append(line)
                self._cond.notify_all()
        with self._cond:
            self._cond.notify_all()

    def _read_stdout(self):
        self.stdout = self.proc.stdout.read().decode("utf-8", "replace")

    def wait_for_line(self, pattern, timeout, start=0):
        """First stderr line (index >= start) matching pattern -> (index, match)."""
        rx = re.compile(pattern) if isinstance(pattern, str) else pattern
        deadline = time.monotonic() + timeout
        i = start
        with self._cond:
            while True:
                while i < len(self.lines):
                    m = rx.search(self.lines[i])
                    if m:
                        return i, m
                    i += 1
                left = deadline - time.monotonic()
                if left <= 0 or self.proc.poll() is not None and not self._threads[0].is_alive():
                    return None, None
                self._cond.wait(min(left, 0.2))

    def expect_line(self, pattern, timeout, start=0, what=None):
        i, m = self.wait_for_line(pattern, timeout, start)
        if m is None:
            fail(f"viewer never logged {what or pattern!r} within {timeout:.0f} s; "
                 f"status {self.proc.poll()}; stderr:\n{self.stderr_text()}")
        return i, m

    def expect_lines(self, pattern, n, timeout, start=0, what=None):
        """Waits for n lines matching pattern from index start on."""
        deadline = time.monotonic() + timeout
        for _ in range(n):
            i, _m = self.expect_line(pattern, max(deadline - time.monotonic(), 0), start, what)
            start = i + 1
        return start

    def line_count(self):
        with self._cond:
            return len(self.lines)

    def stderr_text(self):
        with self._cond:
            return "\n".join(self.lines[-80:])

    def wait_exit(self, timeout=RUN_TIMEOUT):
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            fail(f"viewer did not exit within {timeout:.0f} s; stderr:\n{self.stderr_text()}")
        for t in self._threads:
            t.join(5)
        return rc

    def stop(self, sig=signal.SIGTERM, timeout=30.0):
        check(self.proc.poll() is None,
              f"viewer died early, status {self.proc.returncode}:\n{self.stderr_text()}")
        self.proc.send_signal(sig)
        return self.wait_exit(timeout)

    def counts(self):
        m = COUNT_RE.search(self.stdout)
        check(m is not None, f"no count line on stdout: {self.stdout!r}")
        return tuple(int(g) for g in m.groups())

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                pass

    @classmethod
    def kill_all(cls):
        for v in cls._live:
            v.kill()


def run_viewer(binary, args, env=None, cwd=None, timeout=RUN_TIMEOUT):
    """Runs the viewer to its own exit -> Viewer (exit status in .rc)."""
    v = Viewer(binary, args, env, cwd).start()
    v.rc = v.wait_exit(timeout)
    return v


def layout_from(lines, start=0):
    """Tile rects from the last complete layout in lines[start:]:
    {tile number: (name, cell (x, y, w, h), image (x, y, w, h))}, and the
    window size."""
    tiles, size = {}, None
    for line in lines[start:]:
        m = LAYOUT_RE.search(line)
        if not m:
            continue
        g = [m.group(i) for i in range(1, 13)]
        win = (int(g[0]), int(g[1]))
        n = int(g[2])
        if win != size or n in tiles:
            tiles = {}  # a new layout starts
        size = win
        tiles[n] = (g[3], tuple(int(v) for v in g[4:8]), tuple(int(v) for v in g[8:12]))
    return size, tiles


def bundles_sent(port):
    """Bundles a daemon has sent to its clients (its /stats)."""
    return lib.get_stats(port)["totals"]["bundles_sent"]


def wait_bundles_sent(port, n, what, timeout=30):
    """Waits until the daemon on port has sent n more bundles (bounded):
    a span of streaming counted in bundles, not seconds."""
    start = bundles_sent(port)
    lib.poll(lambda: bundles_sent(port), lambda sent: sent >= start + n,
             f"{what}: {n} bundles sent", timeout)


def headless_env():
    """Environment without a display: SDL's offscreen driver."""
    env = dict(os.environ)
    env.pop("DISPLAY", None)
    env.pop("WAYLAND_DISPLAY", None)
    env.pop("SDL_VIDEODRIVER", None)
    return env


# ---------------------------------------------------------------------------
# BMP (what SDL_SaveBMP writes: 32 bits per pixel)


class Bmp:
    def __init__(self, path):
        data = open(path, "rb").read()
        check(data[:2] == b"BM", f"{path}: not a BMP file")
        off = struct.unpack_from("<I", data, 10)[0]
        w, h = struct.unpack_from("<ii", data, 18)
        bpp, comp = struct.unpack_from("<HI", data, 28)
        check(bpp == 32, f"{path}: {bpp} bits per pixel, expected 32")
        # Channel masks (BI_BITFIELDS, or v4/v5 headers); default XRGB.
        masks = (0x00FF0000, 0x0000FF00, 0x000000FF)
        if comp == 3 or struct.unpack_from("<I", data, 14)[0] >= 56:
            masks = struct.unpack_from("<III", data, 54)
        self.shifts = [(m & -m).bit_length() - 1 for m in masks]
        self.w, self.h = w, abs(h)
        self.bottom_up = h > 0
        self.data, self.off = data, off

    def pixel(self, x, y):
        row = self.h - 1 - y if self.bottom_up else y
        v = struct.unpack_from("<I", self.data, self.off + (row * self.w + x) * 4)[0]
        return tuple((v >> s) & 0xFF for s in self.shifts)

    def pixels(self, rect, step=1):
        x0, y0, w, h = rect
        for y in range(y0, y0 + h, step):
            for x in range(x0, x0 + w, step):
                yield self.pixel(x, y)

    def to_png(self, path, scale=1):
        """Writes an RGB PNG (zlib only), downscaled by an integer factor."""
        import zlib
        raw = bytearray()
        for y in range(0, self.h, scale):
            raw.append(0)
            for x in range(0, self.w, scale):
                raw += bytes(self.pixel(x, y))

        def chunk(tag, body):
            c = struct.pack(">I", len(body)) + tag + body
            return c + struct.pack(">I", zlib.crc32(tag + body) & 0xFFFFFFFF)

        w, h = (self.w + scale - 1) // scale, (self.h + scale - 1) // scale
        png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
        png += chunk(b"IDAT", zlib.compress(bytes(raw), 9)) + chunk(b"IEND", b"")
        with open(path, "wb") as f:
            f.write(png)


def near(a, b, tol=6):
    return all(abs(x - y) <= tol for x, y in zip(a, b))


def region_stats(bmp, rect, step=2):
    """Fractions of pixels in rect: not background, gray, coloured, amber;
    and a coarse 8x6 grid of mean brightness (to tell images apart)."""
    total = not_bg = gray = colour = amber = 0
    x0, y0, w, h = rect
    grid = [[0, 0] for _ in range(48)]
    for y in range(y0, y0 + h, step):
        for x in range(x0, x0 + w, step):
            p = bmp.pixel(x, y)
            total += 1
            if not near(p, TILE_BG, 2) and not near(p, WINDOW_BG, 2):
                not_bg += 1
            spread = max(p) - min(p)
            gray += spread <= 3
            colour += spread >= 60
            amber += near(p, AMBER, 30)
            cell = grid[((y - y0) * 6 // h) * 8 + (x - x0) * 8 // w]
            cell[0] += sum(p) / 3
            cell[1] += 1
    check(total > 0, f"empty region {rect}")
    return {
        "not_bg": not_bg / total,
        "gray": gray / total,
        "colour": colour / total,
        "amber": amber,
        "grid": [s / n if n else 0 for s, n in grid],
    }


def grid_distance(a, b):
    return sum(abs(x - y) for x, y in zip(a["grid"], b["grid"])) / len(a["grid"])


# ---------------------------------------------------------------------------
# A private X server


class Xvfb:
    def __init__(self, size="1280x800x24"):
        self.size = size
        self.proc = None
        self.display = None

    def start(self, timeout=20.0):
        r, w = os.pipe()
        self.proc = subprocess.Popen(
            ["Xvfb", "-displayfd", str(w), "-screen", "0", self.size, "-nolisten", "tcp",
             "-noreset"], pass_fds=(w,), stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(w)
        deadline = time.monotonic() + timeout
        buf = b""
        try:
            while not buf.endswith(b"\n"):
                left = deadline - time.monotonic()
                if left <= 0 or not select.select([r], [], [], left)[0]:
                    fail(f"Xvfb did not report a display within {timeout:.0f} s")
                chunk = os.read(r, 64)
                if not chunk:
                    fail(f"Xvfb exited (status {self.proc.poll()}) before it was ready")
                buf += chunk
        finally:
            os.close(r)
        self.display = ":" + buf.decode().strip()
        log(f"Xvfb {self.display} (pid {self.proc.pid})")
        return self

    def env(self):
        env = dict(os.environ)
        env["DISPLAY"] = self.display
        env.pop("WAYLAND_DISPLAY", None)
        env.pop("SDL_VIDEODRIVER", None)
        return env

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False


class XImage(ctypes.Structure):
    """The head of Xlib's XImage (Xlib.h), up to what is read here."""
    _fields_ = [("width", ctypes.c_int), ("height", ctypes.c_int),
                ("xoffset", ctypes.c_int), ("format", ctypes.c_int),
                ("data", ctypes.c_void_p), ("byte_order", ctypes.c_int),
                ("bitmap_unit", ctypes.c_int), ("bitmap_bit_order", ctypes.c_int),
                ("bitmap_pad", ctypes.c_int), ("depth", ctypes.c_int),
                ("bytes_per_line", ctypes.c_int), ("bits_per_pixel", ctypes.c_int)]


class _XWindowAttributes(ctypes.Structure):
    _fields_ = [("x", ctypes.c_int), ("y", ctypes.c_int), ("width", ctypes.c_int),
                ("height", ctypes.c_int), ("border_width", ctypes.c_int),
                ("depth", ctypes.c_int), ("visual", ctypes.c_void_p),
                ("root", ctypes.c_ulong), ("class_", ctypes.c_int),
                ("bit_gravity", ctypes.c_int), ("win_gravity", ctypes.c_int),
                ("backing_store", ctypes.c_int), ("backing_planes", ctypes.c_ulong),
                ("backing_pixel", ctypes.c_ulong), ("save_under", ctypes.c_int),
                ("colormap", ctypes.c_ulong), ("map_installed", ctypes.c_int),
                ("map_state", ctypes.c_int), ("all_event_masks", ctypes.c_long),
                ("your_event_mask", ctypes.c_long), ("do_not_propagate_mask", ctypes.c_long),
                ("override_redirect", ctypes.c_int), ("screen", ctypes.c_void_p)]


class XShot:
    """Pixels grabbed from the X server (XKeys.grab, XWindows.grab), in the
    coordinates they were grabbed in, read as Bmp's are (pixel(),
    region_stats())."""

    def __init__(self, img, x0, y0):
        check(img.bits_per_pixel == 32 and img.byte_order == 0,
              f"XImage of {img.bits_per_pixel} bits per pixel, byte order {img.byte_order}")
        self.x0, self.y0, self.w, self.h = x0, y0, img.width, img.height
        self.stride = img.bytes_per_line
        self.data = ctypes.string_at(img.data, self.stride * img.height)

    def pixel(self, x, y):
        at = (y - self.y0) * self.stride + (x - self.x0) * 4
        b, g, r = self.data[at], self.data[at + 1], self.data[at + 2]  # BGRX, LSB first
        return (r, g, b)


class _XDisplay:
    """An Xlib connection to a display: the top-level windows and grabs."""

    Z_PIXMAP = 2

    def __init__(self, display):
        x = self.x11 = ctypes.CDLL("libX11.so.6")
        x.XOpenDisplay.restype = ctypes.c_void_p
        x.XOpenDisplay.argtypes = [ctypes.c_char_p]
        x.XDefaultRootWindow.restype = ctypes.c_ulong
        x.XDefaultRootWindow.argtypes = [ctypes.c_void_p]
        x.XQueryTree.argtypes = [ctypes.c_void_p, ctypes.c_ulong,
                                 ctypes.POINTER(ctypes.c_ulong), ctypes.POINTER(ctypes.c_ulong),
                                 ctypes.POINTER(ctypes.POINTER(ctypes.c_ulong)),
                                 ctypes.POINTER(ctypes.c_uint)]
        x.XGetImage.restype = ctypes.POINTER(XImage)
        x.XGetImage.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_int, ctypes.c_int,
                                ctypes.c_uint, ctypes.c_uint, ctypes.c_ulong, ctypes.c_int]
        x.XDestroyImage.argtypes = [ctypes.POINTER(XImage)]
        x.XFree.argtypes = [ctypes.c_void_p]
        x.XSync.argtypes = [ctypes.c_void_p, ctypes.c_int]
        x.XCloseDisplay.argtypes = [ctypes.c_void_p]
        self.dpy = x.XOpenDisplay(display.encode())
        check(self.dpy, f"cannot open X display {display}")

    def _top_windows(self):
        """The root's children, as a list of window ids."""
        root, parent = ctypes.c_ulong(), ctypes.c_ulong()
        kids, n = ctypes.POINTER(ctypes.c_ulong)(), ctypes.c_uint()
        check(self.x11.XQueryTree(self.dpy, self.x11.XDefaultRootWindow(self.dpy),
                                  ctypes.byref(root), ctypes.byref(parent),
                                  ctypes.byref(kids), ctypes.byref(n)), "XQueryTree")
        try:
            return [kids[i] for i in range(n.value)]
        finally:
            if kids:
                self.x11.XFree(kids)

    def _grab(self, drawable, x, y, w, h, x0, y0):
        img = self.x11.XGetImage(self.dpy, drawable, x, y, w, h, 0xFFFFFFFF, self.Z_PIXMAP)
        check(img, f"XGetImage of {drawable:#x} at {(x, y, w, h)} failed")
        try:
            return XShot(img.contents, x0, y0)
        finally:
            self.x11.XDestroyImage(img)

    def close(self):
        if self.dpy:
            self.x11.XCloseDisplay(self.dpy)
            self.dpy = None


class XKeys(_XDisplay):
    """Key presses through XTEST, into the window under the pointer (no
    window manager runs, so focus follows the pointer), and what the
    screen shows."""

    def __init__(self, display):
        super().__init__(display)
        self.xtst = ctypes.CDLL("libXtst.so.6")
        self.x11.XStringToKeysym.restype = ctypes.c_ulong
        self.x11.XStringToKeysym.argtypes = [ctypes.c_char_p]
        self.x11.XKeysymToKeycode.restype = ctypes.c_ubyte
        self.x11.XKeysymToKeycode.argtypes = [ctypes.c_void_p, ctypes.c_ulong]
        self.x11.XGetGeometry.argtypes = [ctypes.c_void_p, ctypes.c_ulong] + \
            [ctypes.c_void_p] * 7
        self.xtst.XTestFakeKeyEvent.argtypes = [ctypes.c_void_p, ctypes.c_uint,
                                                ctypes.c_int, ctypes.c_ulong]
        self.xtst.XTestFakeMotionEvent.argtypes = [ctypes.c_void_p, ctypes.c_int,
                                                   ctypes.c_int, ctypes.c_int, ctypes.c_ulong]

    def pointer_to(self, x, y):
        self.xtst.XTestFakeMotionEvent(self.dpy, 0, x, y, 0)
        self.x11.XSync(self.dpy, 0)

    def _code(self, keysym):
        code = self.x11.XKeysymToKeycode(self.dpy, self.x11.XStringToKeysym(keysym.encode()))
        check(code != 0, f"no keycode for {keysym}")
        return code

    def press(self, keysym, shift=False):
        code = self._code(keysym)
        if shift:
            self.xtst.XTestFakeKeyEvent(self.dpy, self._code("Shift_L"), 1, 0)
        self.xtst.XTestFakeKeyEvent(self.dpy, code, 1, 0)
        self.xtst.XTestFakeKeyEvent(self.dpy, code, 0, 0)
        if shift:
            self.xtst.XTestFakeKeyEvent(self.dpy, self._code("Shift_L"), 0, 0)
        self.x11.XSync(self.dpy, 0)

    def window_origin(self, width, height):
        """Where the top-level window of that size is on the screen (the
        viewer's: without a window manager SDL places it itself)."""
        for win in self._top_windows():
            r = ctypes.c_ulong()
            x, y = ctypes.c_int(), ctypes.c_int()
            w, h, bw, depth = (ctypes.c_uint() for _ in range(4))
            if (self.x11.XGetGeometry(self.dpy, win, ctypes.byref(r), ctypes.byref(x),
                                      ctypes.byref(y), ctypes.byref(w), ctypes.byref(h),
                                      ctypes.byref(bw), ctypes.byref(depth)) and
                    (w.value, h.value) == (width, height)):
                return x.value, y.value
        fail(f"no {width}x{height} window on the screen")

    def grab(self, rect):
        """What the screen shows in rect (x, y, w, h on the screen): an
        XShot."""
        x, y, w, h = rect
        return self._grab(self.x11.XDefaultRootWindow(self.dpy), x, y, w, h, x, y)


class XWindows(_XDisplay):
    """The top-level windows of an X display (no window manager runs), found
    by title."""

    IS_VIEWABLE = 2

    def __init__(self, display):
        super().__init__(display)
        self.x11.XFetchName.argtypes = [ctypes.c_void_p, ctypes.c_ulong,
                                        ctypes.POINTER(ctypes.c_void_p)]
        self.x11.XGetWindowAttributes.argtypes = [ctypes.c_void_p, ctypes.c_ulong,
                                                  ctypes.POINTER(_XWindowAttributes)]

    def _title(self, win):
        name = ctypes.c_void_p()
        if not self.x11.XFetchName(self.dpy, win, ctypes.byref(name)) or not name.value:
            return ""
        title = ctypes.string_at(name.value).decode("utf-8", "replace")
        self.x11.XFree(name)
        return title

    def find(self, title_prefix, timeout):
        """The mapped top-level window whose title starts with title_prefix
        -> (window, width, height); fails after timeout seconds."""
        deadline = time.monotonic() + timeout
        while True:
            found = None
            for win in self._top_windows():
                a = _XWindowAttributes()
                self.x11.XGetWindowAttributes(self.dpy, win, ctypes.byref(a))
                if a.map_state == self.IS_VIEWABLE and self._title(win).startswith(title_prefix):
                    found = (win, a.width, a.height)
            if found:
                return found
            if time.monotonic() > deadline:
                fail(f"no window titled {title_prefix!r}... within {timeout:.0f} s")
            time.sleep(0.2)

    def grab(self, win, w, h):
        """What window win shows (its w x h pixels from its corner): an
        XShot in the window's coordinates."""
        return self._grab(win, 0, 0, w, h, 0, 0)


# ---------------------------------------------------------------------------
# The Windows build under Wine (test_viewer_wine.py, bench/viewer_wine.py)

SAMPLE_CONFIG = os.path.join(HERE, "..", "..", "cams.ini")


def sample_config(port=0, token_file=None):
    """The sample cams.ini, with the daemon on 127.0.0.1 and port (0: any
    free one), and a token_file if given."""
    out = []
    with open(SAMPLE_CONFIG, encoding="utf-8") as f:
        for line in f.read().splitlines():
            if line.startswith("listen ="):
                line = "listen = 127.0.0.1"
            elif line.startswith("port ="):
                line = f"port = {port}"
                if token_file:
                    line += f"\ntoken_file = {token_file}"
            out.append(line)
    return "\n".join(out) + "\n"


def win_path(path):
    """The Windows name of a local file: Wine's Z: drive is the Unix root."""
    return "Z:" + os.path.abspath(path).replace("/", "\\")


class Wine:
    """Runs Windows programs in one Wine prefix, with one wineserver that
    this process starts and ends (so each program starts in seconds)."""

    def __init__(self, prefix, display=None):
        self.prefix = prefix
        self.env = dict(os.environ)
        self.env.update({
            "WINEPREFIX": prefix,
            "WINEDEBUG": "-all",
            # No dialogs offering to install Mono or Gecko.
            "WINEDLLOVERRIDES": "mscoree,mshtml=",
        })
        for k in ("WAYLAND_DISPLAY", "SDL_VIDEODRIVER", "DISPLAY"):
            self.env.pop(k, None)
        if display:
            self.env["DISPLAY"] = display
        self.server = None

    def boot(self, timeout=300.0):
        """Creates the prefix if it is new (a minute or more, once), then
        starts a persistent wineserver in the foreground: self.server."""
        if not os.path.exists(os.path.join(self.prefix, "system.reg")):
            log(f"creating the Wine prefix {self.prefix} (once)")
        t0 = time.monotonic()
        try:
            subprocess.run(["wineboot", "--init"], env=self.env, stdin=subprocess.DEVNULL,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                           timeout=timeout, check=True)
            subprocess.run(["wineserver", "-w"], env=self.env, timeout=timeout, check=True)
        except (subprocess.TimeoutExpired, subprocess.CalledProcessError) as e:
            fail(f"wineboot: {e}")
        check(os.path.exists(os.path.join(self.prefix, "system.reg")),
              f"wineboot made no prefix in {self.prefix}")
        self.server = subprocess.Popen(["wineserver", "-f", "-p"], env=self.env,
                                       stdin=subprocess.DEVNULL)
        log(f"Wine prefix ready in {time.monotonic() - t0:.1f} s "
            f"(wineserver pid {self.server.pid})")
        return self

    def stop(self):
        """Ends the wineserver (and any program left in the prefix)."""
        subprocess.run(["wineserver", "-k"], env=self.env, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, timeout=30, check=False)
        if self.server:
            try:
                self.server.wait(10)
            except subprocess.TimeoutExpired:
                self.server.kill()
                self.server.wait(5)
            self.server = None

    def viewer(self, exe, args):
        return Viewer("wine", [exe, *args], env=self.env)

    def run(self, exe, args, timeout=RUN_TIMEOUT):
        v = self.viewer(exe, args).start()
        v.rc = v.wait_exit(timeout)
        return v


def run_main(main_fn, nargs):
    """main_fn(*paths) with the binaries from argv; exit 0 / 1 / 2."""
    if len(sys.argv) != nargs + 1:
        print(f"usage: /usr/bin/python3 {sys.argv[0]} " + " ".join(["BINARY"] * nargs),
              file=sys.stderr)
        sys.exit(2)
    name = os.path.basename(sys.argv[0])
    try:
        main_fn(*[os.path.abspath(a) for a in sys.argv[1:]])
    except lib.TestFailure as e:
        print(f"\nFAIL {name}: {e}", file=sys.stderr, flush=True)
        lib._dump_daemon_logs()
        sys.exit(1)
    except Exception:
        import traceback
        print(f"\nFAIL {name}: unexpected exception:", file=sys.stderr)
        traceback.print_exc()
        lib._dump_daemon_logs()
        sys.exit(1)
    finally:
        Viewer.kill_all()
        lib.Daemon.kill_all()
    print(f"PASS {name}", flush=True)
    sys.exit(0)
