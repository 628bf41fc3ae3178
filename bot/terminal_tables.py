"""Tables for the terminal that fit its width.

The width is the terminal's (or `COLUMNS`); piped into a file or `grep` there is no terminal, and
a wide fallback keeps rows whole there. Long cells end in an ellipsis instead of wrapping each
row over several lines or running past the right edge.
"""

from __future__ import annotations

import shutil
from typing import TextIO

from rich.console import Console
from rich.table import Table

PIPED_COLUMNS = 200  # no terminal: wide enough for an audit row, still finite


def terminal_columns() -> int:
    """`COLUMNS` if set, else the terminal's width, else PIPED_COLUMNS (shutil's own order)."""
    return shutil.get_terminal_size(fallback=(PIPED_COLUMNS, 24)).columns


def terminal_console(file: TextIO | None = None) -> Console:
    return Console(file=file, width=terminal_columns(), soft_wrap=False)


def fit_to_width(table: Table) -> Table:
    """Cells are cut with an ellipsis when the columns do not fit, never wrapped."""
    for column in table.columns:
        column.overflow = "ellipsis"
        column.no_wrap = True
    return table
