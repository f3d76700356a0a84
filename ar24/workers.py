"""Concurrent AR24 calls from Odoo: pure HTTP in worker threads, never the ORM."""

import threading
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait

from .errors import AR24Error


class AR24Workers:
    """``concurrency`` threads, each with its own AR24 client (one kept-alive HTTP session).

    ``map(func, items)`` returns, in order, ``func(client, item)`` or the AR24Error it raised,
    so that one refused letter never stops the others. Prepare the items (read records) in the
    calling thread: the workers must not touch the environment.
    """

    def __init__(self, factory, concurrency=1):
        self.factory = factory
        self.concurrency = max(1, concurrency)
        self.local = threading.local()
        self.pool = ThreadPoolExecutor(concurrency, thread_name_prefix="ar24") if concurrency > 1 else None

    def _client(self):
        client = getattr(self.local, "client", None)
        if client is None:
            client = self.local.client = self.factory()
        return client

    def _run(self, func, item):
        try:
            return func(self._client(), item)
        except AR24Error as exc:
            return exc

    def map(self, func, items):
        items = list(items)
        if self.pool is None or len(items) < 2:
            return [self._run(func, item) for item in items]
        return list(self.pool.map(lambda item: self._run(func, item), items))

    def submit(self, func, item):
        """A future of ``func(client, item)`` (or its AR24Error); run at once without a pool."""
        if self.pool is not None:
            return self.pool.submit(self._run, func, item)
        future = Future()
        future.set_result(self._run(func, item))
        return future

    @staticmethod
    def wait_some(futures):
        """The futures done so far, at least one: the caller records them and submits what follows."""
        done, _pending = wait(futures, return_when=FIRST_COMPLETED)
        return done

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        if self.pool:
            self.pool.shutdown(wait=True)
        return False
