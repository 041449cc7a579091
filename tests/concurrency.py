"""Real concurrent transactions for the PostgreSQL tests: one connection per thread, released together."""

import queue
import threading

from django.db import connections

# PostgreSQL accepts 100 connections here: 60 threads keep 60 transactions in flight at once.
THREADS = 60


def run_concurrently(actions: list) -> list:
    """Run the actions from THREADS threads, each with its own connection, all released together."""
    pending = queue.SimpleQueue()
    for index, action in enumerate(actions):
        pending.put((index, action))
    results: list = [None] * len(actions)
    errors: list[BaseException] = []
    workers = min(THREADS, len(actions))
    barrier = threading.Barrier(workers)

    def work():
        try:
            barrier.wait(timeout=60)
            while True:
                try:
                    index, action = pending.get_nowait()
                except queue.Empty:
                    return
                results[index] = action()
        except BaseException as error:  # noqa: BLE001 (reported by the test below)
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    return results
