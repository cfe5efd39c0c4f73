"""A progress line for scans: files done, files/s, errors so far (stderr, terminals only)."""
from __future__ import annotations

import sys
import time
from typing import Callable, Optional


class Progress:
    """Counts files as chunks finish; redraws at most ten times a second."""

    def __init__(self, total: int, callback: Optional[Callable[[int, int, int], None]] = None,
                 stream=None):
        self.total = total
        self.done = 0
        self.errors = 0
        self.callback = callback
        self.stream = stream if stream is not None else sys.stderr
        self.draw = callback is None and getattr(self.stream, "isatty", lambda: False)()
        self.started = time.perf_counter()
        self.last_draw = 0.0

    def advance(self, files: int, errors: int = 0) -> None:
        self.done += files
        self.errors += errors
        if self.callback is not None:
            self.callback(self.done, self.total, self.errors)
        elif self.draw:
            now = time.perf_counter()
            if now - self.last_draw >= 0.1 or self.done == self.total:
                self.last_draw = now
                self._draw(now)

    def _draw(self, now: float) -> None:
        elapsed = max(now - self.started, 1e-9)
        width = 30
        filled = int(width * self.done / self.total) if self.total else width
        bar = "#" * filled + "-" * (width - filled)
        self.stream.write(f"\r[{bar}] {self.done:,}/{self.total:,} files  "
                          f"{self.done / elapsed:,.0f} files/s  {self.errors:,} errors")
        self.stream.flush()

    def finish(self, errors: int) -> None:
        self.errors = errors
        if self.draw:
            self._draw(time.perf_counter())
            self.stream.write("\n")
            self.stream.flush()
