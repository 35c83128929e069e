"""A progress bar on stderr, shown only on a terminal and only once a run proves long."""

from __future__ import annotations

import sys
import time

DELAY_SECONDS = 1.0


class Progress:
    def __init__(self, total: int, enabled: bool, delay: float = DELAY_SECONDS) -> None:
        self.total = total
        self.enabled = enabled and sys.stderr.isatty()
        self.delay = delay
        self.started = time.monotonic()
        self.bar = None
        self.done = 0

    def advance(self, path: str = "") -> None:
        """One more file done: `path`, shown as the file the run is at."""
        self.done += 1
        if self.bar is None and self.enabled and time.monotonic() - self.started >= self.delay:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress as Bar, TextColumn, TimeElapsedColumn, TimeRemainingColumn

            self.bar = Bar("[progress.description]optfix", BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                           TextColumn("eta"), TimeRemainingColumn(), TextColumn("{task.fields[file]}", markup=False),
                           console=Console(stderr=True), transient=True, redirect_stdout=False, redirect_stderr=False)
            self.task = self.bar.add_task("files", total=self.total, completed=self.done, file=_short(path))
            self.bar.start()
        elif self.bar is not None:
            self.bar.update(self.task, completed=self.done, file=_short(path))

    def print(self, line: str) -> None:
        """Write a line to stderr without tearing the bar."""
        if self.bar is not None:
            self.bar.console.print(line, markup=False, highlight=False, soft_wrap=True)
        else:
            sys.stderr.write(line + "\n")

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()


def _short(path: str, width: int = 40) -> str:
    return path if len(path) <= width else "…" + path[-(width - 1):]
