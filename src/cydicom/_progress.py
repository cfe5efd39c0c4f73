"""Scan progress: counts files as chunks finish, and a progress line for terminals."""
from __future__ import annotations

import sys
import time
from typing import Callable, Optional, TextIO


class ProgressLine:
    """A callable ``(done, total, errors)`` drawing one self-overwriting line on a terminal
    (files done, files/s, errors so far), at most ten times a second."""

    def __init__(self, stream: Optional[TextIO] = None):
        self.stream = stream if stream is not None else sys.stderr
        self.started = time.perf_counter()
        self.last_draw = 0.0
        self.drawn = False

    def __call__(self, done: int, total: int, errors: int) -> None:
        now = time.perf_counter()
        if now - self.last_draw < 0.1 and done < total:
            return
        self.last_draw = now
        elapsed = max(now - self.started, 1e-9)
        width = 30
        filled = int(width * done / total) if total else width
        bar = "#" * filled + "-" * (width - filled)
        self.stream.write(f"\r[{bar}] {done:,}/{total:,} files  {done / elapsed:,.0f} files/s  "
                          f"{errors:,} errors")
        self.stream.flush()
        self.drawn = True

    def finish(self) -> None:
        if self.drawn:
            self.stream.write("\n")
            self.stream.flush()


class Progress:
    """Counts finished files for ``scan``; reports to ``callback(done, total, errors)``."""

    def __init__(self, total: int, callback: Callable[[int, int, int], None]):
        self.total = total
        self.done = 0
        self.errors = 0
        self.callback = callback

    def advance(self, files: int, errors: int = 0) -> None:
        self.done += files
        self.errors += errors
        self.callback(self.done, self.total, self.errors)

    def finish(self, errors: int) -> None:
        """The final count, errors including those the fallback found."""
        self.errors = errors
        self.callback(self.total, self.total, errors)
        if isinstance(self.callback, ProgressLine):
            self.callback.finish()
