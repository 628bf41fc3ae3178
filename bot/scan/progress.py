"""A progress bar for long scans, on stderr and only when a person is watching.

Parts are account × region × kind scans. Output for programs (`--format json`, pipes,
redirections) stays clean: nothing is drawn unless stderr is a terminal.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TextIO

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

ProgressCallback = Callable[[int, int], None]


@contextmanager
def scan_progress(stream: TextIO, *, force: bool = False) -> Iterator[ProgressCallback | None]:
    """Yields `on_progress(done, total)` drawing a bar on `stream` when it is a terminal (or
    `force`), else None. The bar disappears when the scan ends."""
    if not (force or stream.isatty()):
        yield None
        return
    console = Console(file=stream, force_terminal=force or None)
    columns = (
        TextColumn("scanning account × region × kind"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("scan", total=None)

        def on_progress(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        yield on_progress
