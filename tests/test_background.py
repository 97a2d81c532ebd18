"""Background work a long-lived process does soon, but never on the way to an answer."""

from __future__ import annotations

import threading
import time

from index.background import DelayedJob


def test_asked_work_waits_its_delay_and_runs_once() -> None:
    runs: list[float] = []
    job = DelayedJob(lambda: runs.append(time.perf_counter()), "test-job", delay_s=0.3)
    asked = time.perf_counter()
    job.request()
    job.request()  # asked again: still once
    assert job.started and not job.done and not runs
    assert job.wait(timeout=5)  # hurried: no longer waits the rest of the delay
    assert len(runs) == 1 and runs[0] - asked < 0.3
    job.request()
    assert job.wait(timeout=5) and len(runs) == 1


def test_unasked_work_never_runs() -> None:
    ran = threading.Event()
    job = DelayedJob(ran.set, "test-job", delay_s=0.01)
    time.sleep(0.05)
    assert not job.started and not ran.is_set()


def test_work_after_its_delay_runs_without_being_waited_for() -> None:
    ran = threading.Event()
    job = DelayedJob(ran.set, "test-job", delay_s=0.05)
    job.request()
    assert ran.wait(timeout=5) and job.done


def test_a_loaded_kernel_puts_the_long_lived_objects_out_of_the_collectors_reach() -> None:
    """numba's modules, the kernel and the index loaded by then live as long as the process: a
    full collection walking them stalled answers (80-90 ms each at a million passages)."""
    import gc

    from index.kernel_loader import KernelLoader

    before = gc.get_freeze_count()
    kept = [[n] for n in range(1000)]  # long-lived containers, as an index's structures are
    try:
        loader = KernelLoader(delay_s=0.0, load=lambda: lambda *args: args)
        assert loader.wait(timeout=5) is not None
        assert gc.get_freeze_count() >= before + len(kept)
    finally:
        gc.unfreeze()
