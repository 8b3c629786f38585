"""Benchmark of the desk's API: checks from concurrent clients against a real `kpcheck serve`.

    python bench/bench_serve.py [--checks 200] [--clients 32] [--engine durable|python]

Starts `kpcheck serve` on a free loopback port, sends --checks `POST /api/v1/check` requests
(the shipped fixtures in turn) from --clients threads, each on its own connection, and prints
the throughput and the p50/p95/max latency as a client sees it. Every answer must be 200;
numbers, not assertions.
"""

from __future__ import annotations

import argparse
import http.client
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = sorted((ROOT / "fixtures" / "submissions").glob("*.json"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(port: int, engine: str | None, log) -> subprocess.Popen:
    cmd = [sys.executable, "-c", "from kpcheck.cli.main import main; main()", "serve", "--port", str(port)]
    cmd += ["--engine", engine] if engine else []
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=log)
    for _ in range(600):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                return proc
        except OSError:
            if proc.poll() is not None:
                raise SystemExit(f"kpcheck serve exited {proc.returncode}") from None
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("kpcheck serve did not start")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--checks", type=int, default=200)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--engine", choices=["durable", "python"])
    args = parser.parse_args()
    bodies = [p.read_bytes() for p in FIXTURES]
    port = free_port()
    with tempfile.TemporaryFile() as log:
        proc = start(port, args.engine, log)
        try:
            latencies, failures = run(port, bodies, args.checks, args.clients)
        finally:
            proc.terminate()
            proc.wait(timeout=20)
    report(latencies, failures, args)


def run(port: int, bodies: list[bytes], checks: int, clients: int) -> tuple[list[float], int]:
    barrier = threading.Barrier(clients)

    def client(k: int) -> list[tuple[float, int]]:
        barrier.wait()
        out = []
        for i in range(k, checks, clients):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            began = time.perf_counter()
            conn.request("POST", "/api/v1/check", bodies[i % len(bodies)], {"content-type": "application/json"})
            response = conn.getresponse()
            response.read()
            out.append((time.perf_counter() - began, response.status))
            conn.close()
        return out

    began = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        answers = [a for batch in pool.map(client, range(clients)) for a in batch]
    run.elapsed = time.perf_counter() - began  # type: ignore[attr-defined]
    return [t for t, _ in answers], sum(1 for _, status in answers if status != 200)


def report(latencies: list[float], failures: int, args: argparse.Namespace) -> None:
    ms = [t * 1000 for t in latencies]
    elapsed = run.elapsed  # type: ignore[attr-defined]
    print(
        f"kpcheck serve, {args.checks} checks from {args.clients} concurrent clients "
        f"(engine {args.engine or 'default'}, {os.cpu_count()} cores)"
    )
    print(f"  answered: {len(ms)}, not 200: {failures}")
    print(f"  throughput: {len(ms) / elapsed:,.0f} checks/s over {elapsed:.2f} s")
    print(f"  latency ms: p50 {statistics.median(ms):.1f}  p95 {percentile(ms, 0.95):.1f}  max {max(ms):.1f}")


if __name__ == "__main__":
    main()
