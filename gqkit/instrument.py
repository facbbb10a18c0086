"""The instrument as data: which item belongs to which scale and relational level.

The Group Questionnaire (GQ; Krogel et al., 2013) crosses three relationship qualities --
Positive Bonding (PB), Positive Working (PW), Negative Relationship (NR) -- with three
structural levels -- member-member (MM), member-leader (ML), member-group (MG). gqkit ships
its *own illustrative items* with that structure (``gqkit/data/instrument.csv``); the GQ's
wording belongs to OQ Measures and is not reproduced. A licensed user loads the real key with
:meth:`Instrument.from_csv`. Nothing else in gqkit hard-codes the number of items, which
items a scale has, or the level of an item: it all comes from here.
"""

from __future__ import annotations

import numbers
from functools import cached_property, lru_cache
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from . import _tables
from .errors import GQConfigError, GQDataError, Problem

__all__ = ["LEVELS", "LEVEL_NAMES", "SCALES", "SCALE_NAMES", "Instrument"]

SCALES = ("PB", "PW", "NR")
SCALE_NAMES = {"PB": "Positive Bonding", "PW": "Positive Working", "NR": "Negative Relationship"}
LEVELS = ("MM", "ML", "MG")
RESERVED_IDS = ("group", "member", "session", "item", "response", "pos")
"""Column names of the data tables, which an item id may not take."""
LEVEL_NAMES = {"MM": "member-member", "ML": "member-leader", "MG": "member-group", "all": "whole subscale"}


class Instrument:
    """Items of a GQ-structured questionnaire: id, scale, level and (optional) wording.

    Parameters
    ----------
    table : DataFrame
        One row per item with columns ``item``, ``scale`` (PB/PW/NR), ``level`` (MM/ML/MG)
        and optionally ``text`` (the wording), ``low`` and ``high`` (the answer range, the
        same on every row). Scale and level codes are matched ignoring case.
    response_range : (int, int), optional
        Lowest and highest allowed answer, whole numbers from -1,000 to 1,000 with
        low < high; keyword only. Default: the table's ``low`` and ``high``, else (1, 7),
        the GQ's 7-point scale (Krogel et al., 2013). When both are given they must agree.

    Raises
    ------
    GQDataError
        For a missing column, an empty or duplicate item id, an unknown scale or level, or
        a scale without items, or a ``response_range`` that disagrees with ``low``/``high``.
    GQConfigError
        If ``table`` is not a DataFrame or ``response_range`` is not a valid range.

    Examples
    --------
    >>> inst = Instrument.default()
    >>> len(inst.items), inst.items_of("PW")[:2]
    (30, ('gq05', 'gq10'))
    >>> inst.empty_cells
    (('PW', 'MM'),)
    """

    def __init__(self, table: pd.DataFrame, *, response_range: tuple[int, int] | None = None):
        if not isinstance(table, pd.DataFrame):
            raise GQConfigError("table", table, "a DataFrame with columns item, scale, level[, text] (or use Instrument.from_csv)")
        self._set(_tables.from_frame(table), response_range)

    def _set(self, raw: _tables.RawTable, response_range: object) -> None:
        self._table, self.response_range = _validated(raw, response_range)
        self._index = {item: i for i, item in enumerate(self._table["item"])}

    @classmethod
    def from_csv(cls, path: str | Path, *, response_range: tuple[int, int] | None = None) -> Instrument:
        """Load an item key (columns ``item, scale, level[, text][, low, high]``) from a CSV file.

        ``low`` and ``high``, when the file has them, give the answer range (one range for
        every item). ``response_range`` defaults to that, or to (1, 7); if both are given they
        must agree. Problems are reported with the file's line numbers.

        Parameters
        ----------
        path : str or Path
            The item key, a delimited text file (comma, semicolon or tab; UTF-8).
        response_range : (int, int), optional
            Lowest and highest allowed answer, as for :class:`Instrument`; keyword only.

        Returns
        -------
        Instrument

        Raises
        ------
        GQDataError
            For an unreadable file or any problem :class:`Instrument` reports.

        Examples
        --------
        >>> from importlib import resources
        >>> Instrument.from_csv(resources.files("gqkit") / "data" / "instrument.csv").n_items
        30
        """
        instrument = cls.__new__(cls)
        instrument._set(_tables.from_path(path), response_range)
        return instrument

    @staticmethod
    @lru_cache(maxsize=1)
    def default() -> Instrument:
        """The kit's illustrative 30-item instrument (not the GQ's wording).

        Loaded once from ``gqkit/data/instrument.csv`` and then reused.

        Returns
        -------
        Instrument
        """
        return Instrument.from_csv(Path(str(resources.files("gqkit") / "data" / "instrument.csv")))

    # -- structure ---------------------------------------------------------------------
    @property
    def table(self) -> pd.DataFrame:
        """A copy of the item table (item, scale, level, text)."""
        return self._table.copy()

    @property
    def items(self) -> tuple[str, ...]:
        """Item ids in the instrument's order."""
        return tuple(self._table["item"])

    @property
    def n_items(self) -> int:
        """How many items the instrument has."""
        return len(self._table)

    @property
    def scales(self) -> tuple[str, ...]:
        """Scale codes, in the order PB, PW, NR."""
        return SCALES

    @property
    def levels(self) -> tuple[str, ...]:
        """Level codes, in the order MM, ML, MG."""
        return LEVELS

    @property
    def cells(self) -> pd.DataFrame:
        """Number of items per scale (rows) and level (columns); 0 marks an empty cell."""
        return self._cells.copy()

    @cached_property
    def _cells(self) -> pd.DataFrame:
        counts = pd.crosstab(self._table["scale"], self._table["level"])
        return counts.reindex(index=list(SCALES), columns=list(LEVELS), fill_value=0)

    @property
    def empty_cells(self) -> tuple[tuple[str, str], ...]:
        """(scale, level) pairs that hold no item."""
        cells = self.cells
        return tuple((s, lv) for s in SCALES for lv in LEVELS if cells.loc[s, lv] == 0)

    @cached_property
    def facets(self) -> tuple[tuple[str, str], ...]:
        """Scored units in reporting order: per scale the subscale ("all") then its levels.

        Empty cells are left out, so every facet has at least one item.
        """
        cells = self.cells
        return tuple(
            (s, lv) for s in SCALES for lv in ("all", *LEVELS) if lv == "all" or cells.loc[s, lv] > 0
        )

    def items_of(self, scale: str | None = None, level: str | None = None) -> tuple[str, ...]:
        """Item ids of one scale and/or level (``level="all"`` means every level).

        Parameters
        ----------
        scale : {"PB", "PW", "NR"}, optional
            The scale (case ignored); default: every scale.
        level : {"MM", "ML", "MG", "all"}, optional
            The level (case ignored); default or ``"all"``: every level.

        Returns
        -------
        tuple of str
            The item ids in the instrument's order (empty for an empty cell).

        Raises
        ------
        KeyError
            For a scale or level code the GQ does not have.
        """
        keep = pd.Series(True, index=self._table.index)
        if scale is not None:
            keep &= self._table["scale"] == _code(scale, SCALES, "scale")
        if level is not None and level != "all":
            keep &= self._table["level"] == _code(level, LEVELS, "level")
        return tuple(self._table.loc[keep, "item"])

    def position(self, item: str) -> int:
        """Column of an item in the instrument's order.

        Parameters
        ----------
        item : str
            An item id, spelt exactly as in :attr:`items`.

        Returns
        -------
        int
            Its 0-based position in :attr:`items`.

        Raises
        ------
        KeyError
            If the instrument has no such item.
        """
        return self._index[item]

    def __len__(self) -> int:
        return self.n_items

    def __repr__(self) -> str:
        empty = ", ".join(f"{s}x{lv}" for s, lv in self.empty_cells) or "none"
        return f"Instrument({self.n_items} items, empty cells: {empty})"


def instrument_or_default(value: object) -> Instrument:
    """``value`` when it is an :class:`Instrument`, the default key when it is None.

    Parameters
    ----------
    value : Instrument or None
        What a caller passed as ``instrument=``.

    Returns
    -------
    Instrument

    Raises
    ------
    GQConfigError
        For anything else (a path, say: read it with ``Instrument.from_csv`` first).
    """
    if value is None:
        return Instrument.default()
    if not isinstance(value, Instrument):
        raise GQConfigError("instrument", value, "a gqkit.Instrument (e.g. Instrument.from_csv('key.csv')) or None for the default")
    return value


def _code(value: str, allowed: tuple[str, ...], what: str) -> str:
    code = str(value).strip().upper()
    if code not in allowed:
        raise KeyError(f"unknown {what} {value!r}; expected one of {', '.join(allowed)}")
    return code


def _answer_range(raw: _tables.RawTable, given: object) -> tuple[int, int]:
    """The answer range: ``given``, or the key's ``low`` and ``high`` columns, or (1, 7); they must agree."""
    if given is not None:
        if not (isinstance(given, (tuple, list)) and len(given) == 2
                and all(isinstance(v, numbers.Integral) and not isinstance(v, bool) and -1000 <= int(v) <= 1000 for v in given) and given[0] < given[1]):
            raise GQConfigError("response_range", given, "(low, high) whole numbers from -1,000 to 1,000 with low < high")
    columns = [c for c in ("low", "high") if c in raw.cells.columns]
    if not columns:
        return (int(given[0]), int(given[1])) if given is not None else (1, 7)
    if len(columns) == 1:
        raise GQDataError(raw.source, [Problem("header", "", "", "both 'low' and 'high' columns (the answer range), or neither")])
    bounds = [pd.to_numeric(raw.cells[c], errors="coerce") for c in ("low", "high")]
    pairs = {(lo, hi) for lo, hi in zip(*bounds)}
    if len(pairs) != 1 or not all(np.isfinite(v) and float(v).is_integer() and abs(v) <= 1000 for v in next(iter(pairs))) or min(pairs)[0] >= min(pairs)[1]:
        raise GQDataError(raw.source, [Problem("", "low, high", "", "one answer range for every item: whole numbers from -1,000 to 1,000 with low < high")])
    low, high = next(iter(pairs))
    found = (int(low), int(high))
    if given is not None and tuple(given) != found:
        raise GQDataError(raw.source, [Problem("", "low, high", f"{found[0]} to {found[1]}", f"the answer range given, response_range={tuple(given)}")])
    return found


def _validated(raw: _tables.RawTable, response_range: object = None) -> tuple[pd.DataFrame, tuple[int, int]]:
    """Check an item key: a clean table (item, scale, level, text) and its answer range."""
    cells = raw.cells
    missing = [c for c in ("item", "scale", "level") if c not in cells.columns]
    unknown = [c for c in cells.columns if c not in ("item", "scale", "level", "text", "low", "high")]
    if missing or unknown:
        raise GQDataError(raw.source, [Problem("header", "", "", f"a '{c}' column") for c in missing]
                          + [Problem("header", c, "", "only the columns item, scale, level, text, low and high") for c in unknown])  # fmt: skip
    answer_range = _answer_range(raw, response_range)
    table = pd.DataFrame(
        {
            "item": cells["item"],
            "scale": cells["scale"].str.upper(),
            "level": cells["level"].str.upper(),
            "text": cells["text"] if "text" in cells.columns else "",
        }
    )
    problems = []
    for i, row in table.iterrows():
        where = raw.where(i)
        if not row["item"] or any(ch.isspace() or not ch.isprintable() for ch in row["item"]):
            shown = row["item"].encode("unicode_escape").decode("ascii")  # make an invisible character visible
            problems.append(Problem(where, "item", shown, "an item id of visible characters, without spaces or invisible characters"))
        elif row["item"].startswith(_tables.FORMULA_START):
            problems.append(Problem(where, "item", row["item"], "an item id that does not begin with =, +, - or @ (a spreadsheet would run it as a formula)"))
        elif row["item"].lower() in RESERVED_IDS:
            problems.append(Problem(where, "item", row["item"], f"an item id other than the column names {', '.join(RESERVED_IDS)}"))
        elif row["item"].lower() in set(table["item"].str.lower()[: i]):
            problems.append(Problem(where, "item", row["item"], "each item id once (ids are compared ignoring case)"))
        if row["scale"] not in SCALES:
            problems.append(Problem(where, "scale", cells["scale"][i], f"one of {', '.join(SCALES)}"))
        if row["level"] not in LEVELS:
            problems.append(Problem(where, "level", cells["level"][i], f"one of {', '.join(LEVELS)}"))
    if not problems:
        problems += [
            Problem("", "scale", "", f"at least one item on scale {s} ({SCALE_NAMES[s]})")
            for s in SCALES
            if s not in set(table["scale"])
        ]
    if problems:
        raise GQDataError(raw.source, problems)
    return table.reset_index(drop=True), answer_range
