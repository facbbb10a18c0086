"""Validated import of item responses, and the long <-> wide reshape.

:func:`read_responses` is the one door through which real data enter gqkit. It accepts a
path, a file held in memory (:class:`InMemoryFile`, e.g. an upload) or a DataFrame in long layout (one row per group, member, session and item) or wide
layout (one row per group, member and session, one column per item), checks everything,
and returns the tidy ``responses`` table. Whatever it cannot accept without guessing is
reported -- every problem of the file at once, up to a limit -- in one :class:`GQDataError`.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable
from pathlib import Path
from typing import Literal, cast

import numpy as np
import pandas as pd

from . import _tables
from ._tables import MISSING_CODES, InMemoryFile
from .errors import GQConfigError, GQDataError, Problem
from .instrument import Instrument, instrument_or_default
from .schema import GROUP, MAX_SESSION, MEMBER, SESSION, Column, ProblemLog

__all__ = ["ID_COLUMNS", "MAX_SESSION", "MISSING_CODES", "InMemoryFile", "read_answers", "read_responses", "to_wide"]

ID_COLUMNS = ("group", "member", "session")


def read_responses(
    source: str | Path | InMemoryFile | pd.DataFrame,
    *,
    layout: Literal["auto", "long", "wide"] = "auto",
    instrument: Instrument | None = None,
    missing: Iterable[str | float] = (),
    ignore_columns: Iterable[str] = (),
    sep: str | None = None,
    max_problems: int = 50,
) -> pd.DataFrame:
    """Read and validate item responses into the tidy ``responses`` table.

    Parameters
    ----------
    source : str, Path, InMemoryFile or DataFrame
        A delimited text file (comma, semicolon or tab; UTF-8, with or without byte-order
        mark) on disk or held in memory (an upload: :class:`InMemoryFile`), or a DataFrame.
    layout : {"auto", "long", "wide"}, default "auto"
        ``long``: columns group, member, session, item, response. ``wide``: columns group,
        member, session and one column per item id. ``auto`` picks long when ``item`` and
        ``response`` columns exist, otherwise wide. A wide table must have a column for
        every item of the instrument (leave cells empty for items that were not asked).
    instrument : Instrument, optional
        The item key; defaults to :meth:`Instrument.default`.
    missing : code or iterable of codes, default ()
        Extra codes meaning "no answer", such as ``-99`` (matched as numbers, so ``-99.0``
        matches too) or ``"."``. Empty cells and ``NA``, ``N/A``, ``NaN`` always do. A code
        inside the instrument's answer range is refused (it would be a valid answer).
    ignore_columns : str or iterable of str, default ()
        Columns to leave out on purpose (e.g. a date); matched ignoring case and surrounding
        spaces. Any other unexpected column is an error.
    sep : {",", ";", "\\t"}, optional
        The delimiter of a file, when it cannot be told from the header; ignored for a
        DataFrame.
    max_problems : int, default 50
        How many problems to list before only counting the rest (a whole number, at least 1).

    Returns
    -------
    DataFrame
        Columns group (str), member (str), session (Int64), item (str), response (Int64,
        ``<NA>`` for no answer): one row per member, session and item of the instrument,
        sorted by group, member, session and the instrument's item order. Items absent from
        a long file are added as missing answers.

    Raises
    ------
    GQDataError
        Naming file, line (or DataFrame row), column, value and what was expected, for:
        missing required columns, unexpected columns, unknown item ids, responses that are
        not whole numbers in the instrument's range, text responses, sessions that are not
        positive whole numbers, empty group or member ids, duplicate
        (group, member, session, item) records, and members with no answers at all.

    Examples
    --------
    >>> import pandas as pd
    >>> long = pd.DataFrame({"group": "g1", "member": "m1", "session": 1, "item": ["gq01", "gq02"], "response": [5, "NA"]})
    >>> read_responses(long).dropna().to_dict("records")
    [{'group': 'g1', 'member': 'm1', 'session': 1, 'item': 'gq01', 'response': 5}]
    """
    inst = instrument_or_default(instrument)
    if layout not in ("auto", "long", "wide"):
        raise GQConfigError("layout", layout, "'auto', 'long' or 'wide'")
    if not (isinstance(max_problems, numbers.Integral) and max_problems >= 1):
        raise GQConfigError("max_problems", max_problems, "a whole number of at least 1")
    if isinstance(max_problems, bool):
        raise GQConfigError("max_problems", max_problems, "a whole number of at least 1")
    if not isinstance(source, (str, Path, InMemoryFile, pd.DataFrame)):
        raise GQConfigError("source", source, "a path to a delimited text file, an InMemoryFile, or a DataFrame")
    codes = _tables.missing_codes(_tables.as_list("missing", missing), *inst.response_range, "answer")
    ignore = {str(c).strip().lower() for c in _tables.as_list("ignore_columns", ignore_columns)}
    raw = _tables.from_frame(source) if isinstance(source, pd.DataFrame) else _tables.from_path(source, sep)
    ids, answers = _checked(raw, inst, layout, ignore, codes, max_problems)
    return _tidy(ids, answers, inst)


def read_answers(path: str | Path, instrument: Instrument, *, max_problems: int = 50) -> tuple[pd.DataFrame, np.ndarray]:
    """Checked answers of a wide file as one row per member-session: ids and an answer array.

    ``ids`` has columns group, member, session and line (where the row is in the file); the
    array has one column per item in the instrument's order, NaN for no answer. The checks are
    those of :func:`read_responses`; this is the form the simulator's folders use.

    Parameters
    ----------
    path : str or Path
        A wide delimited text file (group, member, session and one column per item).
    instrument : Instrument
        The item key: which item columns are required and the answer range.
    max_problems : int, default 50
        How many problems to list before only counting the rest.

    Returns
    -------
    ids : DataFrame
        One row per member-session in file order: group, member, session, line.
    answers : ndarray of float, shape (len(ids), instrument.n_items)
        The answers, NaN where missing.

    Raises
    ------
    GQDataError
        As :func:`read_responses` does.
    """
    raw = _tables.from_path(path)
    ids, answers = _checked(raw, instrument, "wide", set(), _tables.missing_codes([], *instrument.response_range, "answer"), max_problems)
    return ids.assign(line=raw.labels[ids.pop("pos").to_numpy()]), answers


def to_wide(responses: pd.DataFrame, instrument: Instrument | None = None) -> pd.DataFrame:
    """Reshape a tidy ``responses`` table to one row per group, member and session.

    Parameters
    ----------
    responses : DataFrame
        Tidy responses as :func:`read_responses` returns them: group, member, session, item,
        response, one row per group, member, session and item.
    instrument : Instrument, optional
        Gives the item columns and their order; default :meth:`Instrument.default`. Items
        of ``responses`` that it does not list are dropped; items it lists that
        ``responses`` lacks come out empty.

    Returns
    -------
    DataFrame
        Columns group, member, session, then one column per item of the instrument.

    Raises
    ------
    GQDataError
        If a group, member, session and item occur in more than one row.

    Examples
    --------
    >>> import pandas as pd
    >>> long = read_responses(pd.DataFrame({"group": ["g"], "member": ["a"], "session": [1], "item": ["gq01"], "response": [4]}))
    >>> to_wide(long)[["group", "member", "session", "gq01"]].to_dict("records")
    [{'group': 'g', 'member': 'a', 'session': 1, 'gq01': 4}]
    """
    inst = instrument_or_default(instrument)
    if responses.duplicated([*ID_COLUMNS, "item"]).any():
        raise GQDataError("responses", [Problem("", "", "", "one row per group, member, session and item")], advice="fix the responses table")
    wide = responses.pivot(index=list(ID_COLUMNS), columns="item", values="response")
    wide = wide.reindex(columns=list(inst.items)).reset_index()
    wide.columns.name = None
    return wide


# -- the checks ------------------------------------------------------------------------


def _checked(
    raw: _tables.RawTable, inst: Instrument, layout: str, ignore: set[str], missing: tuple[set[str], set[float]], max_problems: int
) -> tuple[pd.DataFrame, np.ndarray]:
    """Every check of :func:`read_responses`, in order; ids and answers of each member-session."""
    checker = _Checker(raw, inst, missing)
    cells, layout, item_columns = checker.header(layout, ignore, max_problems)
    rows = checker.rows(cells)
    if layout == "wide":
        answers, given = checker.wide_answers(cells, item_columns)
        checker.log.duplicates(4, rows[list(ID_COLUMNS)], list(ID_COLUMNS), np.arange(len(rows)))
        checker.silent_members(rows, cast(np.ndarray, given.any(axis=1)))  # numpy's stubs allow a scalar for any(axis=...) whatever the ndim
        checker.log.raise_if_any(max_problems)
        return rows.assign(pos=np.arange(len(rows))), answers
    item, response, given = checker.long_answers(cells)
    records = rows.assign(item=item, response=response)
    checker.log.duplicates(4, records[[*ID_COLUMNS, "item"]], [*ID_COLUMNS, "item"], np.arange(len(rows)))
    key = records.groupby(list(ID_COLUMNS), sort=False, dropna=False).ngroup().to_numpy()
    checker.silent_members(rows, np.bincount(key, weights=given, minlength=key.max() + 1)[key] > 0 if len(key) else given)
    checker.log.raise_if_any(max_problems)
    ids = rows.assign(pos=np.arange(len(rows))).groupby(key).head(1).reset_index(drop=True)
    answers = np.full((len(ids), inst.n_items), np.nan)
    position = {name: i for i, name in enumerate(inst.items)}
    answers[key, item.map(position).to_numpy(dtype=int)] = response
    return ids, answers


class _Checker:
    """The checks of one table; problems go to a :class:`~gqkit.schema.ProblemLog`."""

    def __init__(self, raw: _tables.RawTable, inst: Instrument, missing: tuple[set[str], set[float]]):
        self.raw, self.inst = raw, inst
        self.log = ProblemLog(raw)
        low, high = inst.response_range
        self.response = Column("response", "int", low=low, high=high, optional=True)
        strings, numbers = missing
        self.missing = missing
        codes = ", ".join([*(repr(c) for c in sorted(strings)), *(f"{n:g}" for n in sorted(numbers))])
        self.response_expected = f"a whole number from {low} to {high}, or a missing code ({codes})"

    def header(self, layout: str, ignore: set[str], max_problems: int) -> tuple[pd.DataFrame, str, list[str]]:
        """Decide the layout and check the columns; stop at once if they are wrong."""
        cells = self.raw.cells.drop(columns=[c for c in self.raw.cells.columns if c in ignore])
        columns = list(cells.columns)
        if layout == "auto":
            layout = "long" if {"item", "response"} <= set(columns) else "wide"
        required = [*ID_COLUMNS, *(("item", "response") if layout == "long" else ())]
        problems = [Problem("header", "", "", f"a '{c}' column ({layout} layout)") for c in required if c not in columns]
        known_items = {item.lower() for item in self.inst.items}
        item_columns = [c for c in columns if c in known_items] if layout == "wide" else []
        if layout == "wide" and not item_columns:
            example = ", ".join(self.inst.items[:3])
            problems.append(Problem("header", "", "", f"item columns named by item id ({example}, ...) for the wide layout, or 'item' and 'response' columns for the long layout"))
        elif layout == "wide" and len(item_columns) < self.inst.n_items:
            absent = [i for i in self.inst.items if i.lower() not in item_columns]
            problems.append(Problem("header", "", "", f"a column for every item; add {', '.join(absent[:5])}{' ...' if len(absent) > 5 else ''} (empty if not asked)"))
        what = "not an item id of the instrument" if layout == "wide" else "not a column of the long layout"
        problems += [
            Problem("header", c, "", f"only known columns; this one is {what}: list it in ignore_columns= to leave it out")
            for c in columns
            if c not in set(required) | set(item_columns)
        ]
        if not len(cells):
            problems.append(Problem("", "", "", "at least one data row below the header"))
        if problems:
            raise GQDataError(self.raw.source, problems[:max_problems], max(len(problems) - max_problems, 0))
        return cells, layout, item_columns

    def rows(self, cells: pd.DataFrame) -> pd.DataFrame:
        """Group, member and session of each source row (empty id or ``<NA>`` session where invalid)."""
        out = {}
        for order, column in ((0, GROUP), (0, MEMBER), (1, SESSION)):
            values, bad = column.parse(cells[column.name])
            out[column.name] = values.where(~bad) if column is SESSION else values  # a rejected session is unknown, not 0
            where = np.flatnonzero(bad)
            self.log.add(order, where, column.name, cells[column.name].to_numpy()[where], column.expected())
        return pd.DataFrame(out)

    def _answers(self, cells: np.ndarray, columns: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Answers (NaN if missing or bad) and whether a cell holds something other than a missing code."""
        strings, numbers = self.missing
        codes, uniques = pd.factorize(cells.ravel(), use_na_sentinel=False)
        text = pd.Series(uniques, dtype=object)
        number = pd.to_numeric(text, errors="coerce").to_numpy(dtype=float)
        is_missing = (text.isin(strings).to_numpy() | np.isin(number, list(numbers)))[codes].reshape(cells.shape)
        value, bad = self.response.parse(np.where(is_missing, "", cells).ravel())
        bad = bad.reshape(cells.shape)
        r, c = np.nonzero(bad)
        kind = np.where(np.isnan(number[codes].reshape(cells.shape)[r, c]), "it is not a number", "it is outside the range or not whole")
        self.log.add(3, r, list(columns[c]) if columns.ndim else [str(columns)] * len(r), cells[r, c],
                     [f"{self.response_expected}; {k}" for k in kind])  # fmt: skip
        return value.to_numpy(dtype=float, na_value=np.nan).reshape(cells.shape), ~is_missing

    def wide_answers(self, cells: pd.DataFrame, item_columns: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """Answers in the instrument's item order, checked column by column before any reshaping."""
        ordered = [i.lower() for i in self.inst.items]
        answers, given = self._answers(cells[ordered].to_numpy(dtype=object), np.array(ordered, dtype=object))
        return answers, given

    def long_answers(self, cells: pd.DataFrame) -> tuple[pd.Series, np.ndarray, np.ndarray]:
        """Item of each record (empty if unknown), its answer and whether something was given."""
        item_column = Column("item", "choice", choices=self.inst.items, ignore_case=True)
        item, bad = item_column.parse(cells["item"])
        where = np.flatnonzero(bad)
        self.log.add(2, where, "item", cells["item"].to_numpy()[where], f"an item id of the instrument ({self.inst.items[0]} ... {self.inst.items[-1]})")
        answers, given = self._answers(cells["response"].to_numpy(dtype=object)[:, None], np.array(["response"], dtype=object))
        keep = ~bad
        return item.where(keep, ""), answers[:, 0], given[:, 0] & keep

    def silent_members(self, rows: pd.DataFrame, given: np.ndarray) -> None:
        """Report members none of whose rows holds an answer."""
        named = (rows["group"] != "") & (rows["member"] != "")
        frame = rows[named.to_numpy()].assign(pos=np.flatnonzero(named.to_numpy()), given=given[named.to_numpy()])
        summary = frame.groupby(["group", "member"], sort=False).agg(first=("pos", "min"), last=("pos", "max"), answered=("given", "sum"))
        for (group, member), row in summary[summary["answered"] == 0].iterrows():
            first, last = self.raw.where(int(row["first"])), self.raw.where(int(row["last"]))
            where = first if first == last else f"{first} to {last.split()[-1]}"
            self.log.add_problem(int(row["first"]), 5, Problem(where, "", "", f"at least one answer from member {member!r} of group {group!r}; all their answers are missing"))


def _tidy(ids: pd.DataFrame, answers: np.ndarray, inst: Instrument) -> pd.DataFrame:
    """One row per member, session and item, sorted, with nullable integer types."""
    order = np.lexsort((ids["session"].to_numpy(dtype=np.int64), ids["member"].to_numpy(dtype=object), ids["group"].to_numpy(dtype=object)))
    ids, answers = ids.iloc[order], answers[order]
    n = inst.n_items
    values = answers.ravel()
    missing = np.isnan(values)
    out = pd.DataFrame(
        {
            "group": np.repeat(ids["group"].to_numpy(dtype=object), n),
            "member": np.repeat(ids["member"].to_numpy(dtype=object), n),
            "session": pd.array(np.repeat(ids["session"].to_numpy(dtype=np.int64), n), dtype="Int64"),
            "item": np.tile(np.array(inst.items, dtype=object), len(ids)),
            "response": pd.arrays.IntegerArray(np.where(missing, 0, values).astype(np.int64), missing),
        }
    )
    return out.astype({"group": str, "member": str, "item": str})
