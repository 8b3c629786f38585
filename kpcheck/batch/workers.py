"""Worker processes for a batch audit: tasks in, results out in input order, no lost worker unseen.

A :class:`WorkerPool` starts ``jobs`` processes (forked where the system can, so that they
inherit the loaded checker; one engine per process). Each has a pipe of its own and runs one
task at a time; the pool keeps at most ``window`` tasks in flight, so memory stays flat
however long the input, and hands results back in the order the tasks were given.

A worker that dies (killed, or crashed inside the C engine) is seen at once through its
process sentinel: :class:`WorkerLost` names it and the task it held. An exception inside a
task comes back as :class:`WorkerFailed`. Closing the pool (always, by ``with``) stops
every worker, also on Ctrl-C or SIGTERM in the main process; workers ignore SIGINT so that
only the main process decides.
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import os
import signal
import threading
import traceback
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from multiprocessing.connection import Connection, wait
from typing import Any

STOP = None
JOIN_SECONDS = 5.0


class WorkerLost(RuntimeError):
    """A worker process ended while it held a task."""


class WorkerFailed(RuntimeError):
    """A task raised an exception inside a worker."""


def _serve(conn: Connection, work: Callable[[Any], Any], inherited: list[Connection]) -> None:
    for other in inherited:  # the main process's ends of earlier workers' pipes, copied by fork
        other.close()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            return
        if task is STOP:
            return
        try:
            reply = ("ok", work(task))
        except Exception as exc:
            reply = ("failed", f"{type(exc).__name__}: {exc}\n{traceback.format_exc()}")
        conn.send(reply)


class _Worker:
    def __init__(self, context: Any, work: Callable[[Any], Any], earlier: list[_Worker]):
        self.conn, child = context.Pipe()
        inherited = [w.conn for w in earlier] if context.get_start_method() == "fork" else []
        self.process = context.Process(target=_serve, args=(child, work, inherited), daemon=True)
        self.process.start()
        child.close()
        self.held: deque[int] = deque()  # sequence numbers of the tasks sent, oldest first

    def stop(self) -> None:
        try:
            self.conn.send(STOP)
        except OSError:
            pass

    def end(self, timeout: float) -> None:
        self.process.join(timeout)
        if self.process.is_alive():
            self.process.terminate()
            self.process.join(JOIN_SECONDS)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        self.conn.close()


class WorkerPool:
    """``jobs`` worker processes running ``work`` on tasks; use as a context manager."""

    def __init__(self, jobs: int, work: Callable[[Any], Any], describe: Callable[[Any], str] = repr, window: int | None = None):
        method = "fork" if can_fork() else "spawn"
        context = multiprocessing.get_context(method)
        self.workers: list[_Worker] = []
        thawed = not gc.get_freeze_count()
        if method == "fork":  # the workers' collections leave what they inherit (and its pages) alone,
            gc.freeze()  # also what was made since a batch froze the collector (pass 2's index)
        try:
            for _ in range(jobs):
                self.workers.append(_Worker(context, work, self.workers))
        finally:
            if method == "fork" and thawed:
                gc.unfreeze()
        self.window = window or 2 * jobs
        self.describe = describe
        self.clean = False

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close(graceful=exc[0] is None)

    def close(self, graceful: bool = True) -> None:
        """Stop every worker: asked to finish when all went well, terminated otherwise."""
        for worker in self.workers:
            if graceful:
                worker.stop()
            elif worker.process.is_alive():
                worker.process.terminate()
        for worker in self.workers:
            worker.end(JOIN_SECONDS if graceful else 0.1)

    def map(self, tasks: Iterable[Any]) -> Iterator[Any]:
        """Each task's result, in the order of the tasks; raises WorkerLost or WorkerFailed."""
        pending = iter(tasks)
        given: dict[int, Any] = {}  # in flight: sequence -> task (for messages)
        done: dict[int, Any] = {}
        sent = yielded = 0
        exhausted = False
        while True:
            while not exhausted and sent - yielded < self.window:
                task = next(pending, STOP)
                if task is STOP:
                    exhausted = True
                    break
                worker = min(self.workers, key=lambda w: len(w.held))
                worker.held.append(sent)
                given[sent] = task
                try:
                    worker.conn.send(task)
                except OSError:
                    self._lost(worker, given)
                sent += 1
            while yielded in done:
                result = done.pop(yielded)
                given.pop(yielded, None)
                yielded += 1
                yield result
            if exhausted and yielded == sent:
                return
            if sent - yielded < self.window and not exhausted:
                continue  # room again: send before waiting
            self._collect(given, done)

    def _collect(self, given: dict[int, Any], done: dict[int, Any]) -> None:
        busy = [w for w in self.workers if w.held]
        ready = wait([w.conn for w in busy] + [w.process.sentinel for w in busy])
        for worker in busy:
            if worker.conn in ready:
                try:
                    status, value = worker.conn.recv()
                except (EOFError, OSError):
                    self._lost(worker, given)
                seq = worker.held.popleft()
                if status != "ok":
                    raise WorkerFailed(f"{self.describe(given[seq])}: {value}")
                done[seq] = value
            elif worker.process.sentinel in ready:
                self._lost(worker, given)

    def _lost(self, worker: _Worker, given: dict[int, Any]) -> None:
        worker.process.join(0.1)
        code = worker.process.exitcode
        how = f"was killed by signal {-code}" if code is not None and code < 0 else f"ended (exit code {code})"
        task = self.describe(given[worker.held[0]]) if worker.held else "no task"
        raise WorkerLost(f"a worker process (pid {worker.process.pid}) {how} while checking {task}")


YOUNG_COLLECTION = 20_000


class _Collector:
    """The collector's settings from before the batches that are running, and how many run."""

    lock = threading.Lock()
    running = 0
    threshold: tuple[int, int, int] = (700, 10, 10)
    thawed = False


@contextlib.contextmanager
def batch_collections() -> Iterator[None]:
    """The garbage collector set for a batch, restored after it. What is loaded before (the
    rulebook, the registers, the compiled code) is frozen out of every collection; the young
    generation is collected every YOUNG_COLLECTION allocations instead of 700. A checked
    submission allocates dozens of containers (models, facts, findings) and no cycles worth
    the hunt, so the default collected every few submissions, walking whatever the batch held
    at the time: about a tenth of an audit's CPU went there. Forked workers inherit the
    setting. Batches may overlap and end in any order (``rules impact`` runs two audits side
    by side): the first to start sets the collector, the last to end restores it."""
    with _Collector.lock:
        if not _Collector.running:
            _Collector.threshold, _Collector.thawed = gc.get_threshold(), not gc.get_freeze_count()
            gc.freeze()
            gc.set_threshold(YOUNG_COLLECTION, *_Collector.threshold[1:])
        _Collector.running += 1
    try:
        yield
    finally:
        with _Collector.lock:
            _Collector.running -= 1
            if not _Collector.running:
                gc.set_threshold(*_Collector.threshold)
                if _Collector.thawed:
                    gc.unfreeze()


def can_fork() -> bool:
    """Whether workers can be forked (and so inherit what the main process holds)."""
    return "fork" in multiprocessing.get_all_start_methods()


def cpu_count() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
