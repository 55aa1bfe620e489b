"""A run lock that a killed run cannot leave behind.

``flock`` on ``<db>.lock``: the kernel releases it when the holder dies, however it dies,
so a lock left by a SIGKILLed run is simply free again. The file keeps the holder's pid
and start time for the message a second run prints.
"""

from __future__ import annotations

import fcntl
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import IO


class RunLocked(RuntimeError):
    """Another provwatch run holds the lock for this database."""


class RunLock:
    def __init__(self, db_path: str | Path) -> None:
        # the resolved path: the same database reached through a symlink or another
        # relative path is one lock
        self.path = Path(f"{Path(db_path).resolve()}.lock")
        self._file: IO[str] | None = None

    def acquire(self) -> None:
        file = open(self.path, "a+", encoding="utf-8")
        try:
            fcntl.flock(file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            file.seek(0)
            holder = file.read().strip() or "unknown holder"
            file.close()
            raise RunLocked(f"another provwatch run holds {self.path} ({holder})") from exc
        file.seek(0)
        file.truncate()
        file.write(f"pid {os.getpid()} since {datetime.now(UTC).isoformat(timespec='seconds')}")
        file.flush()
        self._file = file

    def release(self) -> None:
        if self._file is not None:
            fcntl.flock(self._file.fileno(), fcntl.LOCK_UN)
            self._file.close()
            self._file = None

    def __enter__(self) -> RunLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
