"""Where tasks run: in this process, in a local process pool, or on an existing Dask cluster.

Every backend yields `(task index, value)` in task order, holding at most a window of tasks in
flight, so memory stays bounded and consumers can stream. When the stop flag is set, no new task
starts and the backend yields only the finished tasks that continue the run of yielded ones (a
stopped job list holds a prefix of its tasks, never a gap). A task that fails with an error of the
scenario (`DilemmaError`) fails the whole list at once; any other failure, or a worker process
that dies, gets the task run again (up to `retries` times).
"""

from __future__ import annotations

import signal
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import TYPE_CHECKING

from dilemma_sim.errors import DilemmaError
from dilemma_sim.executor.dask_client import connect_scheduler
from dilemma_sim.executor.jobs import TaskSpec
from dilemma_sim.executor.stop import StopFlag
from dilemma_sim.executor.worker import run_task

if TYPE_CHECKING:
    from distributed import Client
    from distributed import Future as DaskFuture

TaskFn = Callable[[TaskSpec], object]
POLL_SECONDS = 0.2
"""How often a waiting backend looks at the stop flag."""


def serial(specs: Sequence[TaskSpec], stop: StopFlag, fn: TaskFn = run_task) -> Iterator[tuple[int, object]]:
    """Tasks one after another in this process."""
    for i, spec in enumerate(specs):
        if stop.is_set():
            return
        yield i, fn(spec)


def _ignore_sigint() -> None:
    """Workers leave Ctrl-C to the parent, which decides what to keep."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def process_pool(
    specs: Sequence[TaskSpec], stop: StopFlag, workers: int, retries: int = 2, fn: TaskFn = run_task
) -> Iterator[tuple[int, object]]:
    """Tasks in `workers` local processes; a pool broken by a dead worker is rebuilt."""
    window = 2 * workers
    attempts = [0] * len(specs)
    pool = ProcessPoolExecutor(workers, initializer=_ignore_sigint)
    running: dict[int, Future[object]] = {}
    done: dict[int, object] = {}
    next_submit = next_yield = 0

    def submit(i: int) -> None:
        running[i] = pool.submit(fn, specs[i])

    try:
        while next_yield < len(specs):
            while not stop.is_set() and next_submit < len(specs) and next_submit - next_yield < window:
                submit(next_submit)
                next_submit += 1
            if next_yield in done:
                yield next_yield, done.pop(next_yield)
                next_yield += 1
                continue
            if not running:
                return  # stopped: nothing more will finish in order
            finished, _ = wait(list(running.values()), timeout=POLL_SECONDS, return_when=FIRST_COMPLETED)
            broken = False
            for i in sorted(i for i, f in running.items() if f in finished):
                fut = running.pop(i)
                exc = fut.exception()
                if exc is None:
                    done[i] = fut.result()
                    continue
                if isinstance(exc, DilemmaError):
                    raise exc
                attempts[i] += 1
                if attempts[i] > retries:
                    raise exc
                if isinstance(exc, BrokenProcessPool):
                    broken = True
                    running[i] = fut  # run again below, on a new pool
                else:
                    submit(i)
            if broken:
                pool.shutdown(wait=False, cancel_futures=True)
                pool = ProcessPoolExecutor(workers, initializer=_ignore_sigint)
                for i in sorted(running):
                    submit(i)
            if stop.is_set():  # tasks not yet started will not be needed
                for i in [i for i, f in running.items() if i > next_yield and f.cancel()]:
                    del running[i]
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


def dask(
    specs: Sequence[TaskSpec],
    stop: StopFlag,
    scheduler: str | Client,
    retries: int = 2,
    fn: TaskFn = run_task,
) -> Iterator[tuple[int, object]]:
    """Tasks on an existing Dask cluster (it reschedules the tasks of a lost worker itself)."""
    own = isinstance(scheduler, str)
    client = connect_scheduler(scheduler)
    tag = uuid.uuid4().hex[:12]
    window = 2 * max(1, len(client.scheduler_info().get("workers", {})))
    futures: dict[int, DaskFuture[object]] = {}
    next_submit = next_yield = 0
    try:
        while next_yield < len(specs):
            while not stop.is_set() and next_submit < len(specs) and next_submit - next_yield < window:
                futures[next_submit] = client.submit(
                    fn,
                    specs[next_submit],
                    key=f"dilemma-task-{tag}-{next_submit}",
                    retries=retries,
                    pure=False,
                )
                next_submit += 1
            fut = futures.get(next_yield)
            if fut is None:
                return
            if stop.is_set() and fut.status != "finished":
                return
            try:
                value = fut.result(timeout=POLL_SECONDS)
            except TimeoutError:
                continue
            del futures[next_yield]
            yield next_yield, value
            next_yield += 1
    finally:
        for f in futures.values():
            f.cancel()  # type: ignore[no-untyped-call]  # distributed leaves Future.cancel unannotated
        if own:
            client.close()  # type: ignore[no-untyped-call]  # distributed leaves Client.close unannotated
