"""End-to-end: systemd notifications (sd_notify) without systemd.

    /usr/bin/python3 tests/integration/test_notify.py build/src/camcastd

The test plays the service manager: it binds the NOTIFY_SOCKET datagram
socket itself and sets WATCHDOG_USEC/WATCHDOG_PID for the daemon.
  - READY=1 arrives once the port listens (a client connects right after),
    with a STATUS= line naming the cameras.
  - WATCHDOG=1 keeps arriving from the event loop.
  - STATUS= follows the client count.
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

    def close(self):
        self.sock.close()
        shutil.rmtree(self.dir, ignore_errors=True)


def main(binary):
    mgr = Manager()
    os.environ["NOTIFY_SOCKET"] = mgr.path
    os.environ["WATCHDOG_USEC"] = "400000"  # the daemon pets every 200 ms
    config = T.make_config(T.server_section(), [
        ("left", T.camera(320, 240, "Mono8", "scroll", grab_fps=60)),
        ("right", T.camera(320, 240, "RGB8", "bars", grab_fps=60)),
    ])
    try:
        # WATCHDOG_PID stays unset: sd_watchdog_enabled() then applies the
        # watchdog to whichever process reads it.
        d = T.Daemon(binary, config)
        d.start()
        ready = mgr.wait_for("READY")
        T.check(ready.get("READY") == "1", f"READY message: {ready}")
        T.check("2/2 cameras online" in ready.get("STATUS", ""), f"READY status: {ready}")
        T.check("0 clients" in ready.get("STATUS", ""), f"READY status: {ready}")

        # The watchdog is petted repeatedly, not once.
        for _ in range(3):
            mgr.wait_for("WATCHDOG", timeout=5.0)

        ws = T.RawWS(d.port)
        mgr.wait_for("STATUS", value_part="1 clients", timeout=10.0)
        ws.close()
        mgr.wait_for("STATUS", value_part="0 clients", timeout=10.0)

        d.send_signal(signal.SIGTERM)
        mgr.wait_for("STOPPING")
        rc = d.wait_exit()
        T.check_eq(rc, 0, "exit status after SIGTERM")
    finally:
        mgr.close()


if __name__ == "__main__":
    T.run_main(main)
