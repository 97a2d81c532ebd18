"""The compiled query kernel (``index/bm25_kernel.py``), loaded off the query path.

Importing numba and loading the kernel from its on-disk cache takes about 0.3 s of a fresh process;
compiling it the first time ever, several seconds. Neither may delay an answer, and a one-question
``citebot ask`` should not pay for it at all. So the scorer answers with its numpy path until the
kernel is ready, and asks for the kernel only when a query is big enough to gain from it; the
loader then waits a moment (a process that answers one question and exits is gone by then) and
loads it in a background thread (``index.background.DelayedJob``). A long-lived process (the bot,
a library user's loop) has it a second or so after its first big query; ``wait`` loads it at once
(the benchmark, the tests).
Without numba, or when numba can cache nowhere, the numpy path goes on serving, silently.
"""

from __future__ import annotations

import gc
import logging
import time
from collections.abc import Callable

from index.background import DELAY_S, DelayedJob

log = logging.getLogger(__name__)

# The kernel's top_k: writes a query's best passages and scores into its last two arguments, says how many.
KernelTopK = Callable[..., int]


def _import_kernel() -> KernelTopK:
    from index import bm25_kernel

    top_k: KernelTopK = bm25_kernel.top_k
    return top_k


class KernelLoader:
    """Loads the kernel once, in a background thread, when first asked to (after ``delay_s``)."""

    def __init__(self, *, delay_s: float = DELAY_S, load: Callable[[], KernelTopK] = _import_kernel) -> None:
        self._load = load
        self._job = DelayedJob(self._run, "citebot-bm25-kernel", delay_s=delay_s)
        self._kernel: KernelTopK | None = None
        self.load_s: float | None = None  # how long the import (and compile or cache load) took

    def ready(self) -> KernelTopK | None:
        """The kernel if it is loaded, without asking for it."""
        return self._kernel

    def request(self) -> KernelTopK | None:
        """The kernel if it is loaded; if not, start loading it (after the delay) and say None."""
        if self._kernel is None:
            self._job.request()
        return self._kernel

    def wait(self, timeout: float | None = None) -> KernelTopK | None:
        """Load the kernel now (no delay) and wait for it; None if it cannot be had in time."""
        self._job.wait(timeout)
        return self._kernel

    def _run(self) -> None:
        started = time.perf_counter()
        try:
            self._kernel = self._load()
            # numba's modules and the compiled kernel live as long as the process, and so do the
            # index's structures loaded by now: moved out of the cyclic collector's reach, so that
            # its full collections (80-90 ms each over them at a million passages) do not stall
            # answers. Objects freed later by reference counting are freed as before; a reference
            # cycle among objects made before this point is never collected (process-wide).
            gc.freeze()
        except ImportError as err:
            log.debug("bm25_kernel=unavailable reason=%r", err)
        except Exception as err:  # numba can fail in many ways (no cache directory, no LLVM): not ours
            log.info("bm25_kernel=unavailable reason=%r", err)
        finally:
            self.load_s = time.perf_counter() - started

    def __repr__(self) -> str:
        state = "ready" if self._kernel else "loading" if self._job.started else "idle"
        return f"KernelLoader({state})"


# One per process: compiled code, like an imported module, is loaded once and shared by every
# scorer (an index reopened after a reindex does not load it again).
SHARED = KernelLoader()
