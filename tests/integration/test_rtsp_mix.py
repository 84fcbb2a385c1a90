"""End-to-end: camcastd's RTSP port under real client mixes and hostile
clients.

    /usr/bin/python3 tests/integration/test_rtsp_mix.py build/src/camcastd

One daemon with two test-pattern cameras, an access token and small
[rtsp] limits, on 127.0.0.1. Clients: ffmpeg, gst-launch-1.0 rtspsrc and a
raw RTSP client (rtsp_raw.py). Each check asserts that the other viewers
keep receiving frames (so many new frames within a bounded wait), and
prints the rates it saw:

  - one camera played through five forms of its URL (a query, a trailing
    slash, another host name, another port written in it, Basic or
    ?token=), over TCP and UDP, beside ffmpeg (UDP, and TCP inside an
    RTSP-over-HTTP tunnel) and rtspsrc: every client gets the stream, none
    freezes another;
  - a TCP client reading 4 KB/s beside a UDP and a TCP viewer of the same
    camera: the viewers keep their rate, the slow one is skipped (newest
    wins) and disconnected after stall_timeout, the viewers go on after;
  - connections per address and in total (503, closed), an idle
    connection closed at auth_timeout, a 64 MiB Content-Length answered
    413 at once, endless header lines closed (the daemon's memory does
    not grow), sessions per connection and in total (503 + Retry-After);
  - another connection naming a playing session (keep-alive, PLAY, PAUSE,
    re-SETUP to TCP, TEARDOWN): 454, with or without credentials; the
    owner plays on;
  - UDP: RTP and RTCP from 127.0.0.1 only, on ports of rtp_ports;
  - every refusal counted in /stats and /metrics (rtsp_...).
Skipped (77) without RTSP in the daemon or without ffmpeg/gst-launch-1.0.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cc_testlib as T  # noqa: E402
import rtsp_raw as R  # noqa: E402
from test_rtsp import rtsp_port, start_or_skip  # noqa: E402

SKIP = 77
TOKEN = "rtsp-mix-" + os.urandom(12).hex()
CAMS = [("gray", T.camera(320, 240, "Mono8", "scroll", grab_fps=120)),
        ("color", T.camera(640, 480, "RGB8", "bars", grab_fps=90))]
RTP_PORTS = (42100, 42199)
LIMITS = {"max_clients": 14, "max_clients_per_address": 10, "max_sessions": 10,
          "max_sessions_per_client": 2, "auth_timeout": 1.5, "max_request": 1024,
          "stall_timeout": 2, "rtp_ports": f"{RTP_PORTS[0]}-{RTP_PORTS[1]}"}
AUTH = R.basic(TOKEN)


def config(token_path):
    text = T.make_config({**T.server_section(stream_fps=30), "token_file": token_path}, CAMS)
    text += "\n[rtsp]\nlisten = 127.0.0.1\nport = 0\nvariant = full\n"
    return text + "".join(f"{k} = {v}\n" for k, v in LIMITS.items())


def stats(d):
    req = f"GET /stats HTTP/1.1\r\nHost: {T.HOST}\r\nAuthorization: Bearer {TOKEN}\r\n\r\n"
    status, _, body, _ = T.http_request(d.port, req.encode(), what="GET /stats")
    T.check_eq(status, 200, "/stats")
    return json.loads(body)


def metrics(d):
    req = f"GET /metrics HTTP/1.1\r\nHost: {T.HOST}\r\nAuthorization: Bearer {TOKEN}\r\n\r\n"
    status, _, body, _ = T.http_request(d.port, req.encode(), what="GET /metrics")
    T.check_eq(status, 200, "/metrics")
    return body.decode()


def url(port, path):
    return f"rtsp://127.0.0.1:{port}/{path}"


def raw(port, source=None, rcvbuf=None):
    return R.RawRtsp(port, source=source, rcvbuf=rcvbuf)


def rate(clients, n, timeout):
    """Waits for n new frames on every client: the slowest's rate."""
    want = [c.frames + n for c in clients]
    t0 = time.monotonic()
    ok = R.wait_frames(clients, want, timeout)
    dt = time.monotonic() - t0
    have = [c.frames - (w - n) for c, w in zip(clients, want)]
    T.check(ok, f"fewer than {n} new frames within {timeout} s: {have}")
    return n / dt


def check_url_forms(port):
    forms = [(url(port, "gray?x=1"), AUTH, True),
             (url(port, f"gray/?token={TOKEN}"), "", True),
             (f"rtsp://localhost:{port}/gray", AUTH, True),
             (f"rtsp://127.0.0.1:554/gray?token={TOKEN}", "", True),
             (url(port, "gray"), AUTH, False)]
    clients = []
    for u, auth, tcp in forms:
        c = raw(port)
        clients.append(c)
        T.check_eq(c.play(u, auth, tcp), 200, f"PLAY {u} over {'TCP' if tcp else 'UDP'}")
    ff = subprocess.Popen(
        ["ffmpeg", "-nostdin", "-v", "error", "-rtsp_transport", "udp", "-i",
         f"rtsp://camcast:{TOKEN}@127.0.0.1:{port}/gray", "-frames:v", "90", "-f", "null",
         "-"], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    tunnel = subprocess.Popen(
        ["ffmpeg", "-nostdin", "-v", "error", "-rtsp_transport", "http", "-i",
         f"rtsp://camcast:{TOKEN}@127.0.0.1:{port}/gray", "-frames:v", "90", "-f", "null",
         "-"], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    gst = subprocess.Popen(
        ["gst-launch-1.0", "-q", "rtspsrc", f"location={url(port, 'gray')}?token={TOKEN}",
         "protocols=tcp", "latency=0", "!", "rtpjpegdepay", "!", "jpegdec", "!", "fakesink",
         "num-buffers=90"], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE)
    fps = rate(clients, 90, 30)
    for name, p in (("ffmpeg", ff), ("ffmpeg over an HTTP tunnel", tunnel),
                    ("gst-launch-1.0 rtspsrc", gst)):
        try:
            rc = p.wait(60)
        except subprocess.TimeoutExpired:
            p.kill()
            rc = None
        T.check_eq(rc, 0, f"{name} beside the raw clients ({p.stderr.read()[-300:]!r})")
    T.log(f"one camera through 5 URL forms (TCP and UDP) beside ffmpeg (UDP, and TCP in an "
          f"HTTP tunnel) and rtspsrc: every raw client 90 new frames at >= {fps:.1f} fps; "
          f"ffmpeg and rtspsrc decoded 90")
    for c in clients:
        c.close()


def check_slow_reader(d, port):
    viewers = [raw(port), raw(port)]
    T.check_eq(viewers[0].play(url(port, "color"), AUTH, tcp=False), 200, "UDP viewer")
    T.check_eq(viewers[1].play(url(port, "color"), AUTH, tcp=True), 200, "TCP viewer")
    slow = raw(port, rcvbuf=4096)
    T.check_eq(slow.play(url(port, "color"), AUTH, tcp=True), 200, "slow TCP reader")
    slow.rate = 4096
    skipped0 = stats(d)["rtsp"]["frames_skipped"]
    fps = rate(viewers, 60, 20)
    group = viewers + [slow]
    deadline = time.monotonic() + 20
    while not slow.eof and time.monotonic() < deadline:
        R.pump(group, 0.1)
    T.check(slow.eof, "the slow TCP reader was not disconnected (stall_timeout 2 s)")
    s = stats(d)
    T.check(s["rtsp"]["frames_skipped"] > skipped0, "frames skipped for the slow reader")
    after = rate(viewers, 60, 20)
    T.log(f"a TCP reader at 4 KB/s beside a UDP and a TCP viewer: viewers at >= {fps:.1f} "
          f"fps, the slow one got {slow.frames} frames, "
          f"{s['rtsp']['frames_skipped'] - skipped0} skipped for it, then disconnected "
          f"(stall_timeout 2 s); the viewers at >= {after:.1f} fps after")
    for c in viewers + [slow]:
        c.close()


def check_connections(port):
    held = []
    for _ in range(LIMITS["max_clients_per_address"]):
        c = raw(port, source="127.0.0.3")
        T.check_eq(c.request("OPTIONS", url(port, "gray")), 200, "OPTIONS")
        held.append(c)
    extra = raw(port, source="127.0.0.3")
    T.check(extra.wait_eof(10) and extra.status == 503,
            f"one more from the same address: {extra.status}")
    for _ in range(LIMITS["max_clients"] - len(held)):
        c = raw(port, source="127.0.0.4")
        T.check_eq(c.request("OPTIONS", url(port, "gray")), 200, "OPTIONS from another address")
        held.append(c)
    full = raw(port, source="127.0.0.5")
    T.check(full.wait_eof(10) and full.status == 503, f"one more in all: {full.status}")
    # They are all idle, unauthenticated: closed at auth_timeout.
    t0 = time.monotonic()
    for c in held:
        T.check(c.wait_eof(10), "an idle connection outlived auth_timeout")
    T.log(f"connections: the {LIMITS['max_clients_per_address'] + 1}th from one address and "
          f"the {LIMITS['max_clients'] + 1}th in all got 503; {len(held)} idle ones closed "
          f"{time.monotonic() - t0:.1f} s later (auth_timeout {LIMITS['auth_timeout']} s)")
    for c in held + [extra, full]:
        c.close()


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        return int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1))


def check_requests(d, port):
    big = raw(port)
    t0 = time.monotonic()
    big.send(f"SET_PARAMETER {url(port, 'gray')} RTSP/1.0\r\nCSeq: 1\r\n"
             "Content-Length: 67108864\r\n\r\n".encode())
    T.check(big.wait_eof(10), "a 64 MiB Content-Length: not closed")
    T.check_eq(big.status, 413, "a 64 MiB Content-Length")
    took = time.monotonic() - t0
    big.close()
    rss0 = rss_kb(d.proc.pid)
    sent = 0
    flood = raw(port)
    line = b"X-Pad: " + b"0123456789" * 10 + b"\r\n"
    try:
        flood.send(f"OPTIONS {url(port, 'gray')} RTSP/1.0\r\nCSeq: 1\r\n".encode())
        for _ in range(100000):  # 10 MB at most
            flood.send(line)
            sent += len(line)
    except OSError:
        pass
    T.check(flood.wait_eof(10), "endless header lines: not closed")
    flood.close()
    grew = rss_kb(d.proc.pid) - rss0
    T.check(grew < 8192, f"the daemon grew by {grew} kB taking header lines")
    T.log(f"requests: 64 MiB announced -> 413 and closed in {took:.3f} s; endless header "
          f"lines closed ({sent} bytes written into the socket by then, most of them "
          f"never read; daemon RSS {grew:+d} kB)")


def new_session(c, port):
    c.session = ""
    return c.request("SETUP", url(port, "gray") + "/stream=0",
                     AUTH + "Transport: RTP/AVP/TCP;unicast;interleaved=0-1\r\n")


def check_sessions(d, port):
    conns = [raw(port) for _ in range(LIMITS["max_sessions"] //
                                      LIMITS["max_sessions_per_client"])]
    for c in conns:
        st = new_session(c, port)
        if st != 200:  # what the daemon counted, to tell why
            T.fail(f"a first session: {st} (eof {c.eof}); /stats rtsp {stats(d)['rtsp']}, "
                   f"limits {stats(d)['limits']}")
        T.check_eq(new_session(c, port), 200, "a second session on a connection")
    T.check_eq(new_session(conns[0], port), 503, "a third session on a connection")
    T.check(conns[0].header("Retry-After"), "503 without Retry-After")
    other = raw(port)
    T.check_eq(new_session(other, port), 503, f"a session past max_sessions "
                                               f"({LIMITS['max_sessions']})")
    T.check_eq(stats(d)["rtsp"]["sessions"], LIMITS["max_sessions"], "/stats rtsp sessions")
    for c in conns + [other]:
        c.close()
    deadline = time.monotonic() + 10
    while stats(d)["rtsp"]["sessions"] and time.monotonic() < deadline:
        time.sleep(0.1)
    T.check_eq(stats(d)["rtsp"]["sessions"], 0, "sessions after their connections closed")
    T.log(f"sessions: a third on one connection and one past {LIMITS['max_sessions']} in all "
          f"got 503 + Retry-After; closing the connections ended them")


def check_foreign_session(port):
    owner = raw(port)
    T.check_eq(owner.play(url(port, "gray"), AUTH, tcp=True), 200, "the owner plays")
    sid = owner.session
    thief = raw(port)
    for method, extra in (("GET_PARAMETER", ""), ("PAUSE", ""), ("PLAY", ""),
                          ("TEARDOWN", "")):
        T.check_eq(thief.request(method, url(port, "gray"), AUTH + f"Session: {sid}\r\n"),
                   454, f"{method} of another connection's session")
    T.check_eq(thief.request("SETUP", url(port, "gray") + "/stream=0",
                             AUTH + f"Session: {sid}\r\nTransport: RTP/AVP/TCP;unicast;"
                             "interleaved=0-1\r\n"), 454, "re-SETUP of another's session")
    anon = raw(port)
    st = anon.request("PLAY", url(port, "gray"), f"Session: {sid}\r\n")
    T.check(st in (401, 454), f"PLAY of another's session without credentials: {st}")
    T.check_eq(thief.frames + anon.frames, 0, "video to the thieves")
    thief.close()
    anon.close()
    fps = rate([owner], 60, 20)
    T.check_eq(owner.request("GET_PARAMETER", url(port, "gray"), AUTH), 200,
               "the owner's keep-alive")
    T.log(f"a session id on another connection: 454 for keep-alive, PLAY, PAUSE, re-SETUP, "
          f"TEARDOWN; the owner plays on at >= {fps:.1f} fps")
    owner.close()


def udp_sockets(pid, port_range):
    """(address, port) of the process's UDP sockets in port_range."""
    found = []
    for name, width in (("udp", 8), ("udp6", 32)):
        with open(f"/proc/{pid}/net/{name}") as f:
            for line in f.readlines()[1:]:
                local = line.split()[1]
                addr, p = local.split(":")
                p = int(p, 16)
                if port_range[0] <= p <= port_range[1] and len(addr) == width:
                    found.append((addr, p))
    return found


def check_udp_binding(d, port):
    v = raw(port)
    T.check_eq(v.play(url(port, "gray"), AUTH, tcp=False), 200, "a UDP viewer")
    rate([v], 15, 20)
    m = re.search(r"server_port=(\d+)-(\d+)", v.transport)
    T.check(m and RTP_PORTS[0] <= int(m.group(1)) <= RTP_PORTS[1],
            f"server_port out of rtp_ports: {v.transport!r}")
    socks = udp_sockets(d.proc.pid, RTP_PORTS)
    T.check(len(socks) >= 2, f"the daemon's UDP sockets in rtp_ports: {socks}")
    T.check(all(a == "0100007F" for a, _ in socks), f"UDP sockets not on 127.0.0.1: {socks}")
    T.log(f"UDP: server_port {m.group(1)}-{m.group(2)}; the daemon's sockets in "
          f"{RTP_PORTS[0]}-{RTP_PORTS[1]} all on 127.0.0.1 ({len(socks)})")
    v.close()


def check_counted(d):
    lim = stats(d)["limits"]
    text = metrics(d)
    for reason in ("per_address", "full", "auth_timeout", "request_size", "sessions",
                   "stalled", "token"):
        T.check(lim.get(f"rtsp_{reason}", 0) > 0, f"/stats limits rtsp_{reason}: {lim}")
        m = re.search(rf'camcast_limited_total{{reason="rtsp_{reason}"}} (\d+)', text)
        T.check(m and int(m.group(1)) == lim[f"rtsp_{reason}"],
                f"/metrics rtsp_{reason} against /stats")
    T.log("refusals in /stats and /metrics: " +
          ", ".join(f"{k} {v}" for k, v in lim.items() if k.startswith("rtsp_")))


def main(binary):
    missing = [t for t in ("ffmpeg", "gst-launch-1.0") if not shutil.which(t)]
    if missing:
        print(f"SKIP: needs {', '.join(missing)}")
        sys.exit(SKIP)
    tmp = tempfile.mkdtemp(prefix="camcast-rtsp-mix-")
    path = os.path.join(tmp, "token")
    with open(path, "w") as f:
        f.write(TOKEN + "\n")
    os.chmod(path, 0o600)
    d = start_or_skip(binary, config(path))
    try:
        port = rtsp_port(d)
        check_url_forms(port)
        check_slow_reader(d, port)
        check_connections(port)
        check_requests(d, port)
        check_sessions(d, port)
        check_foreign_session(port)
        check_udp_binding(d, port)
        anon = raw(port)
        T.check_eq(anon.request("DESCRIBE", url(port, "gray")), 401, "DESCRIBE without token")
        anon.close()
        check_counted(d)
        T.check_eq(d.stop(), 0, "exit status")
        T.check(TOKEN not in d.stderr_text(), "the token in camcastd's log")
    finally:
        d.kill()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    T.run_main(main)
