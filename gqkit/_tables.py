"""Reading delimited text into a table of strings, keeping each row's line number.

Private helper shared by :mod:`gqkit.instrument` and :mod:`gqkit.io`. It accepts what real
exports contain when that is unambiguous (UTF-8 byte-order mark, comma, semicolon or tab as
delimiter, blank or all-empty lines, surrounding spaces) and raises :class:`GQDataError` for
the rest. It never interprets values: every cell stays a string.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .errors import GQDataError, Problem

DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab"}


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
    reader = csv.reader(io.StringIO(text), delimiter=sep)
    header: list[str] | None = None
    records, line_numbers, problems = [], [], []
    for record in reader:
        if not any(field.strip() for field in record):
            continue  # blank or all-empty line (spreadsheet exports end with these)
        if header is None:
            header = record
            continue
        if len(record) != len(header):
            problems.append(
                Problem(f"line {reader.line_num}", "", f"{len(record)} fields", f"{len(header)} fields, as in the header")
            )
            continue
        records.append(record)
        line_numbers.append(reader.line_num)
    if problems:
        raise GQDataError(source, problems[:50], max(len(problems) - 50, 0))
    assert header is not None
    cells = pd.DataFrame(records, columns=_column_names(source, header), dtype=object)
    cells = cells.apply(lambda col: col.str.strip()) if len(cells) else cells
    where = pd.Series([f"line {n}" for n in line_numbers], dtype=object)
    return RawTable(source, cells, where)


def from_frame(frame: pd.DataFrame) -> RawTable:
    """Turn a DataFrame into a :class:`RawTable` (missing cells become empty strings)."""
    source = "DataFrame"
    cells = frame.astype(object).where(frame.notna(), "")
    cells = cells.apply(lambda col: col.map(lambda v: str(v).strip())) if len(cells) else cells
    cells.columns = _column_names(source, [str(c) for c in frame.columns])
    where = pd.Series([f"row {label}" for label in frame.index], dtype=object)
    return RawTable(source, cells.reset_index(drop=True), where)


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
            raise GQDataError(source, [Problem("", "", sep, "sep to be one of ',', ';' or '\\t'")])
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
