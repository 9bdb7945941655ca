"""Run a batch in chunks: in this process, in a local process pool, or on a Dask cluster.

The runs are split into chunks `(first_run, runs)` aligned on the engine's random-stream blocks.
A chunk's result depends only on the scenario, the seed, the policies and its run indices, so the
results are the same bit for bit whatever the number of workers, the chunk size or the scheduler.
Workers get a small `ScenarioRef` (file path plus YAML-path overrides; see `scenario_ref`) and load
and compile the scenario themselves, once per process; only results travel back. Chunks are yielded
in run order.

A chunk that fails is resubmitted (up to `retries` times); a local worker process that dies takes
the pool with it, so the pool is rebuilt and the chunks in flight are resubmitted. Dask reschedules
the tasks of a lost worker itself. Ctrl-C (KeyboardInterrupt) or `stop_event` stops submitting;
the chunks already finished are still yielded, then the interrupt propagates (or, for the event,
the iteration ends with `ChunkStream.complete` False).
"""

from __future__ import annotations

import signal
import threading
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any

from dilemma_sim.batch.scenario_ref import Overrides, ScenarioRef, load_with_overrides

__all__ = [
    "BLOCK",
    "DEFAULT_CHUNK_RUNS",
    "Chunk",
    "ChunkStream",
    "Overrides",
    "PolicySpec",
    "ScenarioRef",
    "concat_results",
    "load_with_overrides",
    "plan_chunks",
    "policy_spec",
    "run_chunk",
    "run_parallel",
]

BLOCK = 1024
"""Runs per random-stream block (mirrors the engine's `BLOCK`)."""
DEFAULT_CHUNK_RUNS = 65536

PolicySpec = tuple[tuple[str, str], ...]
"""(actor, strategy id or policy name) pairs, as given to `engine.build_policies`."""

_POLICIES: dict[tuple[ScenarioRef, PolicySpec], Any] = {}


def policy_spec(policies: Mapping[str, str] | PolicySpec | None) -> PolicySpec:
    """Policies as a hashable, picklable tuple."""
    if not policies:
        return ()
    items = policies.items() if isinstance(policies, Mapping) else policies
    return tuple(sorted((str(a), str(p)) for a, p in items))


def run_chunk(ref: ScenarioRef, seed: int, first_run: int, runs: int, policies: PolicySpec = ()) -> Any:
    """One chunk's `BatchResult` (the function workers run)."""
    from dilemma_sim.engine import build_policies
    from dilemma_sim.engine.simulate import run_chunk as engine_chunk

    cs = ref.compile()
    key = (ref, policies)
    built = _POLICIES.get(key)
    if built is None:
        built = _POLICIES[key] = build_policies(cs, dict(policies))
    return engine_chunk(cs, first_run, runs, seed, built)


def plan_chunks(runs: int, chunk_runs: int = DEFAULT_CHUNK_RUNS, first_run: int = 0) -> list[tuple[int, int]]:
    """Chunks `(first_run, runs)` covering `runs` runs; boundaries fall on block starts."""
    if runs < 0:
        raise ValueError("runs must be non-negative")
    size = max(BLOCK, -(-max(chunk_runs, 1) // BLOCK) * BLOCK)
    chunks = []
    start, end = first_run, first_run + runs
    while start < end:
        stop = min(end, (start // BLOCK) * BLOCK + size)
        chunks.append((start, stop - start))
        start = stop
    return chunks


@dataclass(frozen=True)
class Chunk:
    """One finished chunk."""

    first_run: int
    runs: int
    result: Any


def _ignore_sigint() -> None:
    """Workers leave Ctrl-C to the parent, which stops the batch and keeps finished chunks."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


class ChunkStream:
    """Iterates over the finished chunks of a batch in run order.

    `complete` is True once every chunk was yielded; `runs_done` counts the runs yielded.
    """

    def __init__(
        self,
        ref: ScenarioRef | Any,
        runs: int,
        seed: int,
        policies: Mapping[str, str] | PolicySpec | None = None,
        *,
        first_run: int = 0,
        workers: int = 1,
        chunk_runs: int = DEFAULT_CHUNK_RUNS,
        scheduler: str | Any | None = None,
        progress: Callable[[int], None] | None = None,
        stop_event: threading.Event | None = None,
        retries: int = 2,
        chunk_fn: Callable[..., Any] = run_chunk,
    ) -> None:
        self.ref = ref
        self.seed = int(seed)
        self.policies = policy_spec(policies)
        self.chunks = plan_chunks(runs, chunk_runs, first_run)
        self.workers = max(1, int(workers))
        self.scheduler = scheduler
        self.progress = progress
        self.stop_event = stop_event
        self.retries = retries
        self.chunk_fn = chunk_fn
        self.complete = False
        self.runs_done = 0
        self.resubmitted = 0
        """Chunks that were run again after a failure or a lost worker."""

    def __iter__(self) -> Iterator[Chunk]:
        if self.scheduler is not None:
            source = self._dask()
        elif self.workers > 1:
            source = self._pool()
        else:
            source = self._serial()
        for chunk in source:
            self.runs_done += chunk.runs
            if self.progress is not None:
                self.progress(chunk.runs)
            yield chunk
        self.complete = self.runs_done == sum(n for _, n in self.chunks) and not self._stopped()

    def _stopped(self) -> bool:
        return self.stop_event is not None and self.stop_event.is_set()

    # ------------------------------------------------------------------ in this process

    def _serial(self) -> Iterator[Chunk]:
        if isinstance(self.ref, ScenarioRef):
            run: Callable[[int, int], Any] = lambda first, n: self.chunk_fn(  # noqa: E731
                self.ref, self.seed, first, n, self.policies
            )
        else:  # a compiled scenario given directly (notebooks, tests)
            from dilemma_sim.engine import build_policies
            from dilemma_sim.engine.simulate import run_chunk as engine_chunk

            built = build_policies(self.ref, dict(self.policies))
            cs = self.ref
            run = lambda first, n: engine_chunk(cs, first, n, self.seed, built)  # noqa: E731
        for first, n in self.chunks:
            if self._stopped():
                return
            yield Chunk(first, n, run(first, n))

    # ------------------------------------------------------------------ local process pool

    def _pool(self) -> Iterator[Chunk]:
        if not isinstance(self.ref, ScenarioRef):
            raise TypeError("workers > 1 needs a ScenarioRef (the workers load the scenario themselves)")
        window = 2 * self.workers
        attempts = [0] * len(self.chunks)
        executor = ProcessPoolExecutor(self.workers, initializer=_ignore_sigint)
        running: dict[int, Future[Any]] = {}
        done: dict[int, Any] = {}
        next_submit = next_yield = 0

        def submit(i: int) -> None:
            first, n = self.chunks[i]
            running[i] = executor.submit(self.chunk_fn, self.ref, self.seed, first, n, self.policies)

        try:
            while next_yield < len(self.chunks):
                while next_submit < len(self.chunks) and next_submit - next_yield < window:
                    if self._stopped():
                        break
                    submit(next_submit)
                    next_submit += 1
                if next_yield in done:
                    first, n = self.chunks[next_yield]
                    yield Chunk(first, n, done.pop(next_yield))
                    next_yield += 1
                    continue
                if self._stopped():
                    yield from self._finished_in_order(running, done, next_yield)
                    return
                if not running:
                    return
                finished, _ = wait(list(running.values()), timeout=0.2, return_when=FIRST_COMPLETED)
                broken = False
                for i in [i for i, f in running.items() if f in finished]:
                    fut = running.pop(i)
                    exc = fut.exception()
                    if exc is None:
                        done[i] = fut.result()
                        continue
                    attempts[i] += 1
                    if attempts[i] > self.retries:
                        raise exc
                    self.resubmitted += 1
                    if isinstance(exc, BrokenProcessPool):
                        broken = True
                        running[i] = fut  # resubmitted below with the pool
                    else:
                        submit(i)
                if broken:
                    # a dead worker breaks the pool: every chunk in flight is lost; run them again
                    executor.shutdown(wait=False, cancel_futures=True)
                    executor = ProcessPoolExecutor(self.workers, initializer=_ignore_sigint)
                    for i in sorted(running):
                        submit(i)
        except KeyboardInterrupt:
            yield from self._finished_in_order(running, done, next_yield)
            raise
        finally:
            executor.shutdown(wait=False, cancel_futures=True)

    def _finished_in_order(
        self, running: Mapping[int, Future[Any]], done: dict[int, Any], start: int
    ) -> Iterator[Chunk]:
        """The chunks that finished, in run order (gaps allowed): what an interrupted batch keeps."""
        for i, fut in running.items():
            if i not in done and fut.done() and not fut.cancelled() and fut.exception() is None:
                done[i] = fut.result()
        for i in sorted(k for k in done if k >= start):
            first, n = self.chunks[i]
            yield Chunk(first, n, done.pop(i))

    # ------------------------------------------------------------------ Dask

    def _dask(self) -> Iterator[Chunk]:
        from dilemma_sim.executor.dask_client import connect_scheduler

        if not isinstance(self.ref, ScenarioRef):
            raise TypeError("a Dask scheduler needs a ScenarioRef (the workers load the scenario themselves)")
        client = connect_scheduler(self.scheduler)  # clean errors: no dask, unreachable, no worker
        own = client is not self.scheduler
        tag = uuid.uuid4().hex[:12]
        n_workers = max(1, len(client.scheduler_info().get("workers", {})))
        window = 2 * n_workers
        futures: dict[int, Any] = {}
        done: dict[int, Any] = {}
        next_submit = next_yield = 0
        try:
            while next_yield < len(self.chunks):
                while (
                    next_submit < len(self.chunks)
                    and next_submit - next_yield < window
                    and not self._stopped()
                ):
                    first, n = self.chunks[next_submit]
                    futures[next_submit] = client.submit(
                        self.chunk_fn,
                        self.ref,
                        self.seed,
                        first,
                        n,
                        self.policies,
                        key=f"dilemma-chunk-{tag}-{next_submit}",
                        retries=self.retries,
                        pure=False,
                    )
                    next_submit += 1
                if self._stopped():
                    yield from self._dask_finished(futures, done, next_yield)
                    return
                fut = futures.get(next_yield)
                if fut is None:
                    return
                try:
                    result = fut.result(timeout=0.2)
                except TimeoutError:
                    continue
                del futures[next_yield]
                first, n = self.chunks[next_yield]
                yield Chunk(first, n, result)
                next_yield += 1
        except KeyboardInterrupt:
            yield from self._dask_finished(futures, done, next_yield)
            raise
        finally:
            for fut in futures.values():
                fut.cancel()
            if own:
                client.close()

    def _dask_finished(self, futures: dict[int, Any], done: dict[int, Any], start: int) -> Iterator[Chunk]:
        for i, fut in list(futures.items()):
            if fut.status == "finished":
                done[i] = fut.result()
                del futures[i]
        for i in sorted(k for k in done if k >= start):
            first, n = self.chunks[i]
            yield Chunk(first, n, done.pop(i))


def concat_results(parts: Sequence[Any]) -> Any:
    """One `BatchResult` from chunk results in run order."""
    from dilemma_sim.engine.simulate import concat_results as concat

    if not parts:
        raise ValueError("no results to concatenate")
    return parts[0] if len(parts) == 1 else concat(list(parts))


def run_parallel(
    cs_ref: ScenarioRef | Any,
    runs: int,
    seed: int,
    policies: Mapping[str, str] | PolicySpec | None = None,
    *,
    workers: int = 1,
    chunk_runs: int = DEFAULT_CHUNK_RUNS,
    scheduler: str | Any | None = None,
    progress: Callable[[int], None] | None = None,
    stop_event: threading.Event | None = None,
    first_run: int = 0,
) -> Any:
    """The whole batch's `BatchResult`, computed chunk by chunk (see `ChunkStream`)."""
    stream = ChunkStream(
        cs_ref,
        runs,
        seed,
        policies,
        first_run=first_run,
        workers=workers,
        chunk_runs=chunk_runs,
        scheduler=scheduler,
        progress=progress,
        stop_event=stop_event,
    )
    return concat_results([c.result for c in stream])
