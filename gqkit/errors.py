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

    Parameters
    ----------
    source : str
        The file name, or a short description such as ``"DataFrame"``.
    problems : list or tuple of Problem
        The problems to report; kept as a tuple in the attribute of the same name.
    n_more : int, default 0
        How many further problems were found but not listed (past the reader's
        ``max_problems``).
    advice : str, default "nothing was read; fix them and read again"
        What to do about them, shown after the count in the first line of the message.

    Attributes
    ----------
    source : str
        As given.
    problems : tuple of Problem
        The problems reported.
    n_more : int
        As given.

    Examples
    --------
    >>> error = GQDataError("scores.csv", [Problem("line 3", "session", "x", "a whole number")])
    >>> print(error)
    scores.csv: 1 problem (nothing was read; fix them and read again)
      line 3, column 'session': got 'x'; expected a whole number
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
    """A parameter outside its allowed range; the message names the parameter.

    Parameters
    ----------
    parameter : str
        The parameter's name as the user would write it, e.g. ``"n_members"`` or
        ``"CultureModel.dimensions['A']"``.
    value : object
        The rejected value (shown with ``repr``).
    expected : str
        What would have been accepted, in plain words.

    Attributes
    ----------
    parameter, value, expected
        As given.

    Examples
    --------
    >>> print(GQConfigError("n_members", 1, "a whole number from 2 to 20"))
    n_members=1 is not allowed: expected a whole number from 2 to 20
    """

    def __init__(self, parameter: str, value: object, expected: str):
        self.parameter = parameter
        self.value = value
        self.expected = expected
        super().__init__(f"{parameter}={value!r} is not allowed: expected {expected}")
