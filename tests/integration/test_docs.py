"""The documentation against the daemon: what the docs show must still be
what the programs do.

    /usr/bin/python3 tests/integration/test_docs.py build/src/camcastd

  - Every ```ini block of docs/*.md and README.md loads with
    `camcastd --check-config` (a block without a [camera] section is a
    fragment: a test-pattern camera is added, or those its `cameras =`
    lines name). A block meant to be wrong
    says so in a comment, `; check-config: fails: MESSAGE`, and must fail
    with exactly that message after "camcastd: FILE:LINE: ".
  - Every error example of docs/config.md ("Error messages", the start-up
    example of "Command line", and the camera refusals of `source =
    aravis`) is reproduced exactly: RECIPES here hold the config that
    makes each; an example without a recipe, or a recipe whose example
    the docs no longer show, fails. Camera refusals come from the running
    daemon with Aravis' cameras: in a network namespace holding only
    loopback (as root), with two GigE Vision fakes for the one that lists
    them.
  - Every option of camcastd, camcast-viewer and camcast-bench that the
    docs use in a command is one that program's --help lists.
Skipped parts (not root: the camera refusals) make the test exit 77 at
the end, the rest having passed.
"""

import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import cc_testlib as T  # noqa: E402

ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
DOCS = sorted(glob.glob(os.path.join(ROOT, "docs", "*.md"))) + [os.path.join(ROOT, "README.md")]
FAILS_MARK = re.compile(r"^\s*[;#]\s*check-config: fails: (.+)$", re.M)
RUNTIME_PREFIX = re.compile(r"^\d\d:\d\d:\d\d\.\d{3} camcastd error: ")

CAMERA = ["source = testpattern", "width = 640", "height = 480", "pixel_format = Mono8",
          "grab_fps = 100", "pattern = scroll"]
ARAVIS = ["source = aravis", "device = Fake_1", "width = 640", "height = 480",
          "pixel_format = Mono8", "grab_fps = 30"]


def rel(path):
    return os.path.relpath(path, ROOT)


# ---------------------------------------------------------------------------
# Configs that put a given line at a given line number

def placed(line_no, before, line, after=()):
    """before + line + after, with comment lines between before and line
    so that line is line line_no of the file (1-based)."""
    pad = line_no - 1 - len(before)
    assert pad >= 0, f"recipe: {line!r} cannot be at line {line_no}"
    return list(before) + ["# padding"] * pad + [line] + list(after)


def server_line(line_no, text):
    """[server], then text at line_no."""
    return placed(line_no, ["[server]", "port = 0"], text)


def camera_line(line_no, key, value, keys=CAMERA, name="left"):
    """[camera NAME] with keys, key = value (replacing its own) at line_no."""
    body = [k for k in keys if not k.startswith(key + " =")]
    head = ["[server]", "port = 0", "", f"[camera {name}]"]
    return placed(line_no, head, f"{key} = {value}", body)


def camera_at(line_no, body, name="left"):
    """[camera NAME] header at line_no, then body."""
    return placed(line_no, ["[server]", "port = 0", ""], f"[camera {name}]", body)


def many_cameras(header_line, n):
    small = ["source = testpattern", "width = 64", "height = 64"]  # the rest defaults
    lines = ["[server]", "port = 0"]
    for i in range(n - 1):
        lines += [f"[camera c{i}]"] + small
    return placed(header_line, lines, f"[camera c{n - 1}]", small)


def server_again(line_no):
    return placed(line_no, ["[server]", "port = 0", "", "[camera left]"] + CAMERA + [""],
                  "[server]")


def camera_again(line_no, first):
    before = camera_at(first, CAMERA) + [""]
    return placed(line_no, before, "[camera left]", CAMERA)


# Each error example of docs/config.md -> the config that gives it (None:
# no file). The file is cams.ini, given relative, as in the examples.
RECIPES = {
    "cams.ini:12: [camera left] width: expected an integer 16..16384, got 'abc'":
        camera_line(12, "width", "abc"),
    "cams.ini:4: [server] stream_fps: expected a number 0.1..1000, got '0'":
        server_line(4, "stream_fps = 0") + ["", "[camera left]"] + CAMERA,
    "cams.ini:9: [camera left] pixel_format: unknown pixel format 'Mono14' (supported: Mono8, "
    "RGB8, BGR8, Mono10, Mono12, Mono16, Mono10Packed, Mono12Packed, Mono10p, Mono12p, "
    "BayerRG8, BayerGB8, BayerGR8, BayerBG8, YUV422_8_UYVY, YUV422_8)":
        camera_line(9, "pixel_format", "Mono14"),
    "cams.ini:9: [camera left] pixel_format: source testpattern paints Mono8 or RGB8, not Mono12":
        camera_line(9, "pixel_format", "Mono12"),
    "cams.ini:9: [camera left] source: unknown source 'v4l2' (supported: testpattern, aravis)":
        camera_at(5, ["width = 640", "height = 480", "pixel_format = Mono8",
                      "source = v4l2", "grab_fps = 100"]),
    "cams.ini:11: [camera left] key 'pattern' does not apply to source aravis":
        camera_line(11, "pattern", "scroll", keys=ARAVIS),
    "cams.ini:8: [camera left] missing key 'grab_fps' (required with required = false)":
        camera_at(8, [k for k in ARAVIS if not k.startswith("grab_fps")] + ["required = false"]),
    "cams.ini:12: [camera left] packet_size: expected auto or an integer 576..65535, got 'jumbo'":
        camera_line(12, "packet_size", "jumbo", keys=ARAVIS),
    "cams.ini:9: [camera left] pattern: unknown pattern 'waves' (supported: scroll, bars, checker)":
        camera_line(9, "pattern", "waves"),
    "cams.ini:5: [server] listen: expected an IPv4 or IPv6 address, got 'localhost'":
        server_line(5, "listen = localhost") + ["", "[camera left]"] + CAMERA,
    "cams.ini:5: [server] unknown key 'prot'":
        server_line(5, "prot = 8765") + ["", "[camera left]"] + CAMERA,
    "cams.ini:14: [camera left] duplicate key 'width' (first set at line 11)":
        placed(14, camera_at(6, ["source = testpattern", "pattern = scroll", "grab_fps = 100",
                                 "height = 480", "width = 640", "pixel_format = Mono8"]),
               "width = 320"),
    "cams.ini:8: [camera left] missing required key 'width'":
        camera_at(8, [k for k in CAMERA if not k.startswith("width")]),
    "cams.ini:3: unknown section [foo] (expected [server], [camera NAME], [variant NAME], "
    "[rtsp] or [sync NAME])":
        placed(3, ["[server]", "port = 0"], "[foo]", ["", "[camera left]"] + CAMERA),
    "cams.ini:31: [sync line] cameras: camera center is in [sync pair] already (line 26): "
    "a camera can be in one group":
        placed(31, placed(26, ["[server]", "port = 0", ""] +
                          [ln for n in ("left", "center", "right") for ln in [f"[camera {n}]"] +
                           CAMERA], "[sync pair]",
                          ["cameras = left, center", "trigger = software", "", "[sync line]"]),
               "cameras = center, right", ["trigger = software"]),
    "cams.ini:7: [camera ] invalid camera name '' (1..63 characters of A-Z a-z 0-9 _ . -)":
        placed(7, ["[server]", "port = 0"], "[camera ]", CAMERA),
    "cams.ini:20: [camera left] duplicate camera name (first defined at line 8)":
        camera_again(20, 8),
    "cams.ini:30: duplicate section [server] (first defined at line 1)":
        server_again(30),
    "cams.ini:300: [camera c64] too many cameras (at most 64)":
        many_cameras(300, 65),
    "cams.ini:1: key 'port' outside any section (start with [server] or [camera NAME])":
        ["port = 8765", "[camera left]"] + CAMERA,
    "cams.ini:6: syntax error":
        placed(6, ["[server]", "port = 0"], "this line has no equals sign",
               ["[camera left]"] + CAMERA),
    "cams.ini:2: line too long (at most 198 characters)":
        ["[server]", "; " + "x" * 250, "[camera left]"] + CAMERA,
    "cams.ini: no cameras: add a [camera NAME] section":
        ["[server]", "port = 0"],
    "cams.ini: cannot open: No such file or directory":
        None,
    # What the kernel offers is this machine's list (normalised below).
    "cams.ini:6: [server] tcp_congestion: unknown congestion control 'vegas' (the kernel "
    "offers: reno, bbr, cubic)":
        server_line(6, "tcp_congestion = vegas") + ["", "[camera left]"] + CAMERA,
    "cams.ini:9: [rtsp] fps: 60 is more than [server] stream_fps = 30 (RTSP sends at most "
    "a frame per tick)":
        placed(9, ["[server]", "port = 0", "stream_fps = 30", "", "[rtsp]"], "fps = 60",
               ["", "[camera left]"] + CAMERA),
}
OFFERS = re.compile(r"\(the kernel offers: [^)]*\)")
# Built without RTSP (CC_HAVE_RTSP=0 from meson), [rtsp] is refused: what
# the docs show of it cannot be checked there.
HAVE_RTSP = os.environ.get("CC_HAVE_RTSP", "1") == "1"

# The camera refusals of "source = aravis": the running daemon, the Fake
# camera (aravis_fake), in a network namespace of its own.
FAKE_SERVER = ["[server]", "port = 0", "aravis_fake = true", ""]


def fake_camera(line_no, key, value):
    body = [k for k in ARAVIS if not k.startswith(key + " =")]
    return placed(line_no, FAKE_SERVER + ["[camera left]"], f"{key} = {value}", body)


RUNTIME_RECIPES = {
    "cams.ini:14: [camera left] exposure_us: ExposureTimeAbs = 20000000 refused by the "
    "camera (allowed 10..1e+07)":
        fake_camera(14, "exposure_us", "20000000"),
    "cams.ini:12: [camera left] width: Width = 4096 refused by the camera (allowed 1..2048)":
        fake_camera(12, "width", "4096"),
    "cams.ini:13: [camera left] pixel_format: the camera does not offer YUV422_8 (it "
    "offers: BayerBG8, BayerGB8, BayerGR8, BayerRG8, Mono8, RGB8, Mono16)":
        fake_camera(13, "pixel_format", "YUV422_8"),
    "cams.ini:15: [camera left] trigger: the camera has no trigger source Line7 (it has: "
    "Line0, Software)":
        fake_camera(15, "trigger", "Line7"),
    "cams.ini:16: [camera left] feature.TriggerMode: TriggerMode = Maybe refused by the "
    "camera: [TriggerMode] 'Maybe' not an entry (allowed Off, On)":
        fake_camera(16, "feature.TriggerMode", "Maybe"),
    # Two GigE Vision fakes on 127.0.0.2 and .3 (GIGE_FAKES).
    "cams.ini:10: [camera left] device: camera 'GV09' not found; Aravis sees 2 cameras: "
    "Aravis-Fake-GV01 (Aravis Fake, serial GV01, 127.0.0.2), Aravis-Fake-GV02 (Aravis "
    "Fake, serial GV02, 127.0.0.3)":
        placed(10, ["[server]", "port = 0", "", "[camera left]"] +
               [k for k in ARAVIS if not k.startswith("device")][:4], "device = GV09",
               ["grab_fps = 30"]),
}
GIGE_FAKES = [("127.0.0.2", "GV01"), ("127.0.0.3", "GV02")]


# ---------------------------------------------------------------------------

def write(tmp, lines, name="cams.ini"):
    with open(os.path.join(tmp, name), "w") as f:
        f.write("\n".join(lines) + "\n")


def run(binary, args, cwd, wrap=(), timeout=30):
    p = subprocess.run([*wrap, binary, *args], cwd=cwd, stdin=subprocess.DEVNULL,
                       capture_output=True, text=True, timeout=timeout)
    return p.returncode, p.stdout, p.stderr


def fenced(path):
    """-> [(line of the first body line, language, body)] of a markdown
    file's fenced code blocks."""
    out, lang, body, start = [], None, [], 0
    for n, ln in enumerate(open(path, encoding="utf-8").read().splitlines(), 1):
        m = re.match(r"^\s*```(\w*)\s*$", ln)
        if m and lang is None:
            lang, body, start = m.group(1), [], n + 1
        elif m:
            out.append((start, lang, "\n".join(body) + "\n"))
            lang = None
        elif lang is not None:
            body.append(ln)
    return out


def blocks(path):
    """-> [(line, text)] of the ```ini blocks of a markdown file."""
    return [(line, body) for line, lang, body in fenced(path) if lang == "ini"]


def check_ini_blocks(binary, tmp):
    n = 0
    for path in DOCS:
        for line, text in blocks(path):
            where = f"{rel(path)}:{line}"
            if not HAVE_RTSP and "[rtsp]" in text:
                UNTESTED.append(f"{where}: an [rtsp] block (built without RTSP)")
                continue
            body = text
            if not re.search(r"^\s*\[camera ", text, re.M):
                # The cameras a fragment's [sync NAME] names, else one.
                names = [n.strip() for m in re.finditer(r"^\s*cameras\s*=([^;#\n]*)", text,
                                                        re.M)
                         for n in m.group(1).split(",") if n.strip()] or ["docs_check"]
                body = text + "".join(f"\n[camera {n}]\n" + "\n".join(CAMERA) + "\n"
                                      for n in dict.fromkeys(names))
            with open(os.path.join(tmp, "block.ini"), "w") as f:
                f.write(body)
            rc, out, err = run(binary, ["--check-config", "block.ini"], tmp)
            m = FAILS_MARK.search(text)
            if m:
                T.check(rc == 2 and re.fullmatch(rf"camcastd: block\.ini:\d+: "
                                                 rf"{re.escape(m.group(1))}\n", err),
                        f"{where}: a block marked to fail with {m.group(1)!r}: exit {rc}, "
                        f"{err!r}")
            else:
                T.check(rc == 0, f"{where}: the ini block does not load: exit {rc}: "
                                 f"{err.strip()}\n{text}")
            n += 1
    T.check(n > 0, "no ```ini block found in the docs")
    T.log(f"{n} ```ini blocks of the docs pass --check-config")


def config_md_examples():
    """Lines of docs/config.md's error examples: "cams.ini..." lines of
    its plain ``` blocks."""
    out = []
    for _line, lang, body in fenced(os.path.join(ROOT, "docs", "config.md")):
        for ln in body.splitlines() if lang == "" else ():
            ln = re.sub(r"^camcastd: ", "", ln)
            if ln.startswith("cams.ini"):
                out.append(ln)
    return out


def check_load_errors(binary, tmp, examples):
    known = set(RECIPES) | set(RUNTIME_RECIPES)
    unknown = [e for e in examples if e not in known]
    T.check(not unknown, "docs/config.md shows error examples test_docs.py cannot "
                         "reproduce (add a recipe to RECIPES):\n  " + "\n  ".join(unknown))
    gone = [e for e in known if e not in examples]
    T.check(not gone, "test_docs.py reproduces error examples docs/config.md no longer "
                      "shows (remove them):\n  " + "\n  ".join(gone))
    for want, lines in RECIPES.items():
        if not HAVE_RTSP and "[rtsp]" in want:
            UNTESTED.append(f"config.md's example {want!r} (built without RTSP)")
            continue
        if os.path.exists(os.path.join(tmp, "cams.ini")):
            os.unlink(os.path.join(tmp, "cams.ini"))
        if lines is not None:
            write(tmp, lines)
        rc, out, err = run(binary, ["--check-config", "cams.ini"], tmp)
        err = OFFERS.sub("(the kernel offers: ...)", err)
        T.check(rc == 2 and err == OFFERS.sub("(the kernel offers: ...)", f"camcastd: {want}\n"),
                f"--check-config: want exit 2 and 'camcastd: {want}', got exit {rc}: {err!r}")
    T.log(f"{len(RECIPES)} error examples of docs/config.md reproduced by --check-config")
    # The start-up example of "Command line": the same line, without
    # --check-config.
    want = "cams.ini:12: [camera left] width: expected an integer 16..16384, got 'abc'"
    write(tmp, RECIPES[want])
    rc, out, err = run(binary, ["--config", "cams.ini"], tmp)
    T.check(rc == 2 and err == f"camcastd: {want}\n",
            f"camcastd --config: want exit 2 and 'camcastd: {want}', got {rc}: {err!r}")


def gige_wrap():
    """A private network namespace with two GigE Vision fakes on loopback,
    then the command: a shell script as prefix."""
    wrap = T.private_netns()
    if wrap is None or not shutil.which("arv-fake-gv-camera-0.8"):
        return None
    script = "ip link set lo up || exit 1\npids=\n"
    for addr, serial in GIGE_FAKES:
        script += (f"ip addr add {addr}/8 dev lo || exit 1\n"
                   f"arv-fake-gv-camera-0.8 -i {addr} -s {serial} >/dev/null 2>&1 &\n"
                   "pids=\"$pids $!\"\n")
    # Until each fake answers a GVCP discovery (bounded), then the daemon;
    # the fakes end with it.
    script += (f"{sys.executable} {os.path.abspath(__file__)} --wait-gvcp && \"$@\"\n"
               "status=$?\nkill $pids\nwait\nexit $status\n")
    return ["unshare", "-n", "sh", "-c", script, "sh"]


UNTESTED = []  # what this build or machine could not check


def check_runtime_errors(binary, tmp):
    """-> what could not run ("" when all did)."""
    wrap = T.private_netns()
    if wrap is None:
        return "not root: the camera refusals of docs/config.md not reproduced"
    for want, lines in RUNTIME_RECIPES.items():
        gige = "GV09" in want
        w = gige_wrap() if gige else wrap
        T.check(w is not None, "arv-fake-gv-camera-0.8 missing (scripts/install-deps.sh)")
        write(tmp, lines)
        rc, out, err = run(binary, ["--config", "cams.ini"], tmp, wrap=w, timeout=60)
        errlines = [ln for ln in err.splitlines() if ln.strip()]
        T.check(rc == 2 and len(errlines) == 1 and RUNTIME_PREFIX.match(errlines[0]) and
                RUNTIME_PREFIX.sub("", errlines[0]) == want,
                f"the running daemon: want exit 2 and one line 'HH:MM:SS.mmm camcastd error: "
                f"{want}', got exit {rc}: {err!r}")
    T.log(f"{len(RUNTIME_RECIPES)} camera refusals of docs/config.md reproduced by the "
          "running daemon")
    return ""


def wait_gvcp():
    """In the namespace: until each GigE fake answers a discovery."""
    import test_aravis_gige as G
    for addr, serial in GIGE_FAKES:
        if not G.gvcp_answers(addr, 10):
            print(f"fake camera {serial} on {addr} does not answer GVCP", file=sys.stderr)
            sys.exit(1)
    sys.exit(0)


# ---------------------------------------------------------------------------
# Options the docs use

def help_options(path):
    p = subprocess.run([path, "--help"], capture_output=True, text=True, timeout=10)
    return set(re.findall(r"(?<![\w-])(--?[a-zA-Z][a-z-]*)", p.stdout + p.stderr))


def code_of(path):
    """-> [(line, text)]: fenced blocks, indented blocks and inline code."""
    text = open(path, encoding="utf-8").read()
    code = [(line, body) for line, _lang, body in fenced(path)]
    block, start = [], 0
    for n, ln in enumerate(text.splitlines() + [""], 1):
        if ln.startswith("    ") and (block or not ln.strip().startswith(("-", "*", "|"))):
            block, start = block + [ln], start or n
        elif block:
            code.append((start, "\n".join(block)))
            block, start = [], 0
    code += [(text[:m.start()].count("\n") + 1, m.group(1))
             for m in re.finditer(r"`([^`\n]+)`", text)]
    return code


def doc_commands(program):
    """(where, option) for each option of each command the docs' code
    runs `program` in (its path's last part; "$ " prompts, sudo and
    backslash continuations understood)."""
    out = []
    for path in DOCS:
        for line, chunk in code_of(path):
            chunk = re.sub(r"\\\n\s*", " ", chunk)
            for cmd in re.split(r"[\n|;&()]|\$\(", chunk):
                words = cmd.split()
                while words and words[0] in ("$", "sudo", "exec"):
                    words = words[1:]
                if not words or os.path.basename(words[0]) != program:
                    continue
                for w in words[1:]:
                    if w.startswith((">", "#", "<")):
                        break
                    m = re.match(r"^(--?[a-zA-Z][a-z-]*)(?:=|$)", w)
                    if m:
                        out.append((f"{rel(path)}:{line}", m.group(1)))
    return out


def check_options(binary):
    build = os.path.dirname(os.path.dirname(binary))
    programs = {"camcastd": binary,
                "camcast-viewer": os.path.join(build, "viewer", "camcast-viewer"),
                "camcast-bench": os.path.join(build, "bench", "camcast-bench")}
    total = 0
    for name, path in programs.items():
        T.check(os.access(path, os.X_OK), f"{path}: not built")
        known = help_options(path)
        # camcast-bench: options of the e2e command and the microbench's
        # commands are in its --help too; ignore option values like -1.
        bad = [(w, o) for w, o in doc_commands(name) if o not in known]
        T.check(not bad, f"the docs use options {name} --help does not list: {bad}")
        total += len(doc_commands(name))
    T.log(f"{total} options used in the docs' commands are in the programs' --help")


def main(binary):
    tmp = tempfile.mkdtemp(prefix="camcast-docs-")
    try:
        check_ini_blocks(binary, tmp)
        check_load_errors(binary, tmp, config_md_examples())
        check_options(binary)
        untested = check_runtime_errors(binary, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if untested or UNTESTED:
        print(f"SKIP: {'; '.join(UNTESTED + [untested] if untested else UNTESTED)} "
              "(the rest passed)", flush=True)
        sys.exit(77)


if __name__ == "__main__":
    if sys.argv[1:] == ["--wait-gvcp"]:
        wait_gvcp()
    T.run_main(main)
