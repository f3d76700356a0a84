"""The worker pool that runs AR24 calls in parallel: order kept, AR24's refusals returned, not raised."""

import threading
import time

import pytest

from ar24.errors import AR24ApiError
from ar24.workers import AR24Workers


class Client:
    def __init__(self, made):
        made.append(threading.get_ident())


@pytest.mark.parametrize("concurrency", [1, 4])
def test_map_keeps_the_order_and_returns_refusals(concurrency):
    made = []

    def call(client, item):
        assert isinstance(client, Client)
        time.sleep(0.01 * (5 - item))  # the first items finish last
        if item == 2:
            raise AR24ApiError("attachment_too_big", "The file is too big.")
        return item * 10

    with AR24Workers(lambda: Client(made), concurrency) as workers:
        results = workers.map(call, range(5))
    assert [r if not isinstance(r, AR24ApiError) else r.slug for r in results] == [0, 10, "attachment_too_big", 30, 40]
    # one client per worker thread, never more
    assert len(made) == len(set(made)) <= concurrency


def test_other_exceptions_are_not_swallowed():
    with AR24Workers(lambda: Client([]), 2) as workers:
        future = workers.submit(lambda client, item: 1 / item, 0)
        with pytest.raises(ZeroDivisionError):
            future.result()


def test_submit_and_wait_some_overlap_calls():
    started = []

    def call(client, item):
        started.append(time.perf_counter())
        time.sleep(0.1)
        return item

    with AR24Workers(lambda: Client([]), 4) as workers:
        begin = time.perf_counter()
        pending = {workers.submit(call, i): i for i in range(4)}
        done = set()
        while pending:
            for future in workers.wait_some(pending):
                done.add(future.result())
                del pending[future]
        elapsed = time.perf_counter() - begin
    assert done == {0, 1, 2, 3}
    assert elapsed < 0.35, "four 0.1 s calls on four workers overlap"


def test_without_a_pool_submit_runs_at_once():
    with AR24Workers(lambda: Client([]), 1) as workers:
        future = workers.submit(lambda client, item: item + 1, 41)
        assert future.done() and future.result() == 42
