"""Runs camcastd the way a service manager would and checks it streams.

    /usr/bin/python3 packaging/run_check.py CAMERAS -- COMMAND...

COMMAND must start camcastd with --listen 127.0.0.1:0 (the kernel picks the
port; the daemon logs "ws://127.0.0.1:PORT/stream"). CAMERAS is the
comma-separated list of camera names the hello must list. Checks: the
daemon starts, a WebSocket client gets the hello and one FrameBundle,
SIGTERM closes the client with code 1001 and the daemon exits with
status 0. Every wait is bounded. Exit status 0 if all checks pass.
Used by packaging/test-deb.sh.
"""

import asyncio
import json
import re
import signal
import subprocess
import sys
import threading
import time

import websockets

PORT_RE = re.compile(r"ws://127\.0\.0\.1:(\d+)/stream")
START_TIMEOUT = 15.0
RECV_TIMEOUT = 15.0
STOP_TIMEOUT = 15.0


def main():
    if len(sys.argv) < 4 or sys.argv[2] != "--":
        print(__doc__, file=sys.stderr)
        return 2
    cameras = sys.argv[1].split(",")
    cmd = sys.argv[3:]

    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            text=True)
    lines = []
    port_found = threading.Event()
    port = []

    def read_stderr():
        for line in proc.stderr:
            lines.append(line.rstrip("\n"))
            m = PORT_RE.search(line)
            if m and not port:
                port.append(int(m.group(1)))
                port_found.set()

    reader = threading.Thread(target=read_stderr, daemon=True)
    reader.start()
    try:
        if not port_found.wait(START_TIMEOUT):
            print(f"not ok - camcastd did not log ws://127.0.0.1:PORT/stream "
                  f"within {START_TIMEOUT:.0f} s (exit status {proc.poll()})")
            return 1
        print(f"ok - camcastd listens on port {port[0]}")
        return asyncio.run(stream(proc, port[0], cameras))
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(5)
        reader.join(5)
        print("# camcastd stderr:")
        for line in lines[-20:]:
            print("#   " + line)


async def stream(proc, port, cameras):
    url = f"ws://127.0.0.1:{port}/stream"
    async with websockets.connect(url, max_size=None,
                                  open_timeout=RECV_TIMEOUT) as ws:
        hello = json.loads(await asyncio.wait_for(ws.recv(), RECV_TIMEOUT))
        names = [c.get("name") for c in hello.get("cameras", [])]
        if hello.get("type") != "hello" or names != cameras:
            print(f"not ok - hello lists cameras {names}, expected {cameras}")
            return 1
        print(f"ok - hello lists the cameras {', '.join(names)}")
        bundle = await asyncio.wait_for(ws.recv(), RECV_TIMEOUT)
        if not isinstance(bundle, bytes) or not bundle:
            print("not ok - the second message is not a binary FrameBundle")
            return 1
        print(f"ok - got a FrameBundle of {len(bundle)} bytes")

        proc.send_signal(signal.SIGTERM)
        code = None
        deadline = time.monotonic() + STOP_TIMEOUT
        try:
            while time.monotonic() < deadline:
                await asyncio.wait_for(ws.recv(), deadline - time.monotonic())
        except websockets.ConnectionClosed as e:
            code = e.rcvd.code if e.rcvd else None
        except asyncio.TimeoutError:
            pass
        if code != 1001:
            print(f"not ok - after SIGTERM the client got close code {code}, "
                  f"expected 1001")
            return 1
        print("ok - SIGTERM: the client got close code 1001")

    try:
        status = await asyncio.get_running_loop().run_in_executor(
            None, proc.wait, STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        print(f"not ok - camcastd still running {STOP_TIMEOUT:.0f} s after SIGTERM")
        return 1
    if status != 0:
        print(f"not ok - camcastd exited with status {status} after SIGTERM")
        return 1
    print("ok - camcastd exited with status 0")
    return 0


if __name__ == "__main__":
    sys.exit(main())
