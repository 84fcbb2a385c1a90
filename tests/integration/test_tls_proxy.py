"""End-to-end: TLS in front of camcastd with Debian's nginx.

    /usr/bin/python3 tests/integration/test_tls_proxy.py build/src/camcastd

Runs packaging/nginx/camcast-tls.conf (the example docs/operations.md
shows) with its port, certificate and upstream replaced: a self-signed
certificate made with openssl, camcastd with an access token on 127.0.0.1.
A python3-websockets client connects over wss:// through nginx with the
token and receives the hello and FrameBundles; without the token it gets
401 through the proxy; a browser-like request with the proxy's own origin
passes the default origin check (nginx keeps Host), a foreign one gets
403; /healthz answers through TLS.

Then packaging/nginx/camcast-several.conf: two daemons under /line1/ and
/line2/ of one name. Each path reaches its own daemon (the hello names its
cameras), the page is served under the prefix, and a page of one daemon
may connect to the other: same origin through the proxy, so both default
origin checks pass.
"""

import asyncio
import json
import os
import re
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cc_testlib as T  # noqa: E402

import websockets  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SITE = os.path.join(ROOT, "packaging", "nginx", "camcast-tls.conf")
SEVERAL = os.path.join(ROOT, "packaging", "nginx", "camcast-several.conf")
TOKEN = "tls-test-" + os.urandom(12).hex()


def free_port():
    with socket.socket() as s:
        s.bind((T.HOST, 0))
        return s.getsockname()[1]


def make_cert(tmp):
    cert, key = os.path.join(tmp, "cert.pem"), os.path.join(tmp, "key.pem")
    p = subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                        "-days", "1", "-subj", "/CN=127.0.0.1",
                        "-addext", "subjectAltName=IP:127.0.0.1",
                        "-keyout", key, "-out", cert],
                       capture_output=True, text=True, timeout=60)
    T.check(p.returncode == 0, f"openssl: {p.stderr}")
    return cert, key


def site_config(port, upstream_port, cert, key):
    """The example with this test's port, certificate and upstream."""
    with open(SITE) as f:
        site = f.read()
    for old, new in ((r"listen 443 ssl;", f"listen {T.HOST}:{port} ssl;"),
                     (r"ssl_certificate\s+/\S+;", f"ssl_certificate {cert};"),
                     (r"ssl_certificate_key\s+/\S+;", f"ssl_certificate_key {key};"),
                     (r"proxy_pass http://127\.0\.0\.1:8765;",
                      f"proxy_pass http://127.0.0.1:{upstream_port};")):
        site, n = re.subn(old, new, site)
        T.check(n == 1, f"{SITE}: expected one '{old}'")
    return site


def several_config(port, upstreams, cert, key):
    """camcast-several.conf with this test's port, certificate, upstreams."""
    with open(SEVERAL) as f:
        site = f.read()
    subs = [(r"listen 443 ssl;", f"listen {T.HOST}:{port} ssl;"),
            (r"ssl_certificate\s+/\S+;", f"ssl_certificate {cert};"),
            (r"ssl_certificate_key\s+/\S+;", f"ssl_certificate_key {key};"),
            (r"proxy_pass http://127\.0\.0\.1:8765/;",
             f"proxy_pass http://127.0.0.1:{upstreams[0]}/;"),
            (r"proxy_pass http://10\.0\.0\.12:8765/;",
             f"proxy_pass http://127.0.0.1:{upstreams[1]}/;")]
    for old, new in subs:
        site, n = re.subn(old, new, site)
        T.check(n == 1, f"{SEVERAL}: expected one '{old}'")
    return site


async def hello_over_tls(uri, ctx, headers):
    async with websockets.connect(uri, ssl=ctx, max_size=None,
                                  extra_headers=headers) as ws:
        hello = json.loads(await T.recv_text(ws))
        T.parse_bundle(await T.recv_binary(ws), len(hello["cameras"]))
        return [c["name"] for c in hello["cameras"]]


def check_several(binary, tmp, cert, key, ctx):
    cams = {"line1": [("left", T.camera(320, 240, "Mono8", "scroll", grab_fps=60))],
            "line2": [("dock", T.camera(160, 120, "RGB8", "bars", grab_fps=60))]}
    with T.Daemon(binary, T.make_config(T.server_section(), cams["line1"])) as a, \
            T.Daemon(binary, T.make_config(T.server_section(), cams["line2"])) as b:
        port = free_port()
        nginx = Nginx(tmp, nginx_config(tmp, several_config(port, (a.port, b.port), cert,
                                                            key)), port)
        try:
            nginx.wait_listening()
            # A page of line1 connecting to both: the browser's Origin.
            origin = {"Origin": f"https://{T.HOST}:{port}"}
            for path, want in (("line1", ["left"]), ("line2", ["dock"])):
                names = asyncio.run(hello_over_tls(f"wss://{T.HOST}:{port}/{path}/stream",
                                                   ctx, origin))
                T.check_eq(names, want, f"/{path}/stream reaches its own daemon")
            status, headers, body = https_get(port, ctx, "/line2/")
            T.check_eq(status, 200, "the page under /line2/")
            T.check(b"camcast.js" in body, "the page under a prefix")
            status, headers, _ = https_get(port, ctx, "/line1")
            T.check_eq(status, 301, "/line1 without its slash")
            T.log("several daemons behind one name: each path its own daemon, one "
                  "origin for all")
        finally:
            nginx.stop()
        T.check_eq(a.stop(), 0, "line1 exit status")
        T.check_eq(b.stop(), 0, "line2 exit status")


def nginx_config(tmp, site):
    temp = "".join(f"    {k}_temp_path {tmp}/{k};\n"
                   for k in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    return (f"daemon off;\nmaster_process on;\nworker_processes 1;\nuser root;\n"
            f"pid {tmp}/nginx.pid;\nerror_log stderr warn;\n"
            f"events {{ worker_connections 64; }}\n"
            f"http {{\n    access_log off;\n{temp}{site}\n}}\n")


class Nginx:
    def __init__(self, tmp, conf_text, port):
        self.tmp, self.port = tmp, port
        self.conf = os.path.join(tmp, "nginx.conf")
        with open(self.conf, "w") as f:
            f.write(conf_text)
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        T.check(os.path.exists(nginx), "nginx is not installed (scripts/install-deps.sh)")
        self.proc = subprocess.Popen([nginx, "-p", tmp, "-e", "stderr", "-c", self.conf],
                                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE)

    def wait_listening(self, timeout=10):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                T.fail(f"nginx exited: {self.proc.stderr.read().decode(errors='replace')}")
            try:
                socket.create_connection((T.HOST, self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.1)
        T.fail("nginx did not listen in time")

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)


def https_get(port, ctx, path, headers=""):
    """One request through TLS -> (status, headers, body)."""
    raw = socket.create_connection((T.HOST, port), timeout=10)
    with ctx.wrap_socket(raw, server_hostname=T.HOST) as s:
        s.sendall(f"GET {path} HTTP/1.1\r\nHost: {T.HOST}:{port}\r\n{headers}"
                  f"Connection: close\r\n\r\n".encode())
        data = b""
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    head = T.parse_http_head(data)
    T.check(head is not None, f"no response to {path}: {data[:200]!r}")
    return head[0], head[2], data[head[3]:]


async def stream_over_tls(port, ctx, headers, want_bundles=5):
    uri = f"wss://{T.HOST}:{port}/stream"
    async with websockets.connect(uri, ssl=ctx, max_size=None,
                                  extra_headers=headers) as ws:
        hello = json.loads(await T.recv_text(ws))
        T.check_eq(hello["type"], "hello", "hello through nginx")
        seqs = []
        for _ in range(want_bundles):
            b = T.parse_bundle(await T.recv_binary(ws), len(hello["cameras"]))
            seqs.append(b.bundle_seq)
        return seqs


async def refused_over_tls(port, ctx, headers):
    uri = f"wss://{T.HOST}:{port}/stream"
    try:
        async with websockets.connect(uri, ssl=ctx, extra_headers=headers):
            T.fail("the upgrade through nginx succeeded without the token")
    except websockets.exceptions.InvalidStatusCode as e:
        return e.status_code


def main(binary):
    tmp = tempfile.mkdtemp(prefix="camcast-tls-")
    cert, key = make_cert(tmp)
    token_path = os.path.join(tmp, "token")
    with open(token_path, "w") as f:
        f.write(TOKEN + "\n")
    os.chmod(token_path, 0o600)
    config = T.make_config({**T.server_section(), "token_file": token_path},
                           [("left", T.camera(320, 240, "Mono8", "scroll", grab_fps=60))])
    ctx = ssl.create_default_context(cafile=cert)
    with T.Daemon(binary, config) as d:
        port = free_port()
        nginx = Nginx(tmp, nginx_config(tmp, site_config(port, d.port, cert, key)), port)
        try:
            nginx.wait_listening()
            auth = {"Authorization": f"Bearer {TOKEN}"}
            seqs = asyncio.run(stream_over_tls(port, ctx, auth))
            T.check(all(b > a for a, b in zip(seqs, seqs[1:])), f"bundle_seq rises: {seqs}")
            T.log(f"wss:// through nginx with the token: hello and bundles {seqs}")

            status = asyncio.run(refused_over_tls(port, ctx, {}))
            T.check_eq(status, 401, "no token through nginx")
            own = {**auth, "Origin": f"https://{T.HOST}:{port}"}
            asyncio.run(stream_over_tls(port, ctx, own, want_bundles=1))
            status = asyncio.run(refused_over_tls(port, ctx, {
                **auth, "Origin": "https://evil.example"}))
            T.check_eq(status, 403, "a foreign origin through nginx")
            T.log("through nginx: 401 without the token; the proxy's own origin passes, "
                  "a foreign one gets 403")

            status, _, body = https_get(port, ctx, "/healthz")
            T.check_eq(status, 200, "/healthz through nginx")
            status, _, body = https_get(port, ctx, "/stats",
                                        f"Authorization: Bearer {TOKEN}\r\n")
            T.check_eq(status, 200, "/stats with the token through nginx")
            T.check_eq(json.loads(body)["totals"]["clients"], 0, "clients after they left")
        finally:
            nginx.stop()
        T.check_eq(d.stop(), 0, "exit status")
        T.check(TOKEN not in d.stderr_text(), "the token in camcastd's log")
    check_several(binary, tmp, cert, key, ctx)
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    T.run_main(main)
