"""`bench.load.load`: closed-loop keep-alive clients against a real HTTP/1.1 server — every answer
read whole whether it has a length, chunks or a closing connection, every request counted once."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bench import load


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    connections: set[int] = set()  # noqa: RUF012 - shared by the test server's handlers
    seen: list[tuple[str, str, bytes]] = []  # noqa: RUF012

    def log_message(self, *args: object) -> None:  # quiet
        pass

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.connections.add(self.client_address[1])
        self.seen.append((self.path, self.headers.get("X-Client", ""), body))
        if self.path == "/chunked":
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for part in (b"hello, ", b"", b"world"):
                if part:
                    self.wfile.write(f"{len(part):x}\r\n".encode() + part + b"\r\n")
            self.wfile.write(b"0\r\n\r\n")
            return
        status = 404 if self.path == "/missing" else 201
        answer = b'{"echo": ' + body + b"}"
        self.send_response(status)
        self.send_header("Content-Length", str(len(answer)))
        if self.path == "/close":
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        self.wfile.write(answer)


@pytest.fixture
def server() -> Iterator[load.Server]:
    _Handler.connections, _Handler.seen = set(), []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield load.Server("127.0.0.1", httpd.server_address[1], ["test"])
    finally:
        httpd.shutdown()
        httpd.server_close()


def maker(path: str):  # noqa: ANN201
    def make(client: int, i: int) -> load.Request:
        return load.Request("POST", path, {"X-Client": str(client)}, str(i).encode())

    return make


def test_a_count_of_requests_is_sent_once_each_over_one_connection_per_client(server: load.Server) -> None:
    run = load.load(server, maker("/echo"), clients=3, count=30)
    assert (len(run.latencies), run.statuses, run.errors) == (30, {201: 30}, [])
    assert sorted(int(body) for _, _, body in _Handler.seen) == list(range(30))
    assert {client for _, client, _ in _Handler.seen} == {"0", "1", "2"}
    assert len(_Handler.connections) == 3  # keep-alive: one connection per client
    assert len(run.client_means) == 3
    assert run.summary()["requests"] == 30
    assert run.last_body.startswith(b'{"echo": ')


def test_chunked_answers_are_read_whole(server: load.Server) -> None:
    run = load.load(server, maker("/chunked"), clients=1, count=4)
    assert (run.statuses, run.last_body, len(_Handler.connections)) == ({200: 4}, b"hello, world", 1)


def test_a_connection_the_server_closes_is_opened_again(server: load.Server) -> None:
    run = load.load(server, maker("/close"), clients=2, count=6)
    assert (run.statuses, run.errors, len(run.latencies)) == ({201: 6}, [], 6)
    assert len(_Handler.connections) == 6  # a new connection for every request


def test_refusals_are_counted_and_the_first_kept(server: load.Server) -> None:
    run = load.load(server, maker("/missing"), clients=1, count=7)
    assert run.statuses == {404: 7}
    assert run.errors == ["404: b'{\"echo\": 0}'", *(f"404: b'{{\"echo\": {i}}}'" for i in range(1, 5))]
    assert run.summary()["ok"] == 0


def test_a_server_that_is_not_there_is_an_error_per_request_not_a_crash() -> None:
    gone = load.Server("127.0.0.1", load.free_port(), ["nothing"])
    run = load.load(gone, maker("/echo"), clients=2, count=4)
    assert (run.latencies, run.statuses, len(run.errors)) == ([], {}, 4)
    assert all(e.startswith("ConnectionRefusedError") for e in run.errors)


def test_a_timed_phase_stops_at_its_deadline(server: load.Server) -> None:
    run = load.load(server, maker("/echo"), clients=2, seconds=0.3)
    assert run.statuses == {201: len(run.latencies)}
    assert len(run.latencies) == len(_Handler.seen) > 0
    assert 0.3 <= run.seconds < 10  # it stopped: the clients do not run on past the phase


def test_seconds_or_count_not_both() -> None:
    with pytest.raises(ValueError, match="give seconds or count"):
        load.load(load.Server("127.0.0.1", 1, []), maker("/"), clients=1, seconds=1, count=1)


def test_pooled_runs_add_their_requests_statuses_clients_and_seconds(server: load.Server) -> None:
    a = load.load(server, maker("/echo"), clients=2, count=6)
    b = load.load(server, maker("/missing"), clients=1, count=3)
    pooled = load.Run.pooled([a, b])
    assert pooled.statuses == {201: 6, 404: 3}
    assert sorted(pooled.latencies) == sorted(a.latencies + b.latencies)
    assert len(pooled.client_means) == 3
    assert pooled.seconds == a.seconds + b.seconds
    assert pooled.errors == b.errors
    assert len(pooled.errors) == 3
    assert pooled.summary()["per_second"] == round(6 / (a.seconds + b.seconds), 1)
    assert pooled.last_body == b.last_body


def test_pooling_nothing_is_an_empty_run() -> None:
    pooled = load.Run.pooled([])
    assert (pooled.seconds, pooled.latencies, pooled.statuses, pooled.errors) == (0.0, [], {}, [])
    assert pooled.summary()["per_second"] == 0.0


def test_the_probe_runs_once_when_every_client_has_had_an_answer(server: load.Server) -> None:
    seen: list[int] = []

    def probe() -> list[int]:
        seen.append(len(_Handler.connections))
        return [7, 9]

    run = load.load(server, maker("/echo"), clients=3, count=30, probe=probe)
    assert (seen, run.split, run.summary()["connections_per_worker"]) == ([3], [7, 9], [7, 9])


def test_without_every_client_connected_the_probe_does_not_run() -> None:
    gone = load.Server("127.0.0.1", load.free_port(), ["nothing"])
    seen: list[int] = []
    run = load.load(gone, maker("/echo"), clients=2, count=4, probe=lambda: seen.append(1) or [1])
    assert (seen, run.split, len(run.errors)) == ([], [], 4)


@pytest.mark.skipif(shutil.which("ss") is None, reason="needs ss (iproute2)")
def test_connections_per_process_counts_the_server_side_of_each_connection(server: load.Server) -> None:
    # The test server runs in this process: its side of the 3 keep-alive connections is one owner's.
    run = load.load(
        server, maker("/echo"), clients=3, count=30, probe=partial(load.connections_per_process, server.port)
    )
    assert run.split == [3]
    assert load.connections_per_process(server.port) == []  # closed when the run ended
