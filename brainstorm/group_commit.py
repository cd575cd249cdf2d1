"""Group commit for an append-only file: many writes, few fsyncs.

A reply arrives as many small appends (its text, each idea as it completes). Writing each one
at once means a killed process loses none of them (the kernel has them); fsyncing each one
would cost a disk flush per idea and stall every stream sharing the event loop. So writes
that need not be durable yet are only *marked*: a background timer fsyncs them at most
`interval` seconds later, and a durable write (a reply's outcome) fsyncs everything before it
at once. A power cut loses at most the last `interval` of marked writes.
"""

from __future__ import annotations

import os
import threading

__all__ = ["GroupCommit"]


class GroupCommit:
    """Keeps one file descriptor's writes durable within ``interval`` seconds. The owner
    writes, then calls `wrote` (durable later) or `sync` (durable now), and `close` before
    closing the descriptor."""

    def __init__(self, fd: int, interval: float) -> None:
        self._fd: int | None = fd
        self.interval = interval
        self._lock = threading.Lock()
        self._unsynced = False
        self._timer: threading.Timer | None = None
        self.syncs = 0  # fsyncs done, for tests and benchmarks

    @property
    def pending(self) -> bool:
        """Something was written that is not fsynced yet."""
        return self._unsynced

    def wrote(self) -> None:
        """A write that may wait: fsync it within `interval`."""
        with self._lock:
            self._unsynced = True
            if self._timer is None and self._fd is not None:
                timer = threading.Timer(self.interval, self._timed_sync)
                timer.daemon = True
                self._timer = timer
                timer.start()

    def sync(self) -> None:
        """Make every write so far durable now (the caller's write included)."""
        with self._lock:
            if self._fd is None:
                return
            self._unsynced = False
            self.syncs += 1
            fd = self._fd
        os.fsync(fd)

    def close(self) -> None:
        """Make what is pending durable and stop the timer; the descriptor stays open (the
        owner closes it)."""
        while (timer := self._timer) is not None:
            timer.cancel()
            timer.join()
            with self._lock:
                if self._timer is timer:
                    self._timer = None
        if self._unsynced:
            self.sync()
        with self._lock:
            self._fd = None

    def _timed_sync(self) -> None:
        """Off the event loop: fsync a duplicate of the descriptor, so writes go on meanwhile
        and the owner cannot close it mid-fsync."""
        with self._lock:
            if not self._unsynced or self._fd is None:
                self._timer = None
                return
            fd = os.dup(self._fd)
            self._unsynced = False
            self.syncs += 1
        try:
            os.fsync(fd)
        except OSError:  # pragma: no cover - a failing disk: the next durable write raises
            self._unsynced = True
        finally:
            os.close(fd)
        with self._lock:
            self._timer = None
        if self._unsynced:
            self.wrote()  # written while this fsync ran
