"""The tidy tables' schemas: what each column holds, checked in one place.

A :class:`Column` knows its kind (an id, free text, a whole number, a number, true/false or
one of a few choices), its range and whether it may be empty, and turns a column of text
cells into typed values plus a mask of the cells it cannot accept. A :class:`Schema` is the
columns of one table and the key that must be unique; :meth:`Schema.read` checks a whole
table read from a file or a DataFrame and returns it typed, or raises one
:class:`~gqkit.errors.GQDataError` naming the file, line, column, value and what was expected.

Every reader uses these: :func:`gqkit.read_responses` for its id columns, ``Cohort.from_dir``
for every file of a cohort folder (its tables are declared in
``gqkit.simulation.folder``), :meth:`gqkit.detect.ScorePanel.from_scores` for ids and sessions,
and :func:`gqkit.evaluate.match_events` for detections.

Parsing works on each column's distinct values, so a million-row column with a few dozen
distinct cells costs one hash pass, not a million conversions.

Examples
--------
>>> import pandas as pd
>>> from gqkit import _tables
>>> visits = Schema("visits", (Column("member", "id"), Column("session", "int", low=1)), key=("member", "session"))
>>> visits.read(_tables.from_frame(pd.DataFrame({"member": ["a", "a"], "session": ["1", "2"]})))["session"].tolist()
[1, 2]
>>> visits.read(_tables.from_frame(pd.DataFrame({"member": ["a", "a"], "session": ["1", "0"]})))
Traceback (most recent call last):
...
gqkit.errors.GQDataError: DataFrame: 1 problem (nothing was read; fix them and read again)
  row 1, column 'session': got '0'; expected a whole number of at least 1
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from ._tables import RawTable
from .errors import GQDataError, Problem

__all__ = ["DETECTIONS", "GROUP", "MAX_SESSION", "MEMBER", "SESSION", "Column", "ProblemLog", "Schema", "require_columns"]

Kind = Literal["id", "text", "int", "number", "bool", "choice"]
TRUE, FALSE = ("true", "1"), ("false", "0")
MAX_SESSION = 10_000
"""The highest session number gqkit accepts (a course of weekly sessions for 190 years)."""


@dataclass(frozen=True)
class Column:
    """One column of a tidy table.

    Parameters
    ----------
    name : str
        The column name (lower case).
    kind : {"id", "text", "int", "number", "bool", "choice"}
        ``id``: non-empty text without control or invisible characters; ``text``: any text; ``int``: a whole number; ``number``: a
        finite number; ``bool``: true/false (also True/False, 1/0); ``choice``: one of
        ``choices``.
    low, high : float, default -inf and inf
        Inclusive range of ``int`` and ``number`` columns (ignored by other kinds).
    choices : tuple of str, default ()
        The allowed values of a ``choice`` column.
    optional : bool, default False
        Empty cells are allowed and read as missing (``<NA>``, ``NaN``, or ``""`` for text).
        Not honoured by ``id`` columns, which are never empty.
    ignore_case : bool, default False
        A ``choice`` matches whatever its case, and reads as written in ``choices``.
    describe : str, default ""
        What the column accepts in words, when the generic wording would say it less well.
    dtype : str, optional
        The dtype of the typed column, when not the kind's own (e.g. ``"boolean"``).

    Examples
    --------
    >>> Column("session", "int", low=1).expected()
    'a whole number of at least 1'
    """

    name: str
    kind: Kind
    low: float = -math.inf
    high: float = math.inf
    choices: tuple[str, ...] = ()
    optional: bool = False
    ignore_case: bool = False
    describe: str = ""
    dtype: str | None = None

    def expected(self) -> str:
        """What the column accepts, in plain words (``describe`` when given).

        Returns
        -------
        str
            The text that follows "expected" in a :class:`~gqkit.errors.Problem`.
        """
        if self.describe:
            return self.describe
        words = {
            "id": f"a {self.name} id: not empty, and no control or invisible characters",
            "text": "text",
            "int": "a whole number" + _range_words(self.low, self.high),
            "number": "a finite number" + _range_words(self.low, self.high),
            "bool": "True or False",
            "choice": "one of " + ", ".join(self.choices),
        }[self.kind]
        return words + (" (or empty)" if self.optional and self.kind not in ("id", "text") else "")

    def parse(self, cells: pd.Series | np.ndarray) -> tuple[pd.Series, np.ndarray]:
        """Typed values of a column, and a mask of the cells it cannot accept.

        Parameters
        ----------
        cells : Series or ndarray
            Text as read from a file, or the values of a DataFrame column (a missing value
            counts as an empty cell; a whole float such as 101.0 reads as "101"; surrounding
            spaces are dropped).

        Returns
        -------
        values : Series
            The typed values, with a fresh 0-based index. A rejected cell reads as missing
            where the dtype allows it, as 0 or False in a required ``int`` or ``bool`` column,
            and as its text in an ``id`` column, so the caller can go on checking the rest.
        bad : ndarray of bool
            True for each cell the column cannot accept.
        """
        codes, uniques = pd.factorize(np.asarray(cells, dtype=object), use_na_sentinel=False)
        text = pd.Series([_cell_text(u) for u in uniques], dtype=object)
        values, bad = self._parse_distinct(text)
        typed = pd.Series(values.to_numpy().take(codes) if len(codes) else values.to_numpy()[:0]).astype(values.dtype)
        return (typed.astype(self.dtype) if self.dtype else typed), bad[codes]

    def _parse_distinct(self, text: pd.Series) -> tuple[pd.Series, np.ndarray]:
        empty = (text == "").to_numpy()
        if self.kind == "text":
            return _as_text(text), np.zeros(len(text), bool)
        if self.kind == "id":  # composed (NFC), so an accent typed as one or two characters is one id
            ids = pd.Series([unicodedata.normalize("NFC", t) for t in text], dtype=object)
            return _as_text(ids), empty | ~np.array([t.isprintable() for t in text], dtype=bool)
        if self.kind == "choice":
            allowed = {(c.lower() if self.ignore_case else c): c for c in self.choices}
            values = (text.str.lower() if self.ignore_case else text).map(allowed)
            return _as_text(values.fillna("")), values.isna().to_numpy() & ~(empty & self.optional)
        if self.kind == "bool":
            lower = text.str.lower()
            truth = pd.array(np.where(lower.isin(TRUE), True, np.where(lower.isin(FALSE), False, pd.NA)), dtype="boolean")
            bad = np.asarray(pd.isna(truth)) & ~(empty & self.optional)
            return pd.Series(truth if self.optional else truth.fillna(False).astype(bool)), bad
        number = pd.to_numeric(text, errors="coerce").to_numpy(dtype=float, copy=True)
        parsed = ~np.isnan(number)  # to_numeric says what is a number; float() reads it exactly (pandas < 3.1 can be 1 ulp off)
        number[parsed] = [_exact(t, n) for t, n in zip(text.to_numpy()[parsed], number[parsed])]
        ok = np.isfinite(number) & (number >= self.low) & (number <= self.high)
        if self.kind == "int":
            ok &= np.floor(number) == number
        bad = ~ok & ~(empty & self.optional)
        number = np.where(ok, number, np.nan)
        if self.kind == "number":
            return pd.Series(number), bad
        whole = pd.array(number, dtype="Float64").astype("Int64")
        return pd.Series(whole if self.optional else whole.fillna(0).astype("int64")), bad


def _exact(text: str, approximate: float) -> float:
    """The number ``text`` spells, correctly rounded (``approximate`` when float() cannot read it)."""
    try:
        return float(text)
    except ValueError:
        return approximate


def _cell_text(value: object) -> str:
    """A cell as text: missing is empty, a whole float has no ``.0``, text loses surrounding spaces."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, (float, np.floating)) and math.isfinite(value) and float(value).is_integer():
        return str(int(value))
    return str(value).strip()


def _range_words(low: float, high: float) -> str:
    fmt = lambda x: f"{x:,g}" if abs(x) < 1e6 else f"{x:g}"  # noqa: E731
    if math.isfinite(low) and math.isfinite(high):
        return f" from {fmt(low)} to {fmt(high)}"
    if math.isfinite(low):
        return f" of at least {fmt(low)}"
    return f" up to {fmt(high)}" if math.isfinite(high) else ""


def _as_text(values: pd.Series) -> pd.Series:
    """Text with the string dtype pandas infers for text (``str`` on pandas 3, object before)."""
    return values.astype(str)


class ProblemLog:
    """The problems of one table, collected so they can be reported together in file order.

    Parameters
    ----------
    raw : RawTable
        The table being checked; it names the source and turns row positions into places.

    Attributes
    ----------
    found : list of (int, int, Problem)
        Each problem with its row position and check order, the keys of the report's sort.
    """

    def __init__(self, raw: RawTable):
        self.raw = raw
        self.found: list[tuple[int, int, Problem]] = []  # (row position, check order, problem)

    def add(self, order: int, positions: np.ndarray, column: str | list[str], values, expected: str | list[str]) -> None:
        """One problem per row position; ``column`` and ``expected`` may vary per row.

        Parameters
        ----------
        order : int
            The check's rank: problems of one row are reported in this order.
        positions : ndarray of int
            0-based row positions in the raw table, one per problem.
        column : str or list of str
            The column concerned, one for all or one per position (``""`` for a whole row).
        values : sequence
            The offending cell of each position (shown as text).
        expected : str or list of str
            What would have been accepted, one for all or one per position.
        """
        n = len(positions)
        columns = [column] * n if isinstance(column, str) else list(column)
        expects = [expected] * n if isinstance(expected, str) else list(expected)
        for p, c, v, e in zip(positions, columns, values, expects):
            self.found.append((int(p), order, Problem(self.raw.where(int(p)), c, str(v), e)))

    def add_problem(self, position: int, order: int, problem: Problem) -> None:
        """Add one ready-made problem.

        Parameters
        ----------
        position : int
            The 0-based row position it is sorted by.
        order : int
            The check's rank, as for :meth:`add`.
        problem : Problem
            The problem, its place already in words.
        """
        self.found.append((position, order, problem))

    def raise_if_any(self, max_problems: int = 50, advice: str | None = None) -> None:
        """Raise one :class:`~gqkit.errors.GQDataError` with every problem found, if any.

        Parameters
        ----------
        max_problems : int, default 50
            How many problems to list (by row, then check order); the rest are counted.
        advice : str, optional
            What the message tells the user to do; default: the error's own advice.

        Raises
        ------
        GQDataError
            When any problem was added.
        """
        if self.found:
            ordered = [p for _, _, p in sorted(self.found, key=lambda t: (t[0], t[1]))]
            shown = ordered[:max_problems]
            extra = {"advice": advice} if advice else {}
            raise GQDataError(self.raw.source, shown, len(ordered) - len(shown), **extra)

    def duplicates(self, order: int, table: pd.DataFrame, keys: list[str], positions: np.ndarray) -> None:
        """Report each row that repeats the keys of an earlier row, naming the earlier one.

        Rows with a missing or empty key value are skipped (they are reported by the column
        checks).

        Parameters
        ----------
        order : int
            The check's rank, as for :meth:`add`.
        table : DataFrame
            The typed key columns, one row per row of ``positions``.
        keys : list of str
            The columns that together must not repeat.
        positions : ndarray of int
            Each row's 0-based position in the raw table.
        """
        valid = (table.notna() & (table != "")).all(axis=1).to_numpy()  # rows with a bad key are reported already
        table, positions = table[valid], positions[valid]
        dup = table.duplicated(keys, keep="first").to_numpy()
        if not dup.any():
            return
        first = pd.Series(positions).groupby(table.groupby(keys, sort=False).ngroup().to_numpy()).transform("min").to_numpy()
        expected = [f"one row per {', '.join(keys)}; {self.raw.where(int(f))} has the same" for f in first[dup]]
        self.add(order, positions[dup], "", [""] * int(dup.sum()), expected)


@dataclass(frozen=True)
class Schema:
    """The columns of one tidy table and the columns that identify a row.

    Parameters
    ----------
    name : str
        The table's name, e.g. ``"events"``.
    columns : tuple of Column
        Every column, in the order the typed table has them.
    key : tuple of str, default ()
        Columns whose values must not repeat together; empty for none.
    """

    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()

    @property
    def names(self) -> list[str]:
        """The column names, in order."""
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        """The column called ``name``.

        Parameters
        ----------
        name : str
            One of :attr:`names`.

        Returns
        -------
        Column

        Raises
        ------
        StopIteration
            If the schema has no such column.
        """
        return next(c for c in self.columns if c.name == name)

    def read(self, raw: RawTable, max_problems: int = 50, advice: str | None = None) -> pd.DataFrame:
        """Check a whole table and return it typed, in the schema's column order.

        Parameters
        ----------
        raw : RawTable
            The table as strings, e.g. from :func:`gqkit._tables.from_path`.
        max_problems : int, default 50
            How many problems to list before only counting the rest.
        advice : str, optional
            What the error message tells the user to do; default: the error's own advice.

        Returns
        -------
        DataFrame
            One typed column per schema column, with a 0-based index.

        Raises
        ------
        GQDataError
            For a missing or unknown column, a cell its column cannot accept, or a repeated key.
        """
        self.check_header(raw, max_problems, advice)
        log = ProblemLog(raw)
        typed = {}
        for order, column in enumerate(self.columns):
            typed[column.name], bad = column.parse(raw.cells[column.name])
            positions = np.flatnonzero(bad)
            log.add(order, positions, column.name, raw.cells[column.name].to_numpy()[positions], column.expected())
        table = pd.DataFrame(typed, index=pd.RangeIndex(len(raw.cells)))
        if self.key:
            log.duplicates(len(self.columns), table[list(self.key)], list(self.key), np.arange(len(table)))
        log.raise_if_any(max_problems, advice)
        return table

    def check(self, frame: pd.DataFrame, source: str, advice: str | None = None, max_problems: int = 50) -> pd.DataFrame:
        """Check the schema's columns of a DataFrame made elsewhere; other columns pass unchecked.

        Problems name the row by its index label.

        Parameters
        ----------
        frame : DataFrame
            The table; it must hold every schema column and may hold others.
        source : str
            The table's name in error messages, e.g. ``"detections"``.
        advice : str, optional
            What the error message tells the user to do; default ``"fix the table"`` for
            missing columns and the error's own advice for bad cells.
        max_problems : int, default 50
            How many problems to list before only counting the rest.

        Returns
        -------
        DataFrame
            ``frame`` with a fresh 0-based index, its checked columns holding their typed
            values (ids stripped, choices spelled as declared).

        Raises
        ------
        GQDataError
            For a missing column, a cell its column cannot accept, or a repeated key.
        """
        require_columns(frame, self.names, source, advice or "fix the table")
        typed = self.read(RawTable(source, frame[self.names].reset_index(drop=True), np.asarray(frame.index), "row"), max_problems, advice)
        return frame.reset_index(drop=True).assign(**{c: typed[c] for c in self.names})

    def check_header(self, raw: RawTable, max_problems: int = 50, advice: str | None = None) -> None:
        """Every column present and no other; raises at once, as nothing else can be checked.

        Parameters
        ----------
        raw : RawTable
            The table to check.
        max_problems : int, default 50
            How many problems to list before only counting the rest.
        advice : str, optional
            What the error message tells the user to do; default: the error's own advice.

        Raises
        ------
        GQDataError
            Naming every missing and every unknown column.
        """
        present = list(raw.cells.columns)
        problems = [Problem("header", "", "", f"a '{c}' column ({self.name} table)") for c in self.names if c not in present]
        problems += [Problem("header", c, "", f"only the columns of the {self.name} table ({', '.join(self.names)})") for c in present if c not in self.names]
        if problems:
            extra = {"advice": advice} if advice else {}
            raise GQDataError(raw.source, problems[:max_problems], max(len(problems) - max_problems, 0), **extra)


def require_columns(table: pd.DataFrame, names: Sequence[str], source: str, advice: str = "fix the table") -> None:
    """Raise one :class:`GQDataError` naming every column of ``names`` that ``table`` lacks.

    Parameters
    ----------
    table : DataFrame
        The table to check; other columns are allowed.
    names : sequence of str
        The columns it must have.
    source : str
        The table's name in the error message.
    advice : str, default "fix the table"
        What the error message tells the user to do.

    Raises
    ------
    GQDataError
        If any column is missing.
    """
    missing = [c for c in names if c not in table.columns]
    if missing:
        raise GQDataError(source, [Problem("header", "", "", f"a '{c}' column") for c in missing], advice=advice)


GROUP, MEMBER = Column("group", "id"), Column("member", "id")
SESSION = Column("session", "int", low=1, high=MAX_SESSION, describe=f"a positive whole number up to {MAX_SESSION:,} (sessions count from 1)")

DETECTIONS = Schema(
    "detections",
    (GROUP, Column("member", "text"), SESSION, Column("onset", "int", low=1, high=MAX_SESSION),
     Column("level", "choice", choices=("MM", "ML", "MG", "all"), ignore_case=True)),  # fmt: skip
)
"""The columns of a ``detections`` table that matching needs (a rule's output has more; a
whole-group alert has no member)."""
