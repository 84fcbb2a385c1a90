"""Starts and stops the old design's replica for bench/run and the smoke test:
camcastd on a scenario config (grab, encode, mux: the same bundles),
camcast-oldproducer (one client of camcastd writing each bundle into a UNIX
socket, length-prefixed) and bridge.py (relaying them over WebSocket).

    with OldDesign(daemon, producer, config, fanout="send") as od:
        ... camcast-bench e2e --url od.url --pid od.bridge.pid ...
    od.producer_stats, od.bridge_stats      # their JSON lines, after the exit

Also cpu_s(pid): a process's CPU seconds from /proc, for the figures of the
processes e2e's --pid does not watch.
"""

import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading

HERE = os.path.dirname(os.path.abspath(__file__))
BRIDGE = os.path.join(HERE, "bridge.py")
PYTHON = "/usr/bin/python3"  # Debian's, with python3-websockets
START_S = 20
STOP_S = 15


class OldDesignError(Exception):
    pass


def cpu_s(pid):
    """utime + stime of a process, in seconds (None once it is gone)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class _Lines(threading.Thread):
    """Drains a pipe line by line (so the child never blocks on it), keeps
    the last lines and waits for the first one that matches."""

    def __init__(self, pipe, pattern):
        super().__init__(daemon=True)
        self.pipe, self.pattern = pipe, re.compile(pattern)
        self.lines, self.match = [], None
        self.found = threading.Event()
        self.start()

    def run(self):
        for line in self.pipe:
            self.lines = (self.lines + [line.rstrip("\n")])[-50:]
            m = self.pattern.search(line)
            if m and not self.found.is_set():
                self.match = m
                self.found.set()
        self.found.set()

    def wait(self, timeout):
        self.found.wait(timeout)
        return self.match

    def tail(self):
        return "\n".join(self.lines)


class OldDesign:
    def __init__(self, daemon, producer, config, fanout="send", verbose=False):
        self.daemon_path, self.producer_path = daemon, producer
        self.config, self.fanout, self.verbose = config, fanout, verbose
        self.daemon = self.bridge = self.producer = None
        self.producer_stats = self.bridge_stats = None
        self.daemon_status = None
        self.url = None

    def __enter__(self):
        self.tmp = tempfile.mkdtemp(prefix="camcast-old-")
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc):
        self.stop()

    def _start(self):
        sock = os.path.join(self.tmp, "bridge.sock")
        self.daemon = subprocess.Popen(
            [self.daemon_path, "--config", self.config, "--listen", "127.0.0.1:0"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            text=True)
        self._dlog = _Lines(self.daemon.stderr, r"streaming on (ws://\S+)")
        m = self._dlog.wait(START_S)
        if not m:
            raise OldDesignError(f"camcastd did not start listening:\n{self._dlog.tail()}")
        self.daemon_url = m.group(1)
        self.bridge = subprocess.Popen(
            [PYTHON, BRIDGE, "--unix", sock, "--port", "0", "--fanout", self.fanout],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=None, text=True)
        self._blog = _Lines(self.bridge.stdout, r"streaming on (ws://\S+)")
        m = self._blog.wait(START_S)
        if not m:
            raise OldDesignError(f"the bridge did not start listening:\n{self._blog.tail()}")
        self.url = m.group(1)
        self.producer = subprocess.Popen(
            [self.producer_path, "--url", self.daemon_url, "--unix", sock],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=None, text=True)
        self._plog = _Lines(self.producer.stdout, r"^\{")

    @staticmethod
    def _end(proc, lines):
        """SIGTERM, wait, the last JSON line it printed (or None)."""
        if proc is None:
            return None, None
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        try:
            status = proc.wait(STOP_S)
        except subprocess.TimeoutExpired:
            proc.kill()
            status = proc.wait()
        if lines is None:
            return status, None
        lines.join(5)
        for line in reversed(lines.lines):
            if line.startswith("{"):
                try:
                    return status, json.loads(line)
                except ValueError:
                    break
        return status, None

    def stop(self):
        """The producer first (the bridge sees the end of its stream and has
        relayed everything it read), then the bridge, then camcastd."""
        self.producer_status, self.producer_stats = self._end(
            self.producer, getattr(self, "_plog", None))
        self.bridge_status, self.bridge_stats = self._end(
            self.bridge, getattr(self, "_blog", None))
        self.daemon_status, _ = self._end(self.daemon, None)
        self.producer = self.bridge = self.daemon = None
        shutil.rmtree(self.tmp, ignore_errors=True)

    def check_alive(self):
        """Raises OldDesignError when one of the three has exited."""
        for name, proc in (("camcastd", self.daemon), ("camcast-oldproducer", self.producer),
                           ("the bridge", self.bridge)):
            if proc.poll() is not None:
                raise OldDesignError(f"{name} exited with status {proc.returncode}")

    def pids(self):
        return {"daemon": self.daemon.pid, "producer": self.producer.pid,
                "bridge": self.bridge.pid}
