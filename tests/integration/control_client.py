"""A WebSocket client for the camera control tests (docs/control.md): it
reads everything the daemon sends in the background and lets a test wait,
with a bounded deadline, for the text message or the bundle entry it
expects.

    async with ControlClient(daemon, token) as c:
        await c.send({"type": "features", "camera": "tp"})
        msg = await c.wait_text(lambda m: m["type"] == "features")
"""

import asyncio
import json
import time

import cc_testlib as T


class ControlClient:
    def __init__(self, daemon, token=None, n_cameras=8):
        path = "/stream" + (f"?token={token}" if token else "")
        self.uri = daemon.uri(path)
        self.n_cameras = n_cameras
        self.texts = []    # parsed JSON text messages, in order
        self.bundles = []  # parsed FrameBundles, in order
        self.events = []   # ("text", i) / ("bundle", i): what came in which order
        self.hello = None
        self._ws = None
        self._cm = None
        self._task = None
        self._new = asyncio.Event()

    async def __aenter__(self):
        self._cm = T.ws_connect(self.uri)
        self._ws = await self._cm.__aenter__()
        self.hello = json.loads(await T.recv(self._ws, what="the hello"))
        self._task = asyncio.create_task(self._read())
        return self

    async def __aexit__(self, *exc):
        self._task.cancel()
        try:
            await self._task
        except (asyncio.CancelledError, Exception):
            pass
        await self._cm.__aexit__(*exc)
        return False

    async def _read(self):
        while True:
            m = await self._ws.recv()
            if isinstance(m, str):
                self.texts.append(json.loads(m))
                self.events.append(("text", len(self.texts) - 1))
            else:
                self.bundles.append(T.parse_bundle(m, self.n_cameras))
                self.events.append(("bundle", len(self.bundles) - 1))
            self._new.set()

    async def send(self, obj):
        await self._ws.send(obj if isinstance(obj, str) else json.dumps(obj))

    async def _wait(self, find, timeout, what):
        deadline = time.monotonic() + timeout
        while True:
            found = find()
            if found is not None:
                return found
            left = deadline - time.monotonic()
            if left <= 0:
                T.fail(f"no {what} within {timeout:.0f} s; last texts: {self.texts[-5:]}")
            self._new.clear()
            try:
                await asyncio.wait_for(self._new.wait(), min(left, 0.5))
            except asyncio.TimeoutError:
                pass
            if self._task.done():
                exc = self._task.exception()
                T.fail(f"the connection ended while waiting for {what}: {exc!r}")

    async def wait_text(self, pred, timeout=T.RECV_TIMEOUT, what="text message", start=0):
        """The first text message (index >= start) for which pred holds."""
        def find():
            for m in self.texts[start:]:
                if pred(m):
                    return m
            return None
        return await self._wait(find, timeout, what)

    async def wait_entry(self, pred, timeout=T.RECV_TIMEOUT, what="entry", start=0):
        """The first entry of a bundle (index >= start) for which pred holds."""
        def find():
            for b in self.bundles[start:]:
                for e in b.entries:
                    if pred(e):
                        return e
            return None
        return await self._wait(find, timeout, what)

    async def request(self, obj, pred, what, timeout=T.RECV_TIMEOUT):
        """Sends obj and waits for the first text after it that pred takes."""
        start = len(self.texts)
        await self.send(obj)
        return await self.wait_text(pred, timeout, what, start)

    async def error_for(self, obj, timeout=T.RECV_TIMEOUT):
        """Sends obj; returns the error message it gets (nothing else may
        answer it: a pong sent after it must come after the error)."""
        start = len(self.texts)
        await self.send(obj)
        await self.send({"type": "ping"})
        pong = await self.wait_text(lambda m: m["type"] == "pong", timeout, "pong", start)
        answers = self.texts[start:self.texts.index(pong, start)]
        errors = [m for m in answers if m["type"] == "error"]
        T.check(errors, f"{obj}: no error before the pong (got {answers})")
        return errors[0]


def mean(tj, entry):
    """Mean of the decoded pixels (all channels) of an entry's JPEG."""
    _w, _h, _ss, _cs, px = tj.decode(entry.payload, want_pixels=True)
    return sum(px) / len(px)
