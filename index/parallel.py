"""Build work spread over threads: numpy and zstd release the GIL, so on two cores two threads
each sorting, segmenting or compressing a part take about half the time of one."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

THREADS = 2  # one a core of the machine the build was measured on; more only adds memory in flight
T = TypeVar("T")


def in_order_threads(
    make: Callable[..., T], arguments: Iterable[tuple[Any, ...]], *, threads: int = THREADS
) -> Iterator[T]:
    """``make(*a)`` for each of ``arguments``, in order, computed ``threads`` at a time (for work
    that releases the GIL: numpy, zstd), never more than ``threads`` results ahead of the
    consumer, so that memory holds a few results, not all."""
    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="bm25-build") as pool:
        made: deque[Future[T]] = deque()
        for argument in arguments:
            made.append(pool.submit(make, *argument))
            if len(made) > threads:
                yield made.popleft().result()
        while made:
            yield made.popleft().result()
