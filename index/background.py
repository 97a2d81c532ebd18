"""Work a long-lived process should do soon, but never on the way to an answer.

A one-question ``citebot ask`` exits within a second of its answer; the bot and a library user's
loop live on. So such work (loading the compiled kernel, filling in the rest of the postings) is
asked for when a query shows it would pay, starts after a delay longer than a one-shot question
lives, and runs in a daemon thread, which a process exiting meanwhile does not wait for. ``wait``
starts it at once and waits (the benchmark, the tests).
"""

from __future__ import annotations

import threading
from collections.abc import Callable

# How long a process must live after asking before the work starts: longer than a one-shot CLI
# question takes to be answered and printed.
DELAY_S = 1.0


class DelayedJob:
    """``work`` run once, in a background thread, ``delay_s`` after it is first asked for."""

    def __init__(self, work: Callable[[], None], name: str, *, delay_s: float = DELAY_S) -> None:
        self._work, self._name, self._delay_s = work, name, delay_s
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._hurry = threading.Event()  # cuts the delay short
        self._done = threading.Event()

    @property
    def started(self) -> bool:
        return self._thread is not None

    @property
    def done(self) -> bool:
        return self._done.is_set()

    def request(self) -> None:
        """Start the work after the delay, unless it is started already."""
        if self._thread is None:
            self._start()

    def wait(self, timeout: float | None = None) -> bool:
        """Start the work now (no delay) and wait for it; whether it is done."""
        self._hurry.set()
        self._start()
        return self._done.wait(timeout)

    def _start(self) -> None:
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
                self._thread.start()

    def _run(self) -> None:
        self._hurry.wait(self._delay_s)
        try:
            self._work()
        finally:
            self._done.set()
