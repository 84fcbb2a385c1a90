"""End-to-end: systemd notifications (sd_notify) without systemd.

    /usr/bin/python3 tests/integration/test_notify.py build/src/camcastd

The test plays the service manager: it binds the NOTIFY_SOCKET datagram
socket itself and sets WATCHDOG_USEC/WATCHDOG_PID for the daemon.
  - READY=1 arrives once the port listens (a client connects right after),
    with a STATUS= line naming the cameras.
  - WATCHDOG=1 keeps arriving from the event loop, at the interval the
    daemon logs: half of WATCHDOG_USEC (400 ms -> every 200 ms), or every
    second when that is shorter (20 s -> every 1000 ms); none at all when
    WATCHDOG_PID names another process.
  - STATUS= follows the client count.
  - SIGHUP: RELOADING=1 with MONOTONIC_USEC (this host's CLOCK_MONOTONIC,
    between the signal and its arrival), then READY=1; the watchdog goes on.
  - STOPPING=1 on SIGTERM, then a clean exit.
"""

import os
import shutil
import signal
import socket
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cc_testlib as T  # noqa: E402


class Manager:
    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="camcast-notify-")
        self.path = os.path.join(self.dir, "notify")
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.path)
        self.messages = []
        self.seen = []  # every message, in order

    def wait_for(self, key, timeout=10.0, value_part=None):
        """Returns the first message with key (and value_part) not yet seen."""
        deadline = time.monotonic() + timeout
        while True:
            for i, fields in enumerate(self.messages):
                if key in fields and (value_part is None or value_part in fields[key]):
                    del self.messages[: i + 1]
                    return fields
            left = deadline - time.monotonic()
            if left <= 0:
                T.fail(f"no {key}{'~' + value_part if value_part else ''} "
                       f"notification within {timeout:.0f} s")
            self.sock.settimeout(left)
            try:
                data = self.sock.recv(4096)
            except socket.timeout:
                continue
            fields = dict(line.split("=", 1) for line in data.decode().splitlines()
                          if "=" in line)
            self.messages.append(fields)
            self.seen.append(fields)

    def close(self):
        self.sock.close()
        shutil.rmtree(self.dir, ignore_errors=True)


CONFIG = T.make_config(T.server_section(), [
    ("left", T.camera(320, 240, "Mono8", "scroll", grab_fps=60)),
    ("right", T.camera(320, 240, "RGB8", "bars", grab_fps=60)),
])


def watchdog_period(binary, usec, pid=None):
    """The interval the daemon logs for WATCHDOG_USEC=usec (None: no
    watchdog), and the WATCHDOG=1 messages sent up to a timer tick after a
    client connected (its STATUS= comes from the same timer)."""
    mgr = Manager()
    env = {"NOTIFY_SOCKET": mgr.path, "WATCHDOG_USEC": str(usec)}
    if pid is not None:
        env["WATCHDOG_PID"] = str(pid)
    saved = {k: os.environ.get(k) for k in (*env, "WATCHDOG_PID")}
    os.environ.update(env)
    try:
        with T.Daemon(binary, CONFIG) as d:
            mgr.wait_for("READY")
            m = d.wait_for_line(r"systemd watchdog: WATCHDOG=1 every (\d+) ms", 1)
            ws = T.RawWS(d.port)
            mgr.wait_for("STATUS", value_part="1 clients", timeout=10.0)
            ws.close()
            T.check_eq(d.stop(), 0, "exit status")
            pets = [f for f in mgr.seen if "WATCHDOG" in f]
            return (int(m.group(1)) if m else None), pets
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        mgr.close()


def check_periods(binary):
    period, _ = watchdog_period(binary, 20_000_000)
    T.check_eq(period, 1000, "the watchdog interval for WATCHDOG_USEC=20 s (every second)")
    period, pets = watchdog_period(binary, 400_000, pid=1)
    T.check(period is None and not pets,
            f"WATCHDOG_PID=1 (another process): interval {period}, pets {pets}")
    T.log("watchdog: every 1000 ms for 20 s; none for another process's watchdog")


def main(binary):
    check_periods(binary)
    mgr = Manager()
    os.environ["NOTIFY_SOCKET"] = mgr.path
    os.environ["WATCHDOG_USEC"] = "400000"  # the daemon pets every 200 ms
    config = CONFIG
    try:
        # WATCHDOG_PID stays unset: sd_watchdog_enabled() then applies the
        # watchdog to whichever process reads it.
        d = T.Daemon(binary, config)
        d.start()
        ready = mgr.wait_for("READY")
        T.check(ready.get("READY") == "1", f"READY message: {ready}")
        T.check("2/2 cameras online" in ready.get("STATUS", ""), f"READY status: {ready}")
        T.check("0 clients" in ready.get("STATUS", ""), f"READY status: {ready}")

        # The watchdog is petted repeatedly, not once, at half WATCHDOG_USEC.
        m = d.wait_for_line(r"systemd watchdog: WATCHDOG=1 every (\d+) ms", 1)
        T.check(m is not None and int(m.group(1)) == 200,
                f"the watchdog interval for WATCHDOG_USEC=400 ms: {m and m.group(0)}")
        for _ in range(3):
            mgr.wait_for("WATCHDOG", timeout=5.0)

        ws = T.RawWS(d.port)
        mgr.wait_for("STATUS", value_part="1 clients", timeout=10.0)
        ws.close()
        mgr.wait_for("STATUS", value_part="0 clients", timeout=10.0)

        # A reload: RELOADING=1 stamped with CLOCK_MONOTONIC, then READY=1.
        before = time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000
        d.send_signal(signal.SIGHUP)
        reloading = mgr.wait_for("RELOADING")
        after = time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000
        T.check_eq(reloading.get("RELOADING"), "1", f"RELOADING message: {reloading}")
        stamp = int(reloading.get("MONOTONIC_USEC", "0"))
        T.check(before <= stamp <= after,
                f"MONOTONIC_USEC {stamp} not between the signal ({before}) and now ({after})")
        ready = mgr.wait_for("READY")
        T.check(ready.get("READY") == "1", f"READY after RELOADING: {ready}")
        mgr.wait_for("WATCHDOG", timeout=5.0)
        T.log("SIGHUP: RELOADING=1 (MONOTONIC_USEC within the reload), READY=1, the "
              "watchdog on")

        d.send_signal(signal.SIGTERM)
        mgr.wait_for("STOPPING")
        rc = d.wait_exit()
        T.check_eq(rc, 0, "exit status after SIGTERM")
    finally:
        mgr.close()


if __name__ == "__main__":
    T.run_main(main)
