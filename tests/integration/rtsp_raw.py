"""A raw RTSP client for the tests (Python stdlib only).

Requests written by hand on a socket, answers parsed just enough, and the
video counted: RTP packets with the marker bit, one per frame (RFC 2435),
from the interleaved data (TCP) or from its own UDP port. It can be slow on
purpose (read at most so many bytes a second) or not read at all. Every
wait is bounded.
"""

import base64
import re
import selectors
import socket
import time


def basic(token, user="camcast"):
    """An Authorization header line for token."""
    b64 = base64.b64encode(f"{user}:{token}".encode()).decode()
    return f"Authorization: Basic {b64}\r\n"


class RawRtsp:
    def __init__(self, port, source=None, rcvbuf=None, host="127.0.0.1", timeout=10.0):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if rcvbuf:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        if source:
            self.sock.bind((source, 0))
        self.sock.settimeout(timeout)
        self.sock.connect((host, port))
        self.sock.setblocking(False)
        self.rtp = self.rtcp = None
        self.cseq = 0
        self.session = ""
        self.buf = bytearray()
        self.eof = False
        self.frames = self.packets = self.answers = 0
        self.status = None
        self.head = ""
        self.rate = 0  # bytes/s; 0: as fast as it comes
        self.paused = False
        self._t0 = time.monotonic()
        self._read = 0

    def close(self):
        for s in (self.sock, self.rtp, self.rtcp):
            if s is not None:
                s.close()
        self.sock = self.rtp = self.rtcp = None

    # -- reading

    def _count(self, pkt):
        if len(pkt) >= 12 and pkt[0] >> 6 == 2:
            self.packets += 1
            self.frames += (pkt[1] & 0x80) != 0

    def _consume(self):
        while self.buf:
            if self.buf[0] == 0x24:  # '$': interleaved
                if len(self.buf) < 4:
                    return
                n = self.buf[2] << 8 | self.buf[3]
                if len(self.buf) < 4 + n:
                    return
                if self.buf[1] == 0:
                    self._count(self.buf[4:4 + n])
                del self.buf[:4 + n]
                continue
            end = self.buf.find(b"\r\n\r\n")
            if end < 0:
                return
            head = bytes(self.buf[:end + 4]).decode("latin-1")
            m = re.search(r"(?im)^content-length:\s*(\d+)", head)
            body = int(m.group(1)) if m else 0
            if len(self.buf) < end + 4 + body:
                return
            del self.buf[:end + 4 + body]
            self.head = head
            m = re.match(r"RTSP/1\.0 (\d+)", head)
            self.status = int(m.group(1)) if m else -1
            s = self.header("Session")
            if s:
                self.session = s.split(";")[0].strip()
            self.answers += 1

    def _allowed(self):
        if self.paused or self.eof or self.sock is None:
            return 0
        if not self.rate:
            return 1 << 17
        return int(self.rate * (time.monotonic() - self._t0) - self._read)

    def _read_some(self):
        n = self._allowed()
        if n < 1:
            return
        try:
            data = self.sock.recv(min(n, 1 << 17))
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        if not data:
            self.eof = True
            return
        self._read += len(data)
        self.buf += data
        self._consume()

    def _read_udp(self):
        for _ in range(64):
            try:
                self._count(self.rtp.recv(65536))
            except (BlockingIOError, InterruptedError):
                return

    def header(self, name):
        m = re.search(rf"(?im)^{re.escape(name)}:[ \t]*([^\r\n]*)", self.head)
        return m.group(1) if m else None

    # -- requests

    def send(self, data):
        self.sock.setblocking(True)
        self.sock.settimeout(10)
        try:
            self.sock.sendall(data)
        finally:
            self.sock.setblocking(False)

    def request(self, method, url, extra="", timeout=10.0, session=True):
        """Sends a request, reads its answer; returns the status or None."""
        self.cseq += 1
        lines = f"{method} {url} RTSP/1.0\r\nCSeq: {self.cseq}\r\n{extra}"
        if session and self.session and "session:" not in extra.lower():
            lines += f"Session: {self.session}\r\n"
        try:
            self.send((lines + "\r\n").encode())
        except OSError:
            return None
        answers, paused, rate = self.answers, self.paused, self.rate
        self.paused, self.rate = False, 0  # an answer is read whatever the pace
        deadline = time.monotonic() + timeout
        while self.answers == answers and not self.eof and time.monotonic() < deadline:
            pump([self], 0.01)
        self.paused, self.rate = paused, rate
        self._t0, self._read = time.monotonic(), 0
        return self.status if self.answers > answers else None

    def _udp_ports(self):
        socks = []
        for _ in range(2):
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
            s.bind(("127.0.0.1", 0))
            s.setblocking(False)
            socks.append(s)
        self.rtp, self.rtcp = socks
        return socks[0].getsockname()[1], socks[1].getsockname()[1]

    def play(self, url, auth="", tcp=True, timeout=10.0):
        """DESCRIBE, SETUP, PLAY as clients do (URLs from Content-Base).
        Returns the first failing status, or 200."""
        st = self.request("DESCRIBE", url, "Accept: application/sdp\r\n" + auth, timeout)
        if st != 200:
            return st
        base = self.header("Content-Base") or url + "/"
        setup = base + ("" if base.endswith("/") else "/") + "stream=0"
        if tcp:
            transport = "RTP/AVP/TCP;unicast;interleaved=0-1"
        else:
            a, b = self._udp_ports()
            transport = f"RTP/AVP;unicast;client_port={a}-{b}"
        st = self.request("SETUP", setup, f"Transport: {transport}\r\n" + auth, timeout)
        if st != 200:
            return st
        self.transport = self.header("Transport") or ""
        return self.request("PLAY", base, "Range: npt=0-\r\n" + auth, timeout)

    def wait_eof(self, timeout=10.0):
        paused, rate = self.paused, self.rate
        self.paused, self.rate = False, 0
        deadline = time.monotonic() + timeout
        while not self.eof and time.monotonic() < deadline:
            pump([self], 0.01)
        self.paused, self.rate = paused, rate
        return self.eof


def pump(clients, seconds):
    """Reads what comes to the clients for seconds, each at its pace."""
    deadline = time.monotonic() + seconds
    while True:
        sel = selectors.DefaultSelector()
        for c in clients:
            if c.sock is not None and c._allowed() > 0:
                sel.register(c.sock, selectors.EVENT_READ, (c, False))
            if c.rtp is not None:
                sel.register(c.rtp, selectors.EVENT_READ, (c, True))
        left = deadline - time.monotonic()
        if left <= 0:
            sel.close()
            return
        for key, _ in sel.select(min(left, 0.02)) if sel.get_map() else ():
            c, udp = key.data
            if udp:
                c._read_udp()
            else:
                c._read_some()
        if not sel.get_map():
            time.sleep(min(left, 0.02))
        sel.close()


def wait_frames(clients, want, timeout):
    """Pumps until each clients[i].frames >= want[i], or timeout: whether
    they all did."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if all(c.frames >= w for c, w in zip(clients, want)):
            return True
        pump(clients, 0.05)
    return all(c.frames >= w for c, w in zip(clients, want))
