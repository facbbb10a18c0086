"""gqkit's own exceptions.

Every problem with data a user hands in raises :class:`GQDataError`; every nonsensical
parameter raises :class:`GQConfigError`. Both are ``ValueError`` subclasses, so code that
already catches ``ValueError`` keeps working.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["GQConfigError", "GQDataError", "Problem"]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one place of a table.

    Parameters
    ----------
    where : str
        The place, e.g. ``"line 7"`` for a file or ``"row 3"`` for a DataFrame
        (empty when the problem concerns the whole table).
    column : str
        The column concerned (empty when the problem concerns a whole row).
    value : str
        The offending value as it was read (empty when nothing was there).
    expected : str
        What would have been accepted, in plain words.
    """

    where: str
    column: str
    value: str
    expected: str

    def __str__(self) -> str:
        column = self.column if self.column.isprintable() else self.column.encode("unicode_escape").decode("ascii")  # show invisible characters
        parts = [p for p in (self.where, f"column '{column}'" if self.column else "") if p]
        place = ", ".join(parts) or "table"
        value = self.value if len(self.value) <= 80 else self.value[:77] + "..."
        got = f"got {value!r}; " if self.value != "" else ""
        return f"{place}: {got}expected {self.expected}"


class GQDataError(ValueError):
    """Data that gqkit cannot accept without guessing.

    Holds every problem found (up to the reader's limit), so a user can fix a file in one
    pass. ``str(error)`` lists them one per line.

    Attributes
    ----------
    source : str
        The file name, or a short description such as ``"DataFrame"``.
    problems : tuple of Problem
        The problems reported.
    n_more : int
        How many further problems were found but not listed.
    advice : str
        What to do about them, shown after the count.
    """

    def __init__(
        self,
        source: str,
        problems: list[Problem] | tuple[Problem, ...],
        n_more: int = 0,
        advice: str = "nothing was read; fix them and read again",
    ):
        self.source = source
        self.problems = tuple(problems)
        self.n_more = n_more
        total = len(self.problems) + n_more
        noun = "problem" if total == 1 else "problems"
        lines = [f"{source}: {total} {noun} ({advice})"]
        lines += [f"  {p}" for p in self.problems]
        if n_more:
            lines.append(f"  ... and {n_more} more")
        super().__init__("\n".join(lines))


class GQConfigError(ValueError):
    """A parameter outside its allowed range; the message names the parameter."""

    def __init__(self, parameter: str, value: object, expected: str):
        self.parameter = parameter
        self.value = value
        self.expected = expected
        super().__init__(f"{parameter}={value!r} is not allowed: expected {expected}")
