"""What an audit leaves on disk while it runs, removed even when the audit cannot remove it.

An audit spools its checked results to a folder of its own and writes its reports under
temporary names beside their targets. Its ``with`` blocks remove them on every way out but
one: SIGKILL (or a crash of the interpreter). For that one, :func:`start` forks a small
watcher before the audit begins: it keeps only a pipe from the audit (its standard streams go
to ``/dev/null``, so that it never holds the caller's terminal or pipe open), learns the paths
to remove through it, and removes the ones still there when the pipe ends, that is when the
audit's process is gone, however it went. It ignores the stopping signals (a closed terminal
sends SIGHUP to the whole process group) and ends at once after.

The spool folders live in one folder of the user's own under the temporary folder
(``kpcheck-UID``, mode 0700), named after the audit's process id; :func:`spool_folder` removes
those of processes that no longer run (a machine that lost power) before making a new one.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import tempfile
from pathlib import Path

_writer: int | None = None
_pid: int | None = None


def start() -> None:
    """Fork the watcher (once per process; not where there is no fork)."""
    global _writer, _pid
    if _writer is not None or not hasattr(os, "fork"):
        return
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the watcher process (tested through real audits)
        _watch(read, write)
    os.close(read)
    _writer, _pid = write, pid


def _watch(read: int, write: int) -> None:  # pragma: no cover - runs in the forked watcher
    try:
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT):
            signal.signal(sig, signal.SIG_IGN)
        os.close(write)
        null = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(null, fd)
        os.closerange(3, read)
        os.closerange(read + 1, 65536)
        os.setsid()  # out of the terminal's process group
        paths: set[str] = set()
        buffered = b""
        while True:
            block = os.read(read, 65536)
            if not block:
                break
            buffered += block
            *lines, buffered = buffered.split(b"\0")
            for line in lines:
                op, path = line[:1], os.fsdecode(line[1:])
                if op == b"+":
                    paths.add(path)
                else:
                    paths.discard(path)
        for path in paths:
            if os.path.isdir(path) and not os.path.islink(path):
                shutil.rmtree(path, ignore_errors=True)
                if os.path.basename(os.path.dirname(path)).startswith("kpcheck-"):
                    with contextlib.suppress(OSError):
                        os.rmdir(os.path.dirname(path))
            else:
                with contextlib.suppress(OSError):
                    os.unlink(path)
    finally:
        os._exit(0)


def _say(op: bytes, path: str | os.PathLike[str]) -> None:
    if _writer is None:
        return
    try:
        os.write(_writer, op + os.fsencode(os.path.abspath(path)) + b"\0")
    except OSError:  # the watcher is gone: nothing more to tell it
        pass


def watch(path: str | os.PathLike[str]) -> None:
    """Remove ``path`` (a file or a folder) should this process end without removing it."""
    _say(b"+", path)


def unwatch(path: str | os.PathLike[str]) -> None:
    """``path`` was removed or is kept (a report renamed into place): leave it alone."""
    _say(b"-", path)


def stop() -> None:
    """End the watcher now (it removes what is still listed) and wait for it."""
    global _writer, _pid
    if _writer is None:
        return
    with contextlib.suppress(OSError):
        os.close(_writer)
    if _pid is not None:
        with contextlib.suppress(OSError):
            os.waitpid(_pid, 0)
    _writer = _pid = None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def spool_folder() -> str:
    """A new spool folder of this process: in ``kpcheck-UID`` under the temporary folder
    (stale folders of processes gone removed first), or a plain temporary folder where that
    one is not the user's own. Raises OSError (a full or unwritable temporary folder)."""
    base = Path(tempfile.gettempdir()) / f"kpcheck-{os.getuid() if hasattr(os, 'getuid') else 'user'}"
    try:
        base.mkdir(mode=0o700, exist_ok=True)
        info = base.lstat()
        own = base.is_dir() and not base.is_symlink() and (not hasattr(os, "getuid") or info.st_uid == os.getuid())
    except OSError:
        own = False
    if not own:
        return tempfile.mkdtemp(prefix="kpcheck-audit-")
    for entry in base.iterdir():
        pid = entry.name.split("-")[1] if entry.name.startswith("audit-") and entry.name.count("-") >= 2 else ""
        if pid.isdigit() and int(pid) != os.getpid() and not _alive(int(pid)):
            shutil.rmtree(entry, ignore_errors=True)
    try:
        return tempfile.mkdtemp(prefix=f"audit-{os.getpid()}-", dir=base)
    except FileNotFoundError:  # another audit ending removed the empty folder just now
        base.mkdir(mode=0o700, exist_ok=True)
        return tempfile.mkdtemp(prefix=f"audit-{os.getpid()}-", dir=base)


def release(directory: str) -> None:
    """Remove a spool folder, and the user's ``kpcheck-UID`` folder when it is left empty."""
    shutil.rmtree(directory, ignore_errors=True)
    unwatch(directory)
    parent = Path(directory).parent
    if parent.name.startswith("kpcheck-"):
        with contextlib.suppress(OSError):
            parent.rmdir()  # only when empty: another audit's spool keeps it


__all__ = ["release", "spool_folder", "start", "stop", "unwatch", "watch"]
