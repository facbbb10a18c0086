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
import numbers
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import numpy as np
import pandas as pd

from .errors import GQConfigError, GQDataError, Problem

DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab"}
MAX_LISTED = 50  # problems listed before the rest are only counted


@dataclass(frozen=True)
class RawTable:
    """Cells as stripped strings, column names lower-cased, and where each row came from.

    ``labels`` holds each row's place: a line number for a file, an index label for a
    DataFrame; :meth:`where` turns one into words ("line 7", "row 3").

    Parameters
    ----------
    source : str
        The file's name, or ``"DataFrame"``; errors name it.
    cells : DataFrame
        One column per input column (lower-cased, stripped names), every cell a stripped
        string, ``""`` where empty.
    labels : ndarray
        Each row's line number (file) or index label (DataFrame), aligned with ``cells``.
    unit : {"line", "row"}
        The word :meth:`where` puts before a label.
    """

    source: str
    cells: pd.DataFrame
    labels: np.ndarray
    unit: str  # "line" or "row"

    def where(self, position: int) -> str:
        """The place of the row at ``position`` in words, e.g. ``"line 7"``.

        Parameters
        ----------
        position : int
            The row's 0-based position in ``cells``.

        Returns
        -------
        str
        """
        return f"{self.unit} {self.labels[position]}"


@dataclass(frozen=True)
class InMemoryFile:
    """A delimited text file's name and bytes, held in memory and never written to disk.

    What a browser upload gives (see :mod:`gqkit.workshop`): :func:`gqkit.read_responses`
    reads it as it reads a file on disk, and its problems name ``name``.

    Parameters
    ----------
    name : str
        The file's name, as its owner knows it (errors name it).
    data : bytes
        Its content.

    Examples
    --------
    >>> from gqkit import read_responses
    >>> upload = InMemoryFile("mine.csv", b"group,member,session,item,response\\ng1,m1,1,gq01,5\\n")
    >>> read_responses(upload).dropna()["response"].tolist()
    [5]
    """

    name: str
    data: bytes

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise GQConfigError("name", self.name, "the file's name, a non-empty text")
        if not isinstance(self.data, (bytes, bytearray, memoryview)):
            raise GQConfigError("data", type(self.data).__name__, "the file's content as bytes")
        object.__setattr__(self, "data", bytes(self.data))


def from_path(path: str | Path | InMemoryFile, sep: str | None = None) -> RawTable:
    """Read a delimited text file into a :class:`RawTable`.

    The csv module tokenises (strictly: an unclosed quote is an error); everything per row
    after that is vectorised, so a million-row file reads in seconds.

    Parameters
    ----------
    path : str, Path or InMemoryFile
        The file, UTF-8 (a byte-order mark is allowed), on disk or in memory.
    sep : {",", ";", "\\t"}, optional
        The delimiter; default: the only one of the three that splits the header (or, failing
        that, the first 200 non-blank lines) consistently.

    Returns
    -------
    RawTable
        With ``unit="line"``; blank and all-empty lines are dropped.

    Raises
    ------
    GQDataError
        If the file cannot be read, is not UTF-8, is empty, has an ambiguous delimiter, a
        duplicate or empty column name, or records of the wrong width.
    GQConfigError
        If ``sep`` is not one of the three delimiters.
    """
    if isinstance(path, InMemoryFile):
        source, data = path.name, path.data
    else:
        path = Path(path)
        source, data = path.name, _read(path)
    text = _decoded(source, data)
    lines = text.splitlines()
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None:
        raise GQDataError(source, [Problem("", "", "", "a header line naming the columns; the file is empty")])
    sep = _delimiter(source, lines[first:], sep)
    del lines
    records, ends = _tokenised(source, text, sep)
    return _table(source, records, ends)


def _read(path: Path) -> bytes:
    """The file's bytes; a file that cannot be read is a :class:`GQDataError`."""
    try:
        return path.read_bytes()
    except OSError as err:  # missing, a folder, no permission, a symlink loop, a name too long ...
        raise GQDataError(str(path), [Problem("path", "", "", f"a readable file ({err.strerror.lower() if err.strerror else 'cannot open'})")]) from None


def _decoded(source: str, data: bytes) -> str:
    """The text of ``data``; a byte that is not UTF-8 is a :class:`GQDataError` naming its line."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        breaks = [m.end() for m in re.finditer(rb"\r\n|\r|\n", data[: err.start])]
        where = f"line {len(breaks) + 1}, byte {err.start - (breaks[-1] if breaks else 0) + 1}"
        raise GQDataError(source, [Problem(where, "", "", "UTF-8 text (save the file as UTF-8 CSV)")]) from None


def _tokenised(source: str, text: str, sep: str) -> tuple[list[list[str]], np.ndarray]:
    """Every record, and the line each one ends on (a blank line is an empty record)."""
    if '"' not in text:  # nothing is quoted, so each record is one line
        try:
            records = list(csv.reader(io.StringIO(text, newline=""), delimiter=sep, strict=True))
            return records, np.arange(1, text.count("\n") + text.count("\r") - text.count("\r\n") + 2, dtype=np.int64)
        except csv.Error:
            pass  # read again record by record, to name the line
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep, strict=True)
    records = []
    ends: list[int] = []
    try:
        for record in reader:
            records.append(record)
            ends.append(reader.line_num)
    except csv.Error as err:
        start = ends[-1] + 1 if ends else 1
        hint = f"cells of at most {csv.field_size_limit():,} characters" if "field limit" in str(err) else "a closed quote (is one left open?)"
        raise GQDataError(source, [Problem(f"line {start}", "", "", f"well-formed delimited text with {hint}; the parser says: {err}")]) from None
    return records, np.asarray(ends, dtype=np.int64)


def _table(source: str, records: list[list[str]], ends: np.ndarray) -> RawTable:
    """Check the records' shape (one line each, as many fields as the header) and build the table."""
    ends = ends[: len(records)]
    starts = np.concatenate([[1], ends[:-1] + 1])
    first = next((i for i, r in enumerate(records) if "".join(r).strip()), None)
    if first is None:
        raise GQDataError(source, [Problem("", "", "", "a header line")])
    header = records[first]
    width = np.fromiter(map(len, records), dtype=np.int64, count=len(records))
    body = np.flatnonzero(width > 0)
    body = body[body > first]
    multiline = ends[body] > starts[body]
    wrong = np.flatnonzero(multiline | (width[body] != len(header)))
    padding = np.array([not multiline[i] and not "".join(records[body[i]]).strip() for i in wrong], dtype=bool)
    body, multiline = np.delete(body, wrong[padding]), np.delete(multiline, wrong[padding])  # blank lines of another width
    wrong = np.flatnonzero(multiline | (width[body] != len(header)))
    problems = [
        Problem(f"line {starts[body[i]]}", "", "", "each record on one line: a quoted value runs over a line end (is a closing quote missing?)")
        if multiline[i]
        else Problem(f"line {starts[body[i]]}", "", f"{width[body[i]]} fields", f"{len(header)} fields, as in the header")
        for i in wrong[: MAX_LISTED + 1]
    ]
    if ends[first] > starts[first]:
        problems.insert(0, Problem(f"line {starts[first]}", "", "", "a header on one line: a quoted name runs over a line end"))
    if problems:
        raise GQDataError(source, problems[:MAX_LISTED], max(len(wrong) + (ends[first] > starts[first]) - MAX_LISTED, 0))
    names = _column_names(source, header)
    cells = pd.DataFrame([records[i] for i in body], columns=range(len(names)), dtype=object) if len(body) else pd.DataFrame(columns=range(len(names)), dtype=object)
    cells = pd.DataFrame({name: _stripped(cells[i].to_numpy()) for i, name in enumerate(names)})
    filled = (cells != "").any(axis=1).to_numpy()  # an all-empty line is a spreadsheet's padding
    return RawTable(source, cells[filled].reset_index(drop=True), starts[body][filled], "line")


def _stripped(column: np.ndarray) -> np.ndarray:
    """Each cell without surrounding spaces, stripping each distinct value once."""
    codes, uniques = pd.factorize(column)
    return np.array([u.strip() for u in uniques], dtype=object).take(codes) if len(column) else column


def from_frame(frame: pd.DataFrame) -> RawTable:
    """Turn a DataFrame into a :class:`RawTable` (missing cells become empty strings).

    Whole-number floats are written without ``.0`` (an id of 101.0 reads as "101", as it
    would from a file).

    Parameters
    ----------
    frame : DataFrame
        Any table; its column names are lower-cased and stripped.

    Returns
    -------
    RawTable
        With ``unit="row"`` and the frame's index labels as ``labels``.

    Raises
    ------
    GQDataError
        If two column names are the same after lower-casing, or one is empty.
    """
    source = "DataFrame"
    cells = frame.astype(object).where(frame.notna(), "")
    cells = cells.apply(lambda col: col.map(_text)) if len(cells) else cells
    cells.columns = _column_names(source, [str(c) for c in frame.columns])
    return RawTable(source, cells.reset_index(drop=True), np.asarray(frame.index, dtype=object), "row")


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet read a cell as a formula (OWASP, CSV injection)."""


def write_csv(frame: pd.DataFrame, target: str | Path | TextIO) -> None:
    """Write ``frame`` as UTF-8 CSV with ``\\n`` line ends, text cells made safe for spreadsheets.

    A text cell that begins like a formula (``=``, ``+``, ``-``, ``@``, tab or carriage
    return) gets a leading apostrophe, so a spreadsheet shows it as text instead of running
    it. Number columns are left alone (a negative number stays a number).

    Parameters
    ----------
    frame : DataFrame
        The table; its index is not written.
    target : str, Path or text file object
        A file path (overwritten) or an open text stream such as ``sys.stdout``.

    Examples
    --------
    >>> import sys, pandas as pd
    >>> write_csv(pd.DataFrame({"member": ["=HYPERLINK(1)", "m2"], "score": [-1.5, 2.0]}), sys.stdout)
    member,score
    '=HYPERLINK(1),-1.5
    m2,2.0
    """
    text = [c for c in frame.columns if frame[c].dtype == object or pd.api.types.is_string_dtype(frame[c].dtype)]
    safe = frame.assign(**{c: frame[c].map(_defused, na_action="ignore") for c in text}) if text else frame
    safe.to_csv(target, index=False, lineterminator="\n")


def _defused(value: object) -> object:
    return "'" + value if isinstance(value, str) and value.startswith(FORMULA_START) else value


def _text(value: object) -> str:
    if isinstance(value, (float, np.floating)) and math.isfinite(value) and float(value).is_integer():
        return str(int(value))
    return str(value).strip()


def _column_names(source: str, header: list[str]) -> list[str]:
    names = [name.strip().lstrip("\ufeff").strip().lower() for name in header]  # a stray byte-order mark is no part of a name
    problems = [
        Problem("header", name, name, "each column name once (names are compared ignoring case and spaces)")
        for i, name in enumerate(names)
        if name in names[:i]
    ]
    problems += [Problem("header", "", "", f"a name for column {i + 1}") for i, name in enumerate(names) if not name]
    if problems:
        raise GQDataError(source, problems)
    return names


def _splits_alike(lines: list[str], sep: str) -> bool:
    """Every line has as many fields with ``sep`` (a line the parser cannot read says no)."""
    try:
        return len({len(r) for r in csv.reader(lines, delimiter=sep)}) == 1
    except csv.Error:
        return False


def _delimiter(source: str, lines: list[str], sep: str | None) -> str:
    """The delimiter: as given, else the only candidate that splits every line alike."""
    if sep is not None:
        if not isinstance(sep, str) or sep not in DELIMITERS:
            raise GQConfigError("sep", sep, "one of ',', ';' or '\\t'")
        return sep
    candidates = [d for d in DELIMITERS if d in lines[0]]
    if len(candidates) == 1:
        return candidates[0]
    sample = [line for line in lines[:200] if line.strip()]
    consistent = [d for d in candidates if _splits_alike(sample, d)]
    if len(consistent) == 1:
        return consistent[0]
    if not candidates:
        expected = "a header of several columns separated by commas, semicolons or tabs"
    else:
        names = ", ".join(DELIMITERS[d] for d in (consistent or candidates))
        expected = f"one delimiter, but {names} could each be it; pass sep="
    raise GQDataError(source, [Problem("header", "", lines[0][:60], expected)])


# -- what callers may pass to a reader ------------------------------------------------------------
MISSING_CODES = ("", "NA", "N/A", "NaN")
"""Cell contents that always mean "no value" to the readers; callers add others with ``missing=``."""


def as_list(parameter: str, value: object) -> list:
    """A single code or name as a one-element list; an iterable (not a mapping) as a list."""
    if isinstance(value, (str, numbers.Number)):
        return [value]
    if isinstance(value, Iterable) and not isinstance(value, (bytes, dict)):
        return list(value)
    raise GQConfigError(parameter, value, "a code or name, or a list of them")


def missing_codes(extra: Iterable[object], low: float, high: float, value: str) -> tuple[set[str], set[float]]:
    """Split missing codes into exact strings and numbers; a number from ``low`` to ``high`` (a valid ``value``) is refused."""
    strings = set(MISSING_CODES)
    codes: set[float] = set()
    for code in extra:
        number = pd.to_numeric(pd.Series([str(code).strip()]), errors="coerce").to_numpy(dtype=float)[0]  # a number as cells are read
        if not np.isfinite(number):  # text, or a spelling of nan or inf: matched as text
            strings.add(str(code).strip())
        elif low <= number <= high:
            raise GQConfigError("missing", code, f"codes outside the {value} range {low:g} to {high:g}: {code} is a valid {value}")
        else:
            codes.add(float(number))
    return strings, codes
