"""End-to-end: command line and configuration errors.

    /usr/bin/python3 tests/integration/test_cli.py build/camcastd

  - --version prints "camcastd 0.1.0", --help prints usage; both exit 0.
  - --check-config on a good config: exit 0, stdout is an ini file with the
    resolved settings (encoder_workers = 0 resolved to a number > 0) that
    loads back to the same output; nothing listens.
  - Bad configs (unknown key, bad values, missing required key, no cameras,
    duplicate camera names, unknown section, missing file) and usage errors:
    exit status 2, exactly one line on stderr with "FILE:LINE:" (where a line
    applies) and the key, and nothing printed containing "ws://".
  - --listen 127.0.0.1:0 overrides the config's listen address and port.
  - tcp_congestion: a name the kernel does not offer is refused at load.
  - [rtsp]: --check-config prints it, or, built without RTSP
    (CC_HAVE_RTSP=0 from meson), refuses it as the daemon does.
  - The start-up line gives the page to open, http://HOST:PORT/ (this
    host's name for 0.0.0.0); listening beyond loopback without a token
    adds one warning line, with a token none (0.0.0.0 in a network
    namespace holding only loopback: root; else the test exits 77 at the
    end, the rest passed).
"""

import asyncio
import atexit
import configparser
import os
import re
import shutil
import signal
import socket
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cc_testlib as T  # noqa: E402

TMP = tempfile.mkdtemp(prefix="camcast-cli-")
atexit.register(shutil.rmtree, TMP, True)

GOOD = [
    "; a good config",
    "[server]",
    "listen = 127.0.0.1",
    "port = 0            ; 0 = pick a free port",
    "stream_fps = 30",
    "jpeg_quality = 80",
    "encoder_workers = 2",
    "max_clients = 64",
    "",
    "[camera left]",
    "source = testpattern",
    "width = 640",
    "height = 480",
    "pixel_format = Mono8   ; or RGB8",
    "grab_fps = 400",
    "pattern = scroll       ; scroll|bars|checker",
    "",
    "[camera right]",
    "source = testpattern",
    "width = 320",
    "height = 240",
    "pixel_format = RGB8",
    "grab_fps = 200",
    "pattern = bars",
    "",
]

# A key whose absence must be an error. `source` says what the camera is; a
# camera section without it cannot be started as anything in particular.
MISSING_REQUIRED_KEY = "source"


def write(name, lines):
    path = os.path.join(TMP, name)
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return name  # relative: the daemon runs with cwd=TMP


def cli(args):
    return T.run_cli(T_BINARY, args, cwd=TMP)


def no_listen(out, err, what):
    T.check("ws://" not in out and "ws://" not in err,
            f"{what}: printed a ws:// address (it must never start listening): "
            f"{(out + err)[:300]!r}")


def parse_ini(text, what):
    cp = configparser.ConfigParser(inline_comment_prefixes=(";", "#"), interpolation=None,
                                   strict=True)
    try:
        cp.read_string(text)
    except configparser.Error as e:
        T.fail(f"{what}: stdout does not parse as ini: {e}\n{text}")
    return cp


def listen_port(cp, section):
    return (cp.get(section, "listen", fallback=None), cp.get(section, "port", fallback=None))


def lineno(lines, text):
    """1-based line of the first line equal to text (after strip)."""
    for i, ln in enumerate(lines):
        if ln.strip() == text:
            return i + 1
    raise AssertionError(f"test bug: {text!r} not in config")


def replace(lines, old, new):
    i = lineno(lines, old) - 1
    out = list(lines)
    if new is None:
        del out[i]
    else:
        out[i] = new
    return out


def insert_after(lines, anchor, new):
    i = lineno(lines, anchor)
    return lines[:i] + [new] + lines[i:]


def expect_config_error(name, lines, want_line, keys, what, extra_args=()):
    fname = write(name, lines) if lines is not None else name
    rc, out, err = cli(["--config", fname, *extra_args])
    T.check(rc == 2, f"{what}: expected exit status 2, got {rc}; stderr {err!r}")
    no_listen(out, err, what)
    errlines = [ln for ln in err.splitlines() if ln.strip()]
    T.check(len(errlines) == 1, f"{what}: expected exactly one line on stderr, got "
                                f"{len(errlines)}: {err!r}")
    msg = errlines[0]
    where = f"{name}:{want_line}:" if want_line is not None else name
    T.check(where in msg, f"{what}: stderr does not contain {where!r}: {msg!r}")
    for k in keys:
        T.check(k in msg, f"{what}: stderr does not mention {k!r}: {msg!r}")
    T.log(f"{what}: exit 2, {msg!r}")


def test_version_help():
    rc, out, err = cli(["--version"])
    T.check_eq(rc, 0, "--version exit status")
    T.check_eq(out.strip(), "camcastd 0.1.0", "--version output")
    rc, out, err = cli(["--help"])
    T.check_eq(rc, 0, "--help exit status")
    T.check("usage" in out.lower(), f"--help: no usage on stdout: {out!r}")
    for opt in ("--config", "--listen", "--log-level", "--check-config", "--version"):
        T.check(opt in out, f"--help does not mention {opt}: {out!r}")
    no_listen(out, err, "--help")
    T.log("--version and --help ok")


def test_check_config():
    good = write("good.ini", GOOD)
    rc, out, err = cli(["--config", good, "--check-config"])
    T.check(rc == 0, f"--check-config on a good config: exit {rc}, stderr {err!r}")
    no_listen(out, err, "--check-config")
    cp = parse_ini(out, "--check-config")
    for sec in ("server", "camera left", "camera right"):
        T.check(cp.has_section(sec), f"--check-config output has no [{sec}]:\n{out}")
    T.check_eq(sorted(s for s in cp.sections() if s.startswith("camera")),
               ["camera left", "camera right"], "camera sections in --check-config output")

    def num(sec, key, conv=int):
        T.check(cp.has_option(sec, key), f"--check-config: [{sec}] has no {key}:\n{out}")
        try:
            return conv(cp.get(sec, key))
        except ValueError:
            T.fail(f"--check-config: [{sec}] {key} = {cp.get(sec, key)!r} is not a number")

    T.check_eq(cp.get("server", "listen", fallback=None), "127.0.0.1", "[server] listen")
    T.check_eq(num("server", "port"), 0, "[server] port")
    T.check_eq(num("server", "stream_fps", float), 30.0, "[server] stream_fps")
    T.check_eq(num("server", "jpeg_quality"), 80, "[server] jpeg_quality")
    T.check_eq(num("server", "encoder_workers"), 2, "[server] encoder_workers")
    T.check_eq(num("server", "max_clients"), 64, "[server] max_clients")
    for sec, w, h, pf, fps, pat in (("camera left", 640, 480, "mono8", 400.0, "scroll"),
                                    ("camera right", 320, 240, "rgb8", 200.0, "bars")):
        T.check_eq(num(sec, "width"), w, f"[{sec}] width")
        T.check_eq(num(sec, "height"), h, f"[{sec}] height")
        T.check_eq(num(sec, "grab_fps", float), fps, f"[{sec}] grab_fps")
        T.check_eq(cp.get(sec, "pixel_format", fallback="").lower(), pf, f"[{sec}] pixel_format")
        T.check_eq(cp.get(sec, "source", fallback="").lower(), "testpattern", f"[{sec}] source")
        T.check_eq(cp.get(sec, "pattern", fallback="").lower(), pat, f"[{sec}] pattern")
    # Order of cameras is their index: left first.
    secs = [s for s in cp.sections() if s.startswith("camera")]
    T.check_eq(secs, ["camera left", "camera right"], "camera order in --check-config output")

    # The output loads back the same.
    with open(os.path.join(TMP, "resolved.ini"), "w") as f:
        f.write(out)
    rc2, out2, err2 = cli(["--config", "resolved.ini", "--check-config"])
    T.check(rc2 == 0, f"--check-config on its own output: exit {rc2}, stderr {err2!r}")
    def settings(text):  # comments (e.g. "# resolved from FILE") aside
        return [ln.strip() for ln in text.splitlines()
                if ln.strip() and not ln.lstrip().startswith(("#", ";"))]
    T.check(settings(out2) == settings(out),
            f"--check-config output does not load back the same:\n--- first\n"
            f"{out}\n--- second\n{out2}")

    # encoder_workers = 0 means one per core, resolved at load.
    zero = write("zero.ini", replace(GOOD, "encoder_workers = 2", "encoder_workers = 0"))
    rc, out, err = cli(["--config", zero, "--check-config"])
    T.check(rc == 0, f"--check-config with encoder_workers = 0: exit {rc}, stderr {err!r}")
    cp = parse_ini(out, "--check-config (encoder_workers = 0)")
    v = cp.get("server", "encoder_workers", fallback="")
    T.check(v.isdigit() and int(v) > 0,
            f"encoder_workers = 0 should be resolved to the core count, got {v!r}")

    # --listen applies to --check-config too.
    rc, out, err = cli(["--config", good, "--check-config", "--listen", "127.0.0.1:0"])
    T.check(rc == 0, f"--check-config --listen: exit {rc}, stderr {err!r}")
    cp = parse_ini(out, "--check-config --listen")
    T.check_eq(listen_port(cp, "server"), ("127.0.0.1", "0"),
               "--check-config --listen 127.0.0.1:0: listen/port")
    T.log("--check-config ok (parses, round-trips, resolves encoder_workers)")


def test_bad_configs():
    L = GOOD
    bad = insert_after(L, "pattern = scroll       ; scroll|bars|checker", "colour = red")
    expect_config_error("unknown_key.ini", bad, lineno(bad, "colour = red"), ["colour"],
                        "unknown key in a camera")
    bad = insert_after(L, "max_clients = 64", "bogus_setting = 1")
    expect_config_error("unknown_key2.ini", bad, lineno(bad, "bogus_setting = 1"),
                        ["bogus_setting"], "unknown key in [server]")
    bad = replace(L, "width = 320", "width = abc")
    expect_config_error("bad_width.ini", bad, lineno(bad, "width = abc"), ["width"],
                        "width = abc")
    bad = replace(L, "width = 640", "width = 8")
    expect_config_error("small_width.ini", bad, lineno(bad, "width = 8"), ["width"],
                        "width = 8 (below 16)")
    bad = replace(L, "pixel_format = RGB8", "pixel_format = YUV422")
    expect_config_error("bad_pixfmt.ini", bad, lineno(bad, "pixel_format = YUV422"),
                        ["pixel_format"], "pixel_format = YUV422")
    bad = replace(L, "pattern = bars", "pattern = spiral")
    expect_config_error("bad_pattern.ini", bad, lineno(bad, "pattern = spiral"), ["pattern"],
                        "pattern = spiral")
    bad = replace(L, "jpeg_quality = 80", "jpeg_quality = 101")
    expect_config_error("bad_quality.ini", bad, lineno(bad, "jpeg_quality = 101"),
                        ["jpeg_quality"], "jpeg_quality = 101")
    bad = replace(L, "port = 0            ; 0 = pick a free port", "port = 70000")
    expect_config_error("bad_port.ini", bad, lineno(bad, "port = 70000"), ["port"],
                        "port = 70000")
    bad = replace(L, "grab_fps = 200", "grab_fps = fast")
    expect_config_error("bad_fps.ini", bad, lineno(bad, "grab_fps = fast"), ["grab_fps"],
                        "grab_fps = fast")
    bad = replace(L, "listen = 127.0.0.1", "listen = not-an-address")
    expect_config_error("bad_listen.ini", bad, lineno(bad, "listen = not-an-address"),
                        ["listen"], "listen = not-an-address")

    # Missing required key: reported at the camera's section header.
    start = lineno(L, "[camera right]")
    i = start + [ln.split("=")[0].strip() for ln in L[start:]].index(MISSING_REQUIRED_KEY)
    bad = L[:i] + L[i + 1:]
    expect_config_error("missing_key.ini", bad, start, [MISSING_REQUIRED_KEY],
                        f"camera without {MISSING_REQUIRED_KEY}")

    no_cams = L[:lineno(L, "[camera left]") - 1]
    expect_config_error("no_cameras.ini", no_cams, None, ["camera"], "no cameras")

    dup = L + ["[camera left]", "source = testpattern", "width = 64", "height = 64",
               "pixel_format = Mono8", "grab_fps = 10", "pattern = checker", ""]
    expect_config_error("dup.ini", dup, len(L) + 1, ["left"], "duplicate camera name")

    bad = L + ["[bogus]", "x = 1", ""]
    expect_config_error("unknown_section.ini", bad, len(L) + 1, ["bogus"], "unknown section")
    bad = L + ["[camera]", "source = testpattern", ""]
    expect_config_error("unnamed_camera.ini", bad, len(L) + 1, ["camera"],
                        "camera section without a name")

    expect_config_error("does-not-exist.ini", None, None, [], "missing config file")


CONGESTION_AVAILABLE = "/proc/sys/net/ipv4/tcp_available_congestion_control"


def test_tcp_congestion():
    """A congestion control the kernel does not offer is refused at load,
    naming those it does (not at the first viewer); one it offers loads."""
    try:
        with open(CONGESTION_AVAILABLE) as f:
            offered = f.read().split()
    except OSError:
        offered = []
    bad = insert_after(GOOD, "max_clients = 64", "tcp_congestion = nosuchcc")
    if not offered:  # nothing to check against: the name is taken
        rc, out, err = cli(["--check-config", write("congestion.ini", bad)])
        T.check(rc == 0, f"{CONGESTION_AVAILABLE} unreadable: tcp_congestion = nosuchcc "
                         f"should load, got exit {rc}: {err!r}")
        T.log(f"{CONGESTION_AVAILABLE} unreadable: any tcp_congestion loads")
        return
    expect_config_error("congestion.ini", bad, lineno(bad, "tcp_congestion = nosuchcc"),
                        ["[server] tcp_congestion", "nosuchcc", *offered],
                        "tcp_congestion = nosuchcc", extra_args=["--check-config"])
    good = insert_after(GOOD, "max_clients = 64", f"tcp_congestion = {offered[0]}")
    rc, out, err = cli(["--check-config", write("congestion_ok.ini", good)])
    T.check(rc == 0, f"tcp_congestion = {offered[0]}: exit {rc}, stderr {err!r}")
    cp = parse_ini(out, "--check-config (tcp_congestion)")
    T.check_eq(cp.get("server", "tcp_congestion", fallback=None), offered[0],
               "[server] tcp_congestion")
    T.log(f"tcp_congestion: nosuchcc refused, {offered[0]} taken")


def test_rtsp_section():
    """--check-config says OK only to an [rtsp] section the daemon starts."""
    lines = GOOD + ["[rtsp]", "listen = 127.0.0.1", "port = 0", ""]
    name = write("rtsp.ini", lines)
    have_rtsp = os.environ.get("CC_HAVE_RTSP")
    T.check(have_rtsp in ("0", "1"), f"CC_HAVE_RTSP is {have_rtsp!r}: run me from meson")
    if have_rtsp == "1":
        rc, out, err = cli(["--check-config", name])
        T.check(rc == 0, f"--check-config with [rtsp]: exit {rc}, stderr {err!r}")
        cp = parse_ini(out, "--check-config with [rtsp]")
        T.check_eq(listen_port(cp, "rtsp"), ("127.0.0.1", "0"),
                   "[rtsp] listen, port in --check-config output")
        T.log("[rtsp]: --check-config ok (built with RTSP)")
        return
    # Built without RTSP: refused at load by --check-config and by the daemon
    # alike, before it listens.
    for args, what in ((["--check-config"], "--check-config with [rtsp]"),
                       ([], "the daemon with [rtsp]")):
        expect_config_error("rtsp.ini", lines, lineno(lines, "[rtsp]"),
                            ["[rtsp]: this camcastd was built without RTSP"], what,
                            extra_args=args)


def expect_usage_error(args, what):
    rc, out, err = cli(args)
    T.check(rc == 2, f"{what}: expected exit status 2, got {rc}; stderr {err!r}")
    no_listen(out, err, what)
    errlines = [ln for ln in err.splitlines() if ln.strip()]
    T.check(len(errlines) == 1, f"{what}: expected exactly one line on stderr (the daemon "
                                f"contract: any usage error -> one line), got "
                                f"{len(errlines)}:\n{err}")
    T.log(f"{what}: exit 2, {errlines[0]!r}")


def test_usage_errors():
    good = write("good.ini", GOOD)
    cases = [
        ([], "no arguments"),
        (["--bogus-option", "--config", good], "unknown option"),
        (["--config"], "--config without a value"),
        (["--config", good, "--log-level", "loud"], "--log-level loud"),
        (["--config", good, "--listen", "not-an-address"], "--listen not-an-address"),
        (["--config", good, "--listen", "127.0.0.1:99999"], "--listen 127.0.0.1:99999"),
    ]
    failures = []
    for args, what in cases:  # run them all, then report every failure
        try:
            expect_usage_error(args, what)
        except T.TestFailure as e:
            T.log(f"{what}: FAILED")
            failures.append(str(e))
    if failures:
        T.fail(f"{len(failures)} of {len(cases)} usage-error cases failed:\n\n"
               + "\n\n".join(failures))


async def hello_on(d):
    async with T.ws_connect(d.uri()) as ws:
        m = await T.recv(ws, what="the hello")
        T.check(isinstance(m, str) and '"hello"' in m, f"no hello: {m!r:.200}")


def test_listen_override():
    # The config names an address this host does not have (TEST-NET-1) and a
    # privileged port: if the override were ignored, the bind would fail.
    cfg = replace(replace(GOOD, "listen = 127.0.0.1", "listen = 192.0.2.1"),
                  "port = 0            ; 0 = pick a free port", "port = 1")
    d = T.Daemon(T_BINARY, "\n".join(cfg) + "\n",
                 extra_args=["--listen", "127.0.0.1:0", "--log-level", "debug"])
    with d:
        T.check(d.port != 1, "--listen 127.0.0.1:0 did not override port = 1")
        m = d.wait_for_line(T.PORT_RE, 1)
        T.check(m.group(0).startswith("ws://127.0.0.1:"), f"listening on {m.group(0)}")
        asyncio.run(hello_on(d))
        T.check_eq(d.stop(signal.SIGINT), 0, "exit status after SIGINT")
    T.log(f"--listen override ok (port {d.port}), SIGINT -> exit 0")


NO_TOKEN = r"warn: listening on 0\.0\.0\.0 without a token"


def test_startup_line():
    """-> what could not run here ("" when all did)."""
    with T.Daemon(T_BINARY, "\n".join(GOOD) + "\n") as d:
        T.check(d.wait_for_line(rf"streaming on ws://127\.0\.0\.1:{d.port}/stream \(page "
                                rf"http://127\.0\.0\.1:{d.port}/\) at 30 fps", 1) is not None,
                f"the start-up line gives the page: {d.lines_matching('streaming on')}")
        T.check_eq(d.stop(), 0, "exit status")
        T.check(not d.lines_matching("without a token"), "a token warning on loopback")
    wrap = T.private_netns()
    if wrap is None:
        return "not root: listening on 0.0.0.0 (the token warning) not tested"
    anywhere = replace(GOOD, "listen = 127.0.0.1", "listen = 0.0.0.0")
    with T.Daemon(T_BINARY, "\n".join(anywhere) + "\n", wrap=wrap) as d:
        host = re.escape(socket.gethostname())
        T.check(d.wait_for_line(rf"\(page http://{host}:{d.port}/\)", 1) is not None,
                f"page URL with this host's name: {d.lines_matching('streaming on')}")
        T.check(d.wait_for_line(NO_TOKEN, 5) is not None,
                f"no warning for 0.0.0.0 without a token: {d.stderr_text()}")
        T.check_eq(d.stop(), 0, "exit status")
        T.check_eq(len(d.lines_matching("without a token")), 1, "token warnings")
    token = os.path.join(TMP, "startup.token")
    with open(token, "w") as f:
        f.write("startup-token-0123456789\n")
    os.chmod(token, 0o600)
    with T.Daemon(T_BINARY, "\n".join(insert_after(anywhere, "listen = 0.0.0.0",
                                                   f"token_file = {token}")) + "\n",
                  wrap=wrap) as d:
        T.check_eq(d.stop(), 0, "exit status")
        T.check(not d.lines_matching("without a token"), "a token warning with a token")
    T.log("start-up line: the page's URL; 0.0.0.0 without a token warned, with one not")
    return ""


def main(binary):
    global T_BINARY
    T_BINARY = binary
    test_version_help()
    test_check_config()
    test_bad_configs()
    test_tcp_congestion()
    test_rtsp_section()
    test_listen_override()
    test_usage_errors()
    untested = test_startup_line()
    if untested:
        print(f"SKIP: {untested} (the rest passed)", flush=True)
        sys.exit(77)


T_BINARY = None

if __name__ == "__main__":
    T.run_main(main)
