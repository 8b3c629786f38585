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

Workers die with their parent, however it ends (issue 25): on Linux the kernel kills them
(``prctl(PR_SET_PDEATHSIG)``); everywhere, a thread in each worker watches a pipe whose only
writer is the parent and ends the worker when it reads end-of-file. The stopping signals are
blocked while a worker is forked, so that none lands before the worker has set its own; a
pool interrupted while it starts stops the workers it started. Workers start as tasks need
them: a pool never has more workers than tasks in flight.
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import os
import signal
import sys
import threading
import traceback
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from multiprocessing.connection import Connection, wait
from typing import Any

STOP = None
JOIN_SECONDS = 5.0
MAX_JOBS = 64  # and at most JOBS_PER_CORE per core: beyond it, a mistake (KPCHECK_JOBS=100000)
JOBS_PER_CORE = 4
_STOPPING = tuple(getattr(signal, n) for n in ("SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT") if hasattr(signal, n))
_PR_SET_PDEATHSIG = 1


def max_jobs() -> int:
    """The most worker processes an audit takes: JOBS_PER_CORE per core, MAX_JOBS at most."""
    return min(MAX_JOBS, JOBS_PER_CORE * cpu_count())


def jobs_problem(jobs: int) -> str | None:
    """Why ``jobs`` worker processes are refused, or None."""
    if jobs < 1:
        return f"{jobs} is not a number of worker processes (1 or more)"
    if jobs > max_jobs():
        return (
            f"{jobs} worker processes is more than this machine can use: at most {max_jobs()} "
            f"({JOBS_PER_CORE} per core of its {cpu_count()}, {MAX_JOBS} at most); by default every core works"
        )
    return None


def _die_with_parent(lifeline: int | None) -> None:
    """The worker ends when its parent does: the kernel's parent-death signal on Linux, and a
    thread reading the parent's lifeline pipe (end-of-file: the parent is gone) everywhere."""
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass
    if lifeline is None:
        return

    def watch() -> None:
        try:
            while os.read(lifeline, 1):
                pass
        except OSError:
            pass
        os._exit(1)

    threading.Thread(target=watch, name="kpcheck-lifeline", daemon=True).start()


class WorkerLost(RuntimeError):
    """A worker process ended while it held a task."""


class WorkerFailed(RuntimeError):
    """A task raised an exception inside a worker."""


def _serve(
    conn: Connection, work: Callable[[Any], Any], inherited: list[Connection], lifeline: tuple[int, int] | None = None, parent: int = 0
) -> None:
    for other in inherited:  # the main process's ends of earlier workers' pipes, copied by fork
        other.close()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for sig in _STOPPING[1:]:
        signal.signal(sig, signal.SIG_DFL)
    if lifeline is not None:
        os.close(lifeline[1])  # the parent's end: only the parent may hold it open
    _die_with_parent(lifeline[0] if lifeline is not None else None)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOPPING)
    if parent and os.getppid() != parent:  # the parent died before the watch began
        os._exit(1)
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            return
        if task is STOP:
            return
        try:
            reply = ("ok", work(task))
        except OSError as exc:  # a full disk or folder: the reason, not a traceback
            where = f" ({exc.filename})" if exc.filename else ""
            reply = ("failed", f"{exc.strerror or exc}{where}")
        except Exception as exc:
            plain = getattr(exc, "plain", False)  # a message meant for the user as it is
            reply = ("failed", str(exc) if plain else f"{type(exc).__name__}: {exc}\n{traceback.format_exc()}")
        conn.send(reply)


class _Worker:
    def __init__(self, context: Any, work: Callable[[Any], Any], earlier: list[_Worker], lifeline: tuple[int, int] | None):
        self.conn, child = context.Pipe()
        forked = context.get_start_method() == "fork"
        inherited = [w.conn for w in earlier] if forked else []
        args = (child, work, inherited, lifeline if forked else None, os.getpid())
        self.process = context.Process(target=_serve, args=args, daemon=True)
        blocked = hasattr(signal, "pthread_sigmask")
        if blocked:  # no stopping signal lands in the worker before it has set its own handlers
            previous = signal.pthread_sigmask(signal.SIG_BLOCK, _STOPPING)
        try:
            self.process.start()
        finally:
            if blocked:
                signal.pthread_sigmask(signal.SIG_SETMASK, previous)
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

    def __init__(
        self,
        jobs: int,
        work: Callable[[Any], Any],
        describe: Callable[[Any], str] = repr,
        window: int | None = None,
        lazy: bool = False,
    ):
        """``lazy``: start a worker only when a task finds every started one busy (the work
        bounds the pool), else all ``jobs`` now (the pass-2 workers inherit what is set now)."""
        self.method = "fork" if can_fork() else "spawn"
        self.context = multiprocessing.get_context(self.method)
        self.work = work
        self.jobs = min(jobs, max_jobs())
        self.workers: list[_Worker] = []
        self.lifeline: tuple[int, int] | None = os.pipe() if self.method == "fork" else None
        self.window = window or 2 * self.jobs
        self.describe = describe
        self.clean = False
        try:
            self._start(1 if lazy else self.jobs)
        except BaseException:  # interrupted while starting: no worker is left behind
            self.close(graceful=False)
            raise

    def _start(self, count: int) -> None:
        thawed = not gc.get_freeze_count()
        if self.method == "fork":  # the workers' collections leave what they inherit (and its pages) alone,
            gc.freeze()  # also what was made since a batch froze the collector (pass 2's index)
        try:
            for _ in range(count):
                self.workers.append(_Worker(self.context, self.work, self.workers, self.lifeline))
        finally:
            if self.method == "fork" and thawed:
                gc.unfreeze()

    def _idle(self) -> _Worker:
        """The least busy worker, a new one when every started worker is busy and there is room."""
        worker = min(self.workers, key=lambda w: len(w.held))
        if worker.held and len(self.workers) < self.jobs:
            try:
                self._start(1)
            except BaseException:
                self.close(graceful=False)
                raise
            return self.workers[-1]
        return worker

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
        if self.lifeline is not None:
            for fd in self.lifeline:
                with contextlib.suppress(OSError):
                    os.close(fd)
            self.lifeline = None

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
                worker = self._idle()
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
