"""Validated import of item responses, and the long <-> wide reshape.

:func:`read_responses` is the one door through which real data enter gqkit. It accepts a
path or a DataFrame in long layout (one row per group, member, session and item) or wide
layout (one row per group, member and session, one column per item), checks everything,
and returns the tidy ``responses`` table. Whatever it cannot accept without guessing is
reported -- every problem of the file at once, up to a limit -- in one :class:`GQDataError`.
"""

from __future__ import annotations

import numbers
from pathlib import Path
from typing import Iterable, Literal

import numpy as np
import pandas as pd

from . import _tables
from .errors import GQConfigError, GQDataError, Problem
from .instrument import Instrument

__all__ = ["ID_COLUMNS", "MISSING_CODES", "read_responses", "to_wide"]

ID_COLUMNS = ("group", "member", "session")
MAX_SESSION = 10_000
MISSING_CODES = ("", "NA", "N/A", "NaN")
"""Cell contents that always mean "no answer"; add others with ``missing=``."""


def read_responses(
    source: str | Path | pd.DataFrame,
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
    source : path or DataFrame
        A delimited text file (comma, semicolon or tab; UTF-8, with or without byte-order
        mark) or a DataFrame.
    layout : {"auto", "long", "wide"}
        ``long``: columns group, member, session, item, response. ``wide``: columns group,
        member, session and one column per item id. ``auto`` picks long when ``item`` and
        ``response`` columns exist, otherwise wide. A wide table must have a column for
        every item of the instrument (leave cells empty for items that were not asked).
    instrument : Instrument, optional
        The item key; defaults to :meth:`Instrument.default`.
    missing : code or iterable of codes
        Extra codes meaning "no answer", such as ``-99`` (matched as numbers, so ``-99.0``
        matches too) or ``"."``. Empty cells and ``NA``, ``N/A``, ``NaN`` always do.
    ignore_columns : str or iterable of str
        Columns to leave out on purpose (e.g. a date). Any other unexpected column is an error.
    sep : str, optional
        The delimiter, when it cannot be told from the header.
    max_problems : int
        How many problems to list before summarising the rest.

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
    inst = instrument or Instrument.default()
    if layout not in ("auto", "long", "wide"):
        raise GQConfigError("layout", layout, "'auto', 'long' or 'wide'")
    if not (isinstance(max_problems, numbers.Integral) and max_problems >= 1):
        raise GQConfigError("max_problems", max_problems, "a whole number of at least 1")
    raw = _tables.from_frame(source) if isinstance(source, pd.DataFrame) else _tables.from_path(source, sep)
    checker = _Checker(raw, inst)
    ignore = {str(c).strip().lower() for c in _as_list(ignore_columns)}
    cells, layout, item_columns = checker.header(layout, ignore, max_problems)
    rows = checker.rows(cells)
    records = checker.records(cells, layout, item_columns, _missing_codes(_as_list(missing)))
    records = records.merge(rows, on="pos")
    checker.duplicates(rows if layout == "wide" else records, list(ID_COLUMNS) + ["item"] * (layout == "long"))
    checker.silent_members(records)
    checker.raise_if_any(max_problems)
    return _tidy(records, inst)


def to_wide(responses: pd.DataFrame, instrument: Instrument | None = None) -> pd.DataFrame:
    """Reshape a tidy ``responses`` table to one row per group, member and session.

    Examples
    --------
    >>> import pandas as pd
    >>> long = read_responses(pd.DataFrame({"group": ["g"], "member": ["a"], "session": [1], "item": ["gq01"], "response": [4]}))
    >>> to_wide(long)[["group", "member", "session", "gq01"]].to_dict("records")
    [{'group': 'g', 'member': 'a', 'session': 1, 'gq01': 4}]
    """
    inst = instrument or Instrument.default()
    if responses.duplicated([*ID_COLUMNS, "item"]).any():
        raise GQDataError("responses", [Problem("", "", "", "one row per group, member, session and item")], advice="fix the responses table")
    wide = responses.pivot(index=list(ID_COLUMNS), columns="item", values="response")
    wide = wide.reindex(columns=list(inst.items)).reset_index()
    wide.columns.name = None
    return wide


# -- the checks ------------------------------------------------------------------------


def _as_list(value: object) -> list:
    """A single code or name as a one-element list; an iterable as a list."""
    if isinstance(value, (str, bytes, numbers.Number)):
        return [value]
    return list(value)  # type: ignore[call-overload]


def _missing_codes(extra: Iterable[str | float]) -> tuple[set[str], set[float]]:
    """Split missing codes into exact strings and numbers."""
    strings = set(MISSING_CODES)
    numbers: set[float] = set()
    for code in extra:
        try:
            numbers.add(float(code))
        except (TypeError, ValueError):
            strings.add(str(code).strip())
    return strings, numbers


class _Checker:
    """Collects the problems of one table so they can be reported together."""

    def __init__(self, raw: _tables.RawTable, inst: Instrument):
        self.raw, self.inst = raw, inst
        self.found: list[tuple[int, int, Problem]] = []  # (row position, check order, problem)

    def add(self, order: int, pos: np.ndarray, column, values, expected) -> None:
        """Record one problem per row position; column and expected may vary per row."""
        n = len(pos)
        columns = [column] * n if isinstance(column, str) else list(column)
        expects = [expected] * n if isinstance(expected, str) else list(expected)
        for p, c, v, e in zip(pos, columns, values, expects):
            self.found.append((int(p), order, Problem(self.raw.where[int(p)], c, str(v), e)))

    def raise_if_any(self, max_problems: int) -> None:
        if self.found:
            ordered = [p for _, _, p in sorted(self.found, key=lambda t: (t[0], t[1]))]
            shown = ordered[: int(max_problems)]
            raise GQDataError(self.raw.source, shown, len(ordered) - len(shown))

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
        return cells.assign(pos=np.arange(len(cells))), layout, item_columns

    def rows(self, cells: pd.DataFrame) -> pd.DataFrame:
        """Group, member and session of each source row (session NaN where invalid)."""
        pos = cells["pos"].to_numpy()
        for col in ("group", "member"):
            bad = (cells[col] == "").to_numpy()
            self.add(0, pos[bad], col, cells[col][bad], f"a {col} id; this cell is empty")
        session = pd.to_numeric(cells["session"], errors="coerce").to_numpy(dtype=float)
        ok = np.isfinite(session) & (session >= 1) & (session <= MAX_SESSION) & (np.floor(session) == session)
        self.add(1, pos[~ok], "session", cells["session"][~ok], f"a positive whole number up to {MAX_SESSION:,} (sessions count from 1)")
        return pd.DataFrame({"pos": pos, "group": cells["group"], "member": cells["member"], "session": np.where(ok, session, np.nan)})

    def records(self, cells: pd.DataFrame, layout: str, item_columns: list[str], missing: tuple[set[str], set[float]]) -> pd.DataFrame:
        """One record per answer: source row, item (NaN if unknown), response (NaN if missing or bad)."""
        if layout == "long":
            long = cells[["pos", "item", "response"]].assign(column="response")
        else:
            long = cells.melt(id_vars=["pos"], value_vars=item_columns, var_name="item", value_name="response")
            long["column"] = long["item"]
        pos = long["pos"].to_numpy()
        item_of = {item.lower(): item for item in self.inst.items}
        item = long["item"].str.lower().map(item_of)
        bad = item.isna().to_numpy()
        self.add(2, pos[bad], "item", long["item"][bad], f"an item id of the instrument ({self.inst.items[0]} ... {self.inst.items[-1]})")

        strings, numbers = missing
        text = long["response"]
        number = pd.to_numeric(text, errors="coerce").to_numpy(dtype=float)
        is_missing = text.isin(strings).to_numpy() | np.isin(number, list(numbers))
        low, high = self.inst.response_range
        ok = np.isfinite(number) & (number >= low) & (number <= high) & (np.floor(number) == number)
        bad = ~is_missing & ~ok
        codes = ", ".join([*(repr(c) for c in sorted(strings)), *(f"{n:g}" for n in sorted(numbers))])
        kind = np.where(np.isnan(number[bad]), "it is not a number", "it is outside the range or not whole")
        expected = [f"a whole number from {low} to {high}, or a missing code ({codes}); {k}" for k in kind]
        self.add(3, pos[bad], long["column"][bad], text[bad], expected)
        response = np.where(ok & ~is_missing, number, np.nan)
        return pd.DataFrame({"pos": pos, "item": item.to_numpy(), "response": response, "given": ~is_missing})

    def duplicates(self, table: pd.DataFrame, keys: list[str]) -> None:
        """Report each row that repeats the keys of an earlier row."""
        valid = table[keys].notna().all(axis=1) & (table["group"] != "") & (table["member"] != "")
        table = table[valid.to_numpy()]
        dup = table.duplicated(keys, keep="first").to_numpy()
        if not dup.any():
            return
        first = table.groupby(keys, sort=False)["pos"].transform("min").to_numpy()
        what = ", ".join(keys)
        expected = [f"one row per {what}; {self.raw.where[int(f)]} has the same" for f in first[dup]]
        self.add(4, table["pos"].to_numpy()[dup], "", [""] * int(dup.sum()), expected)

    def silent_members(self, records: pd.DataFrame) -> None:
        """Report members none of whose records holds an answer."""
        named = records[(records["group"] != "") & (records["member"] != "")]
        by_member = named.groupby(["group", "member"], sort=False)
        summary = by_member.agg(first=("pos", "min"), last=("pos", "max"), answered=("given", "sum"))
        for (group, member), row in summary[summary["answered"] == 0].iterrows():
            first, last = self.raw.where[int(row["first"])], self.raw.where[int(row["last"])]
            where = first if first == last else f"{first} to {last.split()[-1]}"
            self.found.append(
                (int(row["first"]), 5, Problem(where, "", "", f"at least one answer from member {member!r} of group {group!r}; all their answers are missing"))
            )


def _tidy(records: pd.DataFrame, inst: Instrument) -> pd.DataFrame:
    """Complete grid of member-session x item, sorted, with nullable integer types."""
    keys = records[list(ID_COLUMNS)].drop_duplicates().sort_values(list(ID_COLUMNS), ignore_index=True)
    grid = keys.loc[keys.index.repeat(inst.n_items)].reset_index(drop=True)
    grid["item"] = np.tile(np.array(inst.items, dtype=object), len(keys))
    out = grid.merge(records[[*ID_COLUMNS, "item", "response"]], on=[*ID_COLUMNS, "item"], how="left")
    return out.astype({"group": str, "member": str, "session": "Int64", "item": str, "response": "Int64"})
