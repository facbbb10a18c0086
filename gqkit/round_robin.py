"""Validated import of round-robin ratings: members of a group rating each other.

In a round-robin design every member of a group rates every other member, e.g. "How much did
you feel understood by this member today?" after a session. :func:`read_round_robin` is the
door through which such ratings enter gqkit: it reads a path or a DataFrame in tidy layout,
one row per group, session, item, rater and target, checks everything and returns the tidy
``round_robin`` table that :func:`gqkit.srm.srm` analyses. Whatever it cannot accept without
guessing -- a self-rating, a member not on the roster, a rating outside the scale, the same
pair rated twice -- is reported, every problem of the file at once up to a limit, in one
:class:`~gqkit.errors.GQDataError` naming the line (or DataFrame row) and column.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from . import _tables
from ._tables import MISSING_CODES
from .errors import GQConfigError, GQDataError, Problem
from .schema import GROUP, MEMBER, SESSION, Column, ProblemLog, Schema

__all__ = ["COLUMNS", "KEY", "MISSING_CODES", "read_round_robin"]

COLUMNS = ("group", "session", "rater", "target", "item", "rating")
"""The columns of a round-robin table, in the order :func:`read_round_robin` returns them."""
KEY = ("group", "session", "item", "rater", "target")
"""The columns that identify one rating: each rater rates each target once per session and item."""

RATER, TARGET, ITEM = Column("rater", "id"), Column("target", "id"), Column("item", "id")


def read_round_robin(
    source: str | Path | pd.DataFrame,
    *,
    scale: tuple[float, float],
    whole: bool = True,
    members: pd.DataFrame | None = None,
    missing: Iterable[str | float] | str | float = (),
    ignore_columns: Iterable[str] | str = (),
    sep: str | None = None,
    max_problems: int = 50,
) -> pd.DataFrame:
    """Read and validate round-robin ratings into the tidy ``round_robin`` table.

    Parameters
    ----------
    source : str, Path or DataFrame
        A delimited text file (comma, semicolon or tab; UTF-8, with or without byte-order
        mark) or a DataFrame, with the columns group, session, rater, target, item and rating
        (names matched ignoring case and surrounding spaces): one row per rating, ``rater``
        being the member who gives it and ``target`` the member rated.
    scale : (number, number)
        The lowest and highest rating the item allows, e.g. ``(1, 7)``; keyword only and
        required, since ratings of members are not on the questionnaire's scale by default.
    whole : bool, default True
        Ratings must be whole numbers; ``False`` accepts any number on the scale (e.g.
        means of several raters' forms).
    members : DataFrame, optional
        The roster: columns ``group`` and ``member`` (others, such as ``session``, are
        ignored, so the ``responses`` table of :func:`gqkit.read_responses` serves). When
        given, every rater and target must be a member of their group on it. Default: no
        roster check.
    missing : code or iterable of codes, default ()
        Extra rating codes meaning "no rating", such as ``-99`` (matched as numbers) or
        ``"."``. Empty cells and ``NA``, ``N/A``, ``NaN`` always do. A code on the scale is
        refused (it would be a valid rating).
    ignore_columns : str or iterable of str, default ()
        Columns to leave out on purpose (matched ignoring case and surrounding spaces). Any
        other unexpected column is an error.
    sep : {",", ";", "\\t"}, optional
        The delimiter of a file, when it cannot be told from the header; ignored for a
        DataFrame.
    max_problems : int, default 50
        How many problems to list before only counting the rest (a whole number, at least 1).

    Returns
    -------
    DataFrame
        Columns group (str), session (Int64), rater (str), target (str), item (str) and
        rating (float, NaN where no rating was given), sorted by group, session, item, rater
        and target. A row pairing a member with themself and holding no rating (TripleR's
        long tables have one per member) is left out; one holding a rating is an error.

    Raises
    ------
    GQDataError
        Naming file, line (or DataFrame row), column, value and what was expected, for:
        missing or unexpected columns, empty or invisible-character ids, sessions that are
        not whole numbers from 1, ratings that are not numbers on the scale (or not whole
        when ``whole``), self-ratings (rater = target with a rating), raters or targets not
        on the roster of their group (when ``members`` is given), and a rater rating the
        same target twice in one session and item.
    GQConfigError
        If ``scale``, ``whole``, ``members``, ``missing``, ``ignore_columns`` or
        ``max_problems`` is not as described.

    Examples
    --------
    >>> import pandas as pd
    >>> ratings = pd.DataFrame({"group": "g1", "session": 1, "rater": ["ann", "bob", "bob"], "target": ["bob", "ann", "bob"],
    ...                         "item": "close", "rating": [6, "NA", None]})
    >>> read_round_robin(ratings, scale=(1, 7)).to_dict("records")  # bob -> bob holds no rating, so it is left out
    [{'group': 'g1', 'session': 1, 'rater': 'ann', 'target': 'bob', 'item': 'close', 'rating': 6.0}, {'group': 'g1', 'session': 1, 'rater': 'bob', 'target': 'ann', 'item': 'close', 'rating': nan}]
    >>> read_round_robin(ratings.assign(rating=[6, 9, None]), scale=(1, 7))
    Traceback (most recent call last):
    ...
    gqkit.errors.GQDataError: DataFrame: 1 problem (nothing was read; fix them and read again)
      row 1, column 'rating': got '9'; expected a rating on the scale: a whole number from 1 to 7, or a missing code ('', 'N/A', 'NA', 'NaN')
    """
    low, high = _scale(scale)
    if not isinstance(whole, bool):
        raise GQConfigError("whole", whole, "True or False")
    if isinstance(max_problems, bool) or not (isinstance(max_problems, numbers.Integral) and max_problems >= 1):
        raise GQConfigError("max_problems", max_problems, "a whole number of at least 1")
    if not isinstance(source, (str, Path, pd.DataFrame)):
        raise GQConfigError("source", source, "a path to a delimited text file, or a DataFrame")
    roster = _roster(members)
    strings, codes = _tables.missing_codes(_tables.as_list("missing", missing), low, high, "rating")
    ignore = {str(c).strip().lower() for c in _tables.as_list("ignore_columns", ignore_columns)}
    raw = _tables.from_frame(source) if isinstance(source, pd.DataFrame) else _tables.from_path(source, sep)
    raw = _tables.RawTable(raw.source, raw.cells.drop(columns=[c for c in raw.cells.columns if c in ignore]), raw.labels, raw.unit)
    listed = ", ".join([*(repr(c) for c in sorted(strings)), *(f"{c:g}" for c in sorted(codes))])
    kind = "a whole number" if whole else "a number"
    rating = Column("rating", "int" if whole else "number", low=low, high=high, optional=True,
                    describe=f"a rating on the scale: {kind} from {low:g} to {high:g}, or a missing code ({listed})")  # fmt: skip
    schema = Schema("round-robin", (GROUP, SESSION, RATER, TARGET, ITEM, rating), key=KEY)
    schema.check_header(raw, max_problems)
    if not len(raw.cells):
        raise GQDataError(raw.source, [Problem("", "", "", "at least one data row below the header")])
    log = ProblemLog(raw)
    typed: dict[str, pd.Series] = {}
    for order, column in enumerate(schema.columns[:-1]):
        typed[column.name], bad = column.parse(raw.cells[column.name])
        where = np.flatnonzero(bad)
        log.add(order, where, column.name, raw.cells[column.name].to_numpy()[where], column.expected())
    cells = raw.cells["rating"].to_numpy(dtype=object)
    number = pd.to_numeric(pd.Series(cells, dtype=object), errors="coerce").to_numpy(dtype=float)
    coded = pd.Series(cells, dtype=object).isin(strings).to_numpy() | np.isin(number, list(codes))
    values, bad = rating.parse(np.where(coded, "", cells))
    where = np.flatnonzero(bad)
    log.add(5, where, "rating", cells[where], rating.expected())
    given = ~coded & (np.asarray(raw.cells["rating"].to_numpy(dtype=object)) != "")  # something in the cell, valid or not
    table = pd.DataFrame(typed).assign(rating=values.to_numpy(dtype=float, na_value=np.nan))
    self_pair = _self_pairs(table, given, log, order=6)
    if roster is not None:
        _check_roster(table, roster, log, order=7)
    keep = ~self_pair
    log.duplicates(9, table.loc[keep, list(KEY)], list(KEY), np.flatnonzero(keep))
    log.raise_if_any(max_problems)
    table = table[keep].astype({"group": str, "rater": str, "target": str, "item": str})
    table = table.sort_values(list(KEY), kind="stable").reset_index(drop=True)
    return table.astype({"session": "Int64"})[list(COLUMNS)]


def _self_pairs(table: pd.DataFrame, given: np.ndarray, log: ProblemLog, order: int) -> np.ndarray:
    """Rows with rater = target; those holding a rating are self-ratings and reported."""
    same = (table["rater"] == table["target"]).to_numpy() & (table["rater"] != "").to_numpy()
    rated = np.flatnonzero(same & given)
    expected = [f"a target other than the rater {r!r}: self-ratings are not part of the round robin (leave the rating empty or drop the row)"
                for r in table["rater"].to_numpy()[rated]]  # fmt: skip
    log.add(order, rated, "target", table["target"].to_numpy()[rated], expected)
    return same


def _check_roster(table: pd.DataFrame, roster: pd.DataFrame, log: ProblemLog, order: int) -> None:
    """Report each rater and target who is not a member of their group on the roster."""
    known = pd.MultiIndex.from_frame(roster[["group", "member"]])
    groups = set(roster["group"])
    for step, column in enumerate(("rater", "target")):
        ids = table[column]
        named = (table["group"] != "").to_numpy() & (ids != "").to_numpy()
        on = pd.MultiIndex.from_arrays([table["group"], ids]).isin(known)
        where = np.flatnonzero(named & ~on)
        group = table["group"].to_numpy()[where]
        expected = [f"a member of group {g!r} on the roster (members=)" + ("" if g in groups else f"; the roster has no group {g!r}") for g in group]
        log.add(order + step, where, column, ids.to_numpy()[where], expected)


def _roster(members: object) -> pd.DataFrame | None:
    """The roster's (group, member) pairs as checked ids, or None."""
    if members is None:
        return None
    if not isinstance(members, pd.DataFrame):
        raise GQConfigError("members", type(members).__name__, "a DataFrame with columns group and member (e.g. the responses table), or None")
    raw = _tables.from_frame(members)
    absent = [c for c in ("group", "member") if c not in raw.cells.columns]
    if absent:
        raise GQConfigError("members", f"a DataFrame with columns {list(raw.cells.columns)}", "a DataFrame with columns group and member")
    log = ProblemLog(_tables.RawTable("members", raw.cells, raw.labels, raw.unit))
    out = {}
    for order, column in enumerate((GROUP, MEMBER)):
        out[column.name], bad = column.parse(raw.cells[column.name])
        where = np.flatnonzero(bad)
        log.add(order, where, column.name, raw.cells[column.name].to_numpy()[where], column.expected())
    log.raise_if_any(advice="fix the roster passed as members=")
    return pd.DataFrame(out).drop_duplicates()


def _scale(scale: object) -> tuple[float, float]:
    """``scale`` as two finite floats, low < high."""
    expected = "(low, high): two finite numbers with low < high, e.g. (1, 7)"
    if isinstance(scale, (str, bytes)) or not isinstance(scale, Iterable):
        raise GQConfigError("scale", scale, expected)
    values = list(scale)
    if len(values) != 2 or not all(isinstance(v, numbers.Real) and not isinstance(v, bool) for v in values):
        raise GQConfigError("scale", scale, expected)
    low, high = float(values[0]), float(values[1])
    if not (np.isfinite(low) and np.isfinite(high) and low < high):
        raise GQConfigError("scale", scale, expected)
    return low, high
