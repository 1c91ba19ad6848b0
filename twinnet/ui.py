"""rich progress bars fed by (done, total) callbacks from pytest runs."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)

from twinnet.progress import ProgressCallback


def new_progress(console: Console) -> Progress:
    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    )


def task_callback(progress: Progress, description: str) -> ProgressCallback:
    """A progress callback driving a new task of ``progress``."""
    task = progress.add_task(description, total=None)

    def update(done: int, total: int | None) -> None:
        progress.update(task, completed=done, total=total)

    return update


@contextlib.contextmanager
def progress_bar(console: Console, description: str) -> Iterator[ProgressCallback]:
    with new_progress(console) as progress:
        yield task_callback(progress, description)
