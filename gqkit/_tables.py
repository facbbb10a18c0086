"""Reading delimited text into a table of strings, keeping each row's line number.

Private helper shared by :mod:`gqkit.instrument` and :mod:`gqkit.io`. It accepts what real
exports contain when that is unambiguous (UTF-8 byte-order mark, comma, semicolon or tab as
delimiter, blank or all-empty lines, surrounding spaces) and raises :class:`GQDataError` for
the rest. It never interprets values: every cell stays a string.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import GQConfigError, GQDataError, Problem

DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab"}
MAX_LISTED = 50  # problems listed before the rest are only counted


@dataclass(frozen=True)
class RawTable:
    """Cells as stripped strings, column names lower-cased, and where each row came from."""

    source: str
    cells: pd.DataFrame
    where: pd.Series  # "line 7" for files, "row 3" for DataFrames; aligned with ``cells``


def from_path(path: str | Path, sep: str | None = None) -> RawTable:
    """Read a delimited text file into a :class:`RawTable`."""
    path = Path(path)
    source = path.name
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise GQDataError(source, [Problem(f"byte {err.start}", "", "", "UTF-8 text (save the file as UTF-8 CSV)")]) from None
    lines = text.splitlines()
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None:
        raise GQDataError(source, [Problem("", "", "", "a header line naming the columns; the file is empty")])
    sep = _delimiter(source, lines[first:], sep)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep, strict=True)
    header: list[str] | None = None
    records, line_numbers, problems = [], [], []
    while True:
        start = reader.line_num + 1
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as err:
            raise GQDataError(source, [Problem(f"line {start}", "", "", f"well-formed delimited text, but the parser says: {err} (is a quote left open?)")]) from None
        if not any(field.strip() for field in record):
            continue  # blank or all-empty line (spreadsheet exports end with these)
        if any("\n" in field or "\r" in field for field in record):
            problems.append(Problem(f"line {start}", "", "", "each record on one line: a quoted value runs over a line end (is a closing quote missing?)"))
        elif header is None:
            header = record
        elif len(record) != len(header):
            problems.append(Problem(f"line {start}", "", f"{len(record)} fields", f"{len(header)} fields, as in the header"))
        else:
            records.append(record)
            line_numbers.append(start)
    if problems or header is None:
        raise GQDataError(source, problems[:MAX_LISTED] or [Problem("", "", "", "a header line")], max(len(problems) - MAX_LISTED, 0))
    cells = pd.DataFrame(records, columns=_column_names(source, header), dtype=object)
    cells = cells.apply(lambda col: col.str.strip()) if len(cells) else cells
    where = pd.Series([f"line {n}" for n in line_numbers], dtype=object)
    return RawTable(source, cells, where)


def from_frame(frame: pd.DataFrame) -> RawTable:
    """Turn a DataFrame into a :class:`RawTable` (missing cells become empty strings).

    Whole-number floats are written without ``.0`` (an id of 101.0 reads as "101", as it
    would from a file).
    """
    source = "DataFrame"
    cells = frame.astype(object).where(frame.notna(), "")
    cells = cells.apply(lambda col: col.map(_text)) if len(cells) else cells
    cells.columns = _column_names(source, [str(c) for c in frame.columns])
    where = pd.Series([f"row {label}" for label in frame.index], dtype=object)
    return RawTable(source, cells.reset_index(drop=True), where)


def _text(value: object) -> str:
    if isinstance(value, (float, np.floating)) and math.isfinite(value) and float(value).is_integer():
        return str(int(value))
    return str(value).strip()


def _column_names(source: str, header: list[str]) -> list[str]:
    names = [name.strip().lower() for name in header]
    problems = [
        Problem("header", name, name, "each column name once (names are compared ignoring case and spaces)")
        for i, name in enumerate(names)
        if name in names[:i]
    ]
    problems += [Problem("header", "", "", f"a name for column {i + 1}") for i, name in enumerate(names) if not name]
    if problems:
        raise GQDataError(source, problems)
    return names


def _delimiter(source: str, lines: list[str], sep: str | None) -> str:
    """The delimiter: as given, else the only candidate that splits every line alike."""
    if sep is not None:
        if sep not in DELIMITERS:
            raise GQConfigError("sep", sep, "one of ',', ';' or '\\t'")
        return sep
    candidates = [d for d in DELIMITERS if d in lines[0]]
    if len(candidates) == 1:
        return candidates[0]
    sample = [line for line in lines[:200] if line.strip()]
    consistent = [d for d in candidates if len({len(r) for r in csv.reader(sample, delimiter=d)}) == 1]
    if len(consistent) == 1:
        return consistent[0]
    if not candidates:
        expected = "a header of several columns separated by commas, semicolons or tabs"
    else:
        names = ", ".join(DELIMITERS[d] for d in (consistent or candidates))
        expected = f"one delimiter, but {names} could each be it; pass sep="
    raise GQDataError(source, [Problem("header", "", lines[0][:60], expected)])
