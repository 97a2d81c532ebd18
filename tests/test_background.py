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
