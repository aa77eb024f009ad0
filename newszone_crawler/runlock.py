"""One run at a time per archive: an advisory lock file beside the SQLite database.

The lock is a ``flock`` on ``<archive>.lock``: the kernel releases it when the process ends,
however it ends, so a lock left by a killed run never blocks the next one. The file also
records who holds it (pid, start time), for the message a second run prints.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

EXIT_LOCKED = 75  # EX_TEMPFAIL: another run holds the archive; try again later
USAGE_ERROR_STAT = "newszone/usage_error"  # why the spider's arguments cannot be used


class LockFileError(OSError):
    """The lock file cannot be opened or locked (permissions, a read-only disk, a folder in
    its place...): ``str()`` names the file and the cause."""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class RunLock:
    """An exclusive, non-blocking lock on ``path``.

    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "archive.lock"
    >>> first, second = RunLock(path), RunLock(path)
    >>> first.acquire(), second.acquire()
    (True, False)
    >>> second.holder()["pid"] == os.getpid()
    True
    >>> first.release(); second.acquire()
    True
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._fd: int | None = None
        self.stale: dict[str, Any] | None = None

    def holder(self) -> dict[str, Any] | None:
        """Who wrote the lock file last (the holder, while it is held)."""
        try:
            return json.loads(self.path.read_text("utf-8") or "null")
        except (OSError, ValueError):
            return None

    def acquire(self) -> bool:
        """Take the lock; False when another process holds it, :class:`LockFileError` when the
        file cannot be opened or locked.

        >>> import tempfile
        >>> blocked = Path(tempfile.mkdtemp()) / "archive.lock"
        >>> blocked.mkdir()  # a folder where the file should be
        >>> RunLock(blocked).acquire()  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        newszone_crawler.runlock.LockFileError: cannot open the lock file .../archive.lock: Is a directory (EISDIR)
        """
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as error:
            reason = os_reason(error)
            raise LockFileError(f"cannot open the lock file {self.path}: {reason}") from error
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        except OSError as error:
            os.close(fd)
            raise LockFileError(f"cannot lock {self.path}: {os_reason(error)}") from error
        previous = self.holder()
        if previous and previous.get("pid") and previous.get("pid") != os.getpid():
            # the file outlived its run (killed, or ended without cleaning up)
            self.stale = {**previous, "alive": _alive(int(previous["pid"]))}
        os.ftruncate(fd, 0)
        info = {"pid": os.getpid(), "started_at": datetime.now(UTC).isoformat(timespec="seconds")}
        os.write(fd, json.dumps(info).encode())
        os.fsync(fd)
        self._fd = fd
        return True

    def release(self) -> None:
        """Give the lock up (the file stays; it is only a place to lock)."""
        if self._fd is not None:
            os.ftruncate(self._fd, 0)
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


def run_blocked(crawler: Any) -> str | None:
    """Why this run must not touch the archive or its outputs (its arguments are unusable,
    another run holds the lock, or the archive is unusable), or None: the crawler's
    ``archive.Archive`` knows, from its start-up.

    >>> from types import SimpleNamespace
    >>> from scrapy.utils.test import get_crawler
    >>> crawler = get_crawler(settings_dict={"NEWSZONE_DB": ""})
    >>> run_blocked(crawler) is None
    True
    >>> crawler.spider = SimpleNamespace(usage_error="unknown argument max_page='1'")
    >>> run_blocked(crawler)
    "unknown argument max_page='1'"
    """
    from .archive import archive_of

    return archive_of(crawler).blocked


def os_reason(error: OSError) -> str:
    """An OS error's cause in words, with its errno name.

    >>> import errno
    >>> os_reason(OSError(errno.ENOSPC, "No space left on device"))
    'No space left on device (ENOSPC)'
    """
    if error.errno is None:
        return f"{type(error).__name__}: {error}"
    name = errno.errorcode.get(error.errno, str(error.errno))
    return f"{error.strerror or error} ({name})"
