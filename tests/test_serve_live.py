"""The desk as a real uvicorn server on loopback: concurrent checks stay apart, guards hold on the wire.

No timing assertions: the load test checks that every one of 200 checks from 32 concurrent
clients succeeds with the right report; ``bench/bench_serve.py`` measures the latency.
"""

from __future__ import annotations

import http.client
import json
import socket
import threading
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import pytest
from conftest import ROOT, SERVE_TOKEN, start_desk, stop_desk

FIXTURES = sorted((ROOT / "fixtures" / "submissions").glob("*.json"))
LANGS = ("en", "ru", "kk")
CHECKS, CLIENTS = 200, 32


def post(url: str, path: str, body: bytes, headers: dict | None = None) -> tuple[int, str]:
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=120)
    try:
        conn.request("POST", path, body, {"content-type": "application/json", **(headers or {})})
        response = conn.getresponse()
        return response.status, response.read().decode()
    finally:
        conn.close()


def case(i: int) -> tuple[str, str]:
    return FIXTURES[i % len(FIXTURES)].name, LANGS[(i // len(FIXTURES)) % len(LANGS)]


def request(url: str, name: str, lang: str) -> tuple[int, str]:
    return post(url, f"/api/v1/check?lang={lang}&source={name}", (ROOT / "fixtures" / "submissions" / name).read_bytes())


def test_200_concurrent_checks_never_see_each_others_facts(desk_url):
    cases = [case(i) for i in range(CHECKS)]
    expected = {c: request(desk_url, *c) for c in sorted(set(cases))}  # one at a time first
    assert all(status == 200 for status, _ in expected.values())
    statuses = {json.loads(text)["results"][0]["status"] for _, text in expected.values()}
    assert statuses >= {"compliant", "invalid", "non_compliant"}  # the mix really differs
    start = threading.Barrier(CLIENTS)

    def client(k: int) -> list[tuple[tuple[str, str], int, str]]:
        start.wait()
        return [(cases[i], *request(desk_url, *cases[i])) for i in range(k, CHECKS, CLIENTS)]

    with ThreadPoolExecutor(CLIENTS) as pool:
        answers = [a for batch in pool.map(client, range(CLIENTS)) for a in batch]
    assert len(answers) == CHECKS
    wrong = [(c, status) for c, status, text in answers if (status, text) != expected[c]]
    assert not wrong, f"{len(wrong)} of {CHECKS} concurrent checks differ from the same check alone: {wrong[:5]}"


def test_a_body_streamed_past_1_mib_without_length_gets_413(desk_url):
    parts = urlsplit(desk_url)
    with socket.create_connection((parts.hostname, parts.port), timeout=60) as sock:
        sock.sendall(
            f"POST /api/v1/check HTTP/1.1\r\nHost: 127.0.0.1:{parts.port}\r\n"
            "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n".encode()
        )
        chunk = b" " * 65536
        try:
            for _ in range(40):  # 2.5 MiB offered; the server answers after the first MiB
                sock.sendall(b"%x\r\n" % len(chunk) + chunk + b"\r\n")
        except OSError:
            pass  # the server stopped reading: that is the point
        reply = b""
        while b"\r\n" not in reply:
            data = sock.recv(4096)
            if not data:
                break
            reply += data
    assert reply.startswith(b"HTTP/1.1 413"), reply[:200]


def test_a_declared_length_over_1_mib_gets_413_before_the_body(desk_url):
    parts = urlsplit(desk_url)
    with socket.create_connection((parts.hostname, parts.port), timeout=60) as sock:
        sock.sendall(
            f"POST /api/v1/check HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {1024 * 1024 + 1}\r\n"
            "Content-Type: application/json\r\n\r\n".encode()
        )
        assert sock.recv(4096).startswith(b"HTTP/1.1 413")


def test_a_foreign_host_is_refused_on_the_wire(desk_url):
    parts = urlsplit(desk_url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    conn.request("GET", "/healthz", headers={"Host": "rebind.attacker.example"})
    assert conn.getresponse().status == 421
    conn.close()


@pytest.fixture(scope="module")
def token_desk():
    proc, url = start_desk(env={"KPCHECK_TOKEN": SERVE_TOKEN})
    yield url
    stop_desk(proc)


def test_a_token_from_the_environment_guards_the_api(token_desk):
    body = (ROOT / "fixtures" / "submissions" / "compliant-export.json").read_bytes()
    assert post(token_desk, "/api/v1/check", body)[0] == 401
    status, text = post(token_desk, "/api/v1/check", body, {"authorization": f"Bearer {SERVE_TOKEN}"})
    assert status == 200 and json.loads(text)["results"][0]["status"] == "compliant"


def test_serve_with_a_register_records_and_cross_checks(tmp_path):
    url = str(tmp_path / "register.sqlite")
    from kpcheck.register.store import Register

    Register.open(url, create=True).close()  # the desk opens a register, it makes none (kpcheck register init)
    proc, desk = start_desk("--register", url, "--by", "desk 7")
    try:
        doc = json.loads((ROOT / "fixtures" / "submissions" / "compliant-export.json").read_text())
        status, text = post(desk, "/api/v1/check?record=true", json.dumps(doc).encode())
        assert status == 200 and json.loads(text)["results"][0]["status"] == "compliant"
        doc["id"] = "ANOTHER-SUBMISSION"
        status, text = post(desk, "/api/v1/check", json.dumps(doc).encode())
        assert status == 200
        assert "XREF-01" in [v["rule"] for v in json.loads(text)["results"][0]["violations"]]
    finally:
        stop_desk(proc)
