"""The WebSocket bridge of the design CameraCast replaces, for the bench
(docs/performance.md, "Against the old design").

    /usr/bin/python3 bench/old_design/bridge.py --unix PATH [--port 0]
                     [--fanout send|broadcast]

The old design: a C++ grabber wrote each bundle into a UNIX stream socket;
this Python process (asyncio, Debian's python3-websockets) read them and
relayed each to every WebSocket client. Written the straightforward way, as
it was: no threads, no queues, no skipping.

- It listens on the UNIX socket PATH for the producer (camcast-oldproducer,
  one at a time), and reads records: u32 length, little-endian, then that
  many bytes. The first record of a producer is the hello (JSON text): the
  stream's configuration, sent first to each WebSocket client. Every
  following record is a FrameBundle, relayed unchanged.
- It serves ws://127.0.0.1:PORT/stream (PORT 0: any free port), so
  camcast-bench e2e --url attaches to it as to camcastd.
- --fanout send (the default): `for ws in clients: await ws.send(bundle)`,
  one client after the other; send() returns once the bundle is (nearly)
  all in the kernel (websockets' write_limit, 64 KiB), so one slow client
  holds back everyone, and the bridge reads the next bundle only when all
  clients have this one. --fanout broadcast: websockets.broadcast(), which
  queues the bundle on every connection without waiting (no backpressure:
  a client that does not keep up accumulates bundles in the bridge's
  memory).

Prints "bridge: streaming on ws://127.0.0.1:PORT/stream" on stdout once
listening, and on SIGTERM/SIGINT one JSON line with what it relayed, then
exits.
"""

import argparse
import asyncio
import http
import json
import os
import signal
import sys

import websockets  # Debian's python3-websockets (10.4)

clients = set()
hello = None
hello_ready = asyncio.Event()
stats = {"producers": 0, "records": 0, "bundles": 0, "bytes": 0, "sends": 0,
         "send_errors": 0, "clients_served": 0, "clients_max": 0,
         "producer_ends": []}
fanout = "send"


async def only_stream(path, request_headers):
    if path != "/stream":
        return http.HTTPStatus.NOT_FOUND, [], b"not found\n"
    return None


async def handler(ws):
    await hello_ready.wait()
    await ws.send(hello)
    clients.add(ws)
    stats["clients_served"] += 1
    stats["clients_max"] = max(stats["clients_max"], len(clients))
    try:
        async for _ in ws:
            pass  # control messages: the old bridge had none
    except websockets.ConnectionClosed:
        pass
    finally:
        clients.discard(ws)


async def relay(bundle):
    if fanout == "broadcast":
        websockets.broadcast(clients, bundle)
        stats["sends"] += len(clients)
        return
    for ws in list(clients):
        try:
            await ws.send(bundle)
            stats["sends"] += 1
        except websockets.ConnectionClosed:
            stats["send_errors"] += 1


async def producer(reader, writer):
    global hello
    stats["producers"] += 1
    first = True
    end = "eof"
    try:
        while True:
            n = int.from_bytes(await reader.readexactly(4), "little")
            msg = await reader.readexactly(n)
            stats["records"] += 1
            if first:
                first = False
                hello = msg.decode()
                hello_ready.set()
                continue
            stats["bundles"] += 1
            stats["bytes"] += n
            await relay(msg)
    except asyncio.IncompleteReadError as e:
        end = "eof" if not e.partial else "truncated record"
    except Exception as e:  # noqa: BLE001: say why, keep serving
        end = repr(e)
    stats["producer_ends"].append(end)
    writer.close()


async def main():
    global fanout
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--unix", required=True, help="UNIX socket the producer connects to")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--fanout", choices=("send", "broadcast"), default="send")
    a = ap.parse_args()
    fanout = a.fanout
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    if os.path.exists(a.unix):
        os.unlink(a.unix)
    unix = await asyncio.start_unix_server(producer, a.unix)
    # The C clients offer no extension; a browser would get permessage-deflate
    # (the library's default) on JPEGs.
    async with websockets.serve(handler, a.host, a.port, process_request=only_stream,
                                max_size=1 << 20) as server:
        port = server.sockets[0].getsockname()[1]
        print(f"bridge: streaming on ws://{a.host}:{port}/stream", flush=True)
        await stop.wait()
    unix.close()
    os.unlink(a.unix)
    stats["fanout"] = fanout
    print(json.dumps(stats), flush=True)


if __name__ == "__main__":
    asyncio.run(main())
    sys.exit(0)
