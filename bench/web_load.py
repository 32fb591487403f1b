"""Load test: N concurrent keep-alive clients for T seconds against a real
`mlsysbook serve` on loopback, half the requests to the home page and half to an
authenticated page. Prints p50/p95/p99 latency, throughput and errors.

    python bench/web_load.py [--clients 50] [--duration 30] [--workers 1] [--think-ms 0]

The client is a minimal asyncio HTTP/1.1 client so that it costs the shared CPU as
little as possible; every response is read in full and checked for status 200.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from http.cookiejar import CookieJar

ROUTES = ("/", "/notes")  # public, then authenticated (session lookup + a query)


@dataclass
class Tally:
    latencies: dict[str, list[float]] = field(default_factory=lambda: {r: [] for r in ROUTES})
    errors: dict[str, int] = field(default_factory=dict)

    def error(self, what: str) -> None:
        self.errors[what] = self.errors.get(what, 0) + 1


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(
    port: int, workers: int, data_dir: str, database_url: str | None
) -> subprocess.Popen[bytes]:
    env = {**os.environ, "MLSYSBOOK_DATA_DIR": data_dir}
    env.pop("MLSYSBOOK_DATABASE_URL", None)
    if database_url:
        env["MLSYSBOOK_DATABASE_URL"] = database_url
    cmd = [
        sys.executable,
        "-m",
        "mlsysbook",
        "serve",
        "--port",
        str(port),
        "--workers",
        str(workers),
    ]
    proc = subprocess.Popen(cmd, env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1):
                return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("server did not start")


def logged_in_cookie(base: str) -> str:
    """Sign up through the real forms and return the session cookie header."""
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(base + "/signup").read().decode()
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token
    form = {
        "email": "load@example.org",
        "password": "load test password",
        "csrf_token": token.group(1),
    }
    opener.open(base + "/signup", urllib.parse.urlencode(form).encode()).read()
    me = json.load(opener.open(base + "/api/v1/me"))
    assert me["authenticated"], me
    for i in range(20):  # a realistic page: a list of notes
        req = urllib.request.Request(
            base + "/api/v1/notes",
            data=json.dumps({"title": f"note {i}", "body": "x" * 300}).encode(),
            headers={"content-type": "application/json", "X-CSRF-Token": me["csrf_token"]},
        )
        opener.open(req).read()
    return "; ".join(f"{c.name}={c.value}" for c in jar)


async def fetch(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, path: str, cookie: str
) -> int:
    writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: {cookie}\r\n\r\n".encode())
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = re.search(rb"(?i)content-length:\s*(\d+)", head)
    if length is None:
        raise RuntimeError("response without content-length")
    await reader.readexactly(int(length.group(1)))
    return status


async def client(port: int, cookie: str, until: float, think: float, tally: Tally, i: int) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    n = i  # clients start at different routes
    while time.monotonic() < until:
        path = ROUTES[n % len(ROUTES)]
        n += 1
        t0 = time.perf_counter()
        try:
            status = await fetch(reader, writer, path, cookie if path != "/" else "")
        except (OSError, asyncio.IncompleteReadError, RuntimeError) as e:
            tally.error(type(e).__name__)
            writer.close()
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            continue
        if status == 200:
            tally.latencies[path].append(time.perf_counter() - t0)
        else:
            tally.error(f"HTTP {status}")
        if think:
            await asyncio.sleep(think)
    writer.close()


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    return statistics.quantiles(values, n=1000, method="inclusive")[int(q * 10) - 1] * 1000


async def run(port: int, cookie: str, clients: int, duration: float, think: float) -> Tally:
    tally = Tally()
    until = time.monotonic() + duration
    await asyncio.gather(*(client(port, cookie, until, think, tally, i) for i in range(clients)))
    return tally


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--duration", type=float, default=30.0)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--think-ms", type=float, default=0.0, help="pause after each response")
    ap.add_argument("--database-url", default=None, help="default: SQLite in a temporary directory")
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    args = ap.parse_args()

    port = free_port()
    with tempfile.TemporaryDirectory() as data_dir:
        server = start_server(port, args.workers, data_dir, args.database_url)
        try:
            cookie = logged_in_cookie(f"http://127.0.0.1:{port}")
            asyncio.run(run(port, cookie, args.clients, 2.0, args.think_ms / 1000))  # warm-up
            tally = asyncio.run(
                run(port, cookie, args.clients, args.duration, args.think_ms / 1000)
            )
        finally:
            server.terminate()
            server.wait(timeout=15)

    every = [x for v in tally.latencies.values() for x in v]
    result = {
        "clients": args.clients,
        "duration_s": args.duration,
        "workers": args.workers,
        "think_ms": args.think_ms,
        "database": "postgresql" if args.database_url else "sqlite",
        "requests": len(every),
        "throughput_req_per_s": round(len(every) / args.duration, 1),
        "errors": sum(tally.errors.values()),
        "error_kinds": tally.errors,
        "all": {f"p{q}_ms": round(pct(every, q), 2) for q in (50, 95, 99)},
        **{
            route: {f"p{q}_ms": round(pct(v, q), 2) for q in (50, 95, 99)}
            for route, v in tally.latencies.items()
        },
    }
    if args.json:
        print(json.dumps(result))
        return
    print(
        f"{result['requests']} requests in {args.duration:.0f} s from {args.clients} clients "
        f"({result['throughput_req_per_s']} req/s, {args.workers} worker(s), {result['database']}, "
        f"think {args.think_ms:g} ms), errors: {result['errors']} {tally.errors or ''}"
    )
    print(f"{'route':<10}{'p50 ms':>10}{'p95 ms':>10}{'p99 ms':>10}")
    for name in ("all", *ROUTES):
        row = result[name]
        assert isinstance(row, dict)
        print(f"{name:<10}{row['p50_ms']:>10}{row['p95_ms']:>10}{row['p99_ms']:>10}")


if __name__ == "__main__":
    main()
