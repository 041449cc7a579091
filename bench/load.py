"""Closed-loop HTTP load on 127.0.0.1: each client holds one keep-alive connection and sends its
next request as soon as it has read the previous answer.

Clients are threads spread over a few processes, so the load generator's own interpreter lock
does not cap the figures; on a small machine it still shares the CPU with the server, which the
report says.
"""

from __future__ import annotations

import http.client
import multiprocessing
import statistics
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

HOST = "127.0.0.1"


@dataclass(frozen=True)
class LoadResult:
    name: str
    path: str
    clients: int
    requests: int
    errors: int
    seconds: float
    rps: float
    p50_ms: float
    p95_ms: float
    p99_ms: float


class LoadGenerator:
    """`clients` concurrent clients over `processes` processes, started once for many runs."""

    def __init__(self, *, port: int, clients: int, processes: int):
        if clients % processes:
            raise ValueError("clients must split evenly over the processes")
        self.port = port
        self.clients = clients
        self.processes = processes
        self._pool = ProcessPoolExecutor(max_workers=processes, mp_context=multiprocessing.get_context("spawn"))

    def __enter__(self) -> LoadGenerator:
        return self

    def __exit__(self, *exc_info) -> None:
        self._pool.shutdown()

    def run(
        self, path: str, *, name: str, seconds: float, max_requests: int, headers: dict[str, str] | None = None
    ) -> LoadResult:
        """GET `path` until `seconds` have passed or `max_requests` were sent; only answers with
        status 200 count, anything else (or a connection error) is an error."""
        start_at = time.time() + 0.5  # every process starts together, once spawned
        per_client = max(1, max_requests // self.clients)
        jobs = [
            self._pool.submit(
                _client_process,
                self.port,
                path,
                headers or {},
                self.clients // self.processes,
                start_at,
                seconds,
                per_client,
            )
            for _ in range(self.processes)
        ]
        latencies: list[float] = []
        errors, started, finished = 0, [], []
        for job in jobs:
            process_latencies, process_errors, process_started, process_finished = job.result()
            latencies += process_latencies
            errors += process_errors
            started.append(process_started)
            finished.append(process_finished)
        elapsed = max(finished) - min(started)
        cuts = statistics.quantiles(latencies, n=100, method="inclusive") if len(latencies) > 1 else [0.0] * 99
        return LoadResult(
            name=name,
            path=path,
            clients=self.clients,
            requests=len(latencies),
            errors=errors,
            seconds=round(elapsed, 3),
            rps=round(len(latencies) / elapsed, 1),
            p50_ms=round(cuts[49] * 1000, 2),
            p95_ms=round(cuts[94] * 1000, 2),
            p99_ms=round(cuts[98] * 1000, 2),
        )


def _client_process(
    port: int, path: str, headers: dict[str, str], threads: int, start_at: float, seconds: float, per_client: int
) -> tuple[list[float], int, float, float]:
    """One process of clients: their latencies (seconds), errors, and when they started and ended."""
    time.sleep(max(0.0, start_at - time.time()))
    started = time.time()
    deadline = time.perf_counter() + seconds
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()

    def client() -> None:
        connection = http.client.HTTPConnection(HOST, port, timeout=30)
        mine: list[float] = []
        failed = 0
        for _ in range(per_client):
            if time.perf_counter() >= deadline:
                break
            sent = time.perf_counter()
            try:
                connection.request("GET", path, headers=headers)
                response = connection.getresponse()
                response.read()
            except (OSError, http.client.HTTPException):
                connection.close()  # the next request opens a new connection
                failed += 1
                continue
            if response.status == 200:
                mine.append(time.perf_counter() - sent)
            else:
                failed += 1
        connection.close()
        with lock:
            latencies.extend(mine)
            errors[0] += failed

    workers = [threading.Thread(target=client) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return latencies, errors[0], started, time.time()
