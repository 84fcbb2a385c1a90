"""Headless Chromium driven through the DevTools protocol (CDP).

Used by test_browser_page.py, browser_screenshot.py and
bench/browser_bench.py. Debian's /usr/bin/chromium starts with
--remote-debugging-port=0; the port it picked is read from the
DevToolsActivePort file in its --user-data-dir, and the page target is
driven over a WebSocket (Debian's python3-websockets):

    async with Browser(width=1280, height=720) as b:
        await b.navigate("http://127.0.0.1:8765/")
        fps = await b.wait_for("camcastStats.cameras[0]?.fps > 20", 20, "fps")
        await b.screenshot("page.png")

Every wait is bounded. Uncaught exceptions of the page and console errors
are collected (b.exceptions, b.console_errors) for the tests to check.
"""

import asyncio
import base64
import json
import os
import shutil
import subprocess
import tempfile
import time
import urllib.request

import websockets  # Debian's python3-websockets

CHROMIUM = "/usr/bin/chromium"
# A headless VM: no sandbox (containers often lack user namespaces), no GPU
# (software compositing), no /dev/shm size assumptions, nothing that phones
# home or pops up.
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
    "--no-first-run", "--no-default-browser-check", "--disable-extensions",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-default-apps", "--mute-audio", "--hide-scrollbars",
    "--disable-features=Translate,MediaRouter,OptimizationHints",
    "--password-store=basic", "--use-mock-keychain",
]
START_TIMEOUT = 30.0
CALL_TIMEOUT = 20.0


class CDPError(Exception):
    pass


class Browser:
    def __init__(self, width=1280, height=720, extra_flags=(), log=print):
        self.width, self.height = width, height
        self.extra_flags = list(extra_flags)
        self.log = log
        self.tmp = None
        self.proc = None
        self.ws = None
        self._reader = None
        self._next_id = 0
        self._calls = {}
        self.events = []            # (method, params) of every event, in order
        self.exceptions = []        # uncaught page exceptions (text)
        self.console_errors = []    # console.error and error log entries (text)
        self._waiters = []

    # -- lifecycle --

    async def __aenter__(self):
        await self.start()
        return self

    async def __aexit__(self, *exc):
        await self.close()
        return False

    async def start(self):
        self.tmp = tempfile.mkdtemp(prefix="camcast-chromium-")
        profile = os.path.join(self.tmp, "profile")
        cmd = [CHROMIUM, *FLAGS, f"--window-size={self.width},{self.height}",
               f"--user-data-dir={profile}", "--remote-debugging-port=0",
               "--remote-debugging-address=127.0.0.1", *self.extra_flags, "about:blank"]
        self.stderr_path = os.path.join(self.tmp, "chromium.log")
        self._stderr = open(self.stderr_path, "wb")
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=self._stderr,
                                     stderr=self._stderr)
        port = await self._devtools_port(profile)
        page_ws = await self._page_target(port)
        self.ws = await websockets.connect(page_ws, max_size=None, ping_interval=None,
                                           open_timeout=10, close_timeout=2)
        self._reader = asyncio.ensure_future(self._read())
        for domain in ("Page", "Runtime", "Log"):
            await self.call(f"{domain}.enable")
        await self.call("Emulation.setDeviceMetricsOverride", width=self.width,
                        height=self.height, deviceScaleFactor=1, mobile=False)
        # A headless page has no focus unless told: key events and
        # document.hidden must behave as for a user's foreground tab.
        await self.call("Emulation.setFocusEmulationEnabled", enabled=True)
        await self.call("Page.bringToFront")

    async def _devtools_port(self, profile):
        path = os.path.join(profile, "DevToolsActivePort")
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise CDPError(f"chromium exited with status {self.proc.returncode}: "
                               f"{self.stderr_tail()}")
            try:
                with open(path) as f:
                    first = f.readline().strip()
                if first.isdigit():
                    return int(first)
            except FileNotFoundError:
                pass
            await asyncio.sleep(0.1)
        raise CDPError(f"no DevToolsActivePort within {START_TIMEOUT:.0f} s: "
                       f"{self.stderr_tail()}")

    async def _page_target(self, port):
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            try:
                raw = await asyncio.get_running_loop().run_in_executor(
                    None, lambda: urllib.request.urlopen(
                        f"http://127.0.0.1:{port}/json/list", timeout=5).read())
                for t in json.loads(raw):
                    if t.get("type") == "page" and t.get("webSocketDebuggerUrl"):
                        return t["webSocketDebuggerUrl"]
            except OSError:
                pass
            await asyncio.sleep(0.2)
        raise CDPError(f"no page target within {START_TIMEOUT:.0f} s")

    def stderr_tail(self, n=2000):
        try:
            with open(self.stderr_path, "rb") as f:
                return f.read()[-n:].decode("utf-8", "replace")
        except OSError:
            return ""

    async def close(self):
        if self.ws is not None:
            try:
                await asyncio.wait_for(self.call("Browser.close"), 5)
            except Exception:
                pass
        if self._reader is not None:
            self._reader.cancel()
        if self.ws is not None:
            try:
                await asyncio.wait_for(self.ws.close(), 3)
            except Exception:
                pass
        if self.proc is not None:
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
            self._stderr.close()
        if self.tmp:
            shutil.rmtree(self.tmp, ignore_errors=True)

    # -- the protocol --

    async def _read(self):
        try:
            async for raw in self.ws:
                msg = json.loads(raw)
                if "id" in msg:
                    fut = self._calls.pop(msg["id"], None)
                    if fut is not None and not fut.done():
                        fut.set_result(msg)
                else:
                    self._on_event(msg.get("method"), msg.get("params", {}))
        except (websockets.ConnectionClosed, asyncio.CancelledError):
            pass
        finally:
            for fut in self._calls.values():
                if not fut.done():
                    fut.set_exception(CDPError("DevTools connection closed"))

    def _on_event(self, method, params):
        self.events.append((method, params))
        if method == "Runtime.exceptionThrown":
            d = params.get("exceptionDetails", {})
            ex = d.get("exception", {})
            self.exceptions.append(ex.get("description") or d.get("text", "?"))
        elif method == "Runtime.consoleAPICalled" and params.get("type") == "error":
            self.console_errors.append(" ".join(
                str(a.get("value", a.get("description", ""))) for a in params.get("args", [])))
        elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
            e = params["entry"]
            self.console_errors.append(f"{e.get('source')}: {e.get('text')} {e.get('url', '')}")
        for w in list(self._waiters):
            if w[0] == method and not w[1].done():
                w[1].set_result(params)

    async def call(self, method, timeout=CALL_TIMEOUT, **params):
        self._next_id += 1
        i = self._next_id
        fut = asyncio.get_running_loop().create_future()
        self._calls[i] = fut
        await self.ws.send(json.dumps({"id": i, "method": method, "params": params}))
        try:
            msg = await asyncio.wait_for(fut, timeout)
        except asyncio.TimeoutError:
            self._calls.pop(i, None)
            raise CDPError(f"{method}: no answer within {timeout:.0f} s")
        if "error" in msg:
            raise CDPError(f"{method}: {msg['error']}")
        return msg.get("result", {})

    # -- what the tests use --

    async def navigate(self, url, timeout=20.0):
        """Loads url and waits for its load event."""
        fut = asyncio.get_running_loop().create_future()
        waiter = ("Page.loadEventFired", fut)
        self._waiters.append(waiter)
        try:
            r = await self.call("Page.navigate", url=url)
            if r.get("errorText"):
                raise CDPError(f"navigate {url}: {r['errorText']}")
            await asyncio.wait_for(fut, timeout)
        except asyncio.TimeoutError:
            raise CDPError(f"navigate {url}: no load event within {timeout:.0f} s")
        finally:
            self._waiters.remove(waiter)

    async def evaluate(self, expr, timeout=CALL_TIMEOUT):
        """The value of a JavaScript expression (promises awaited)."""
        r = await self.call("Runtime.evaluate", timeout=timeout, expression=expr,
                            returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in r:
            d = r["exceptionDetails"]
            raise CDPError(f"evaluate {expr[:80]!r}: "
                           f"{d.get('exception', {}).get('description') or d.get('text')}")
        return r.get("result", {}).get("value")

    async def wait_for(self, expr, timeout, what, interval=0.2):
        """Polls expr until it is truthy; returns its value. Fails with the
        last value seen after timeout seconds."""
        deadline = time.monotonic() + timeout
        last = None
        while True:
            last = await self.evaluate(expr)
            if last:
                return last
            if time.monotonic() >= deadline:
                raise CDPError(f"{what}: not within {timeout:.0f} s (last: {last!r})")
            await asyncio.sleep(interval)

    async def key(self, key, code=None, vk=None):
        """One key press as a user's (keydown + keyup) to the focused page."""
        code = code or (f"Key{key.upper()}" if key.isalpha() else
                        f"Digit{key}" if key.isdigit() else
                        {" ": "Space", "Escape": "Escape"}.get(key, key))
        vk = vk or ({" ": 32, "Escape": 27}.get(key) or ord(key.upper()))
        text = key if len(key) == 1 else ""
        for t in ("keyDown", "keyUp"):
            await self.call("Input.dispatchKeyEvent", type=t, key=key, code=code, text=text,
                            windowsVirtualKeyCode=vk, nativeVirtualKeyCode=vk)

    async def screenshot(self, path):
        r = await self.call("Page.captureScreenshot", format="png", timeout=60)
        with open(path, "wb") as f:
            f.write(base64.b64decode(r["data"]))

    def process_tree(self):
        """PIDs of chromium and all its descendants (for CPU accounting)."""
        if self.proc is None:
            return []
        children = {}
        for d in os.listdir("/proc"):
            if not d.isdigit():
                continue
            try:
                with open(f"/proc/{d}/stat") as f:
                    st = f.read()
            except OSError:
                continue
            ppid = int(st[st.rindex(")") + 2:].split()[1])
            children.setdefault(ppid, []).append(int(d))
        out, todo = [], [self.proc.pid]
        while todo:
            p = todo.pop()
            out.append(p)
            todo.extend(children.get(p, []))
        return out
