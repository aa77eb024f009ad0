"""Faults of this machine, not of the site: a full or read-only disk, a folder the run may not
write, a file where a folder should be. They are named with the path in the run's status
(``newszone/local_fault``: the run is at least incomplete), so nobody goes looking at the site for them.
"""

from __future__ import annotations

import errno
import sqlite3
from pathlib import Path
from typing import Any

LOCAL_FAULT_STAT = "newszone/local_fault"
"""The first local fault of the run, in words with its path; ``.../count``: how many writes
failed on one."""

_WHAT = {
    errno.ENOSPC: "the disk is full",
    errno.EDQUOT: "the disk quota is used up",
    errno.EROFS: "the disk is read-only",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.ENOTDIR: "a file stands where a folder should be",
    errno.EISDIR: "a folder stands where a file should be",
    errno.EEXIST: "a file stands in the way",
    errno.EIO: "the disk reported an I/O error",
    errno.EFBIG: "a file grew past the size this machine allows",
}

_SQLITE = (  # what SQLite says -> the words for it
    ("database or disk is full", "the disk is full"),
    ("readonly database", "the archive is read-only"),
    ("disk i/o error", "the disk reported an I/O error"),
)


def local_fault(error: OSError, path: str | Path | None = None) -> str:
    """The fault in words, with the errno name and the path (the one the error names, when it
    names one: the folder in the way rather than the file that could not be made).

    >>> local_fault(OSError(errno.ENOSPC, "No space left on device"), "output/warc/a.warc.gz")
    'the disk is full (ENOSPC): output/warc/a.warc.gz'
    >>> local_fault(PermissionError(errno.EACCES, "Permission denied", "output/files/x"))
    'permission denied (EACCES): output/files/x'
    >>> local_fault(OSError("odd"), "f")
    'a local write failed (OSError: odd): f'
    """
    where = error.filename or path
    name = errno.errorcode.get(error.errno, "") if error.errno is not None else ""
    what = _WHAT.get(error.errno or -1)
    if what is None:
        detail = f"{error.strerror} ({name})" if name else f"{type(error).__name__}: {error}"
        what, name = f"a local write failed ({detail})", ""
    return f"{what}{f' ({name})' if name else ''}" + (f": {where}" if where is not None else "")


def sqlite_local_fault(error: sqlite3.Error, path: str | Path) -> str | None:
    """The local fault behind an SQLite error on the archive at ``path``, or None when the
    error is not one (a lock, damage...).

    >>> sqlite_local_fault(sqlite3.OperationalError("database or disk is full"), "a.sqlite")
    'the disk is full (SQLite: database or disk is full): a.sqlite'
    >>> sqlite_local_fault(sqlite3.OperationalError("attempt to write a readonly database"), "a.sqlite")
    'the archive is read-only (SQLite: attempt to write a readonly database): a.sqlite'
    >>> sqlite_local_fault(sqlite3.OperationalError("database is locked"), "a.sqlite") is None
    True
    """
    text = str(error)
    for said, what in _SQLITE:
        if said in text.lower():
            return f"{what} (SQLite: {text}): {path}"
    return None


def note_local_fault(stats: Any, fault: str) -> None:
    """Count a local fault in the run's stats (the first one is kept in words).

    >>> class Stats(dict):
    ...     def get_value(self, key): return self.get(key)
    ...     def set_value(self, key, value): self[key] = value
    ...     def inc_value(self, key, n=1): self[key] = self.get(key, 0) + n
    >>> stats = Stats()
    >>> note_local_fault(stats, "the disk is full (ENOSPC): a"); note_local_fault(stats, "b")
    >>> stats == {LOCAL_FAULT_STAT: "the disk is full (ENOSPC): a", LOCAL_FAULT_STAT + "/count": 2}
    True
    """
    if not stats.get_value(LOCAL_FAULT_STAT):
        stats.set_value(LOCAL_FAULT_STAT, fault)
    stats.inc_value(f"{LOCAL_FAULT_STAT}/count")
