"""A cohort as a folder of files, written and read back through the same checks as any input.

A folder holds ``config.json``, ``instrument.csv`` (the item key: item, scale, level and the
answer range; never item wording), ``groups.csv``, ``members.csv``, ``events.csv``,
``outcomes.csv`` and ``responses.csv`` (wide: one row per attended member-session).

:func:`read_folder` checks each file against its schema (:data:`TABLES`), then checks that the
files agree with each other and with the config: the groups and members the tables name,
sessions within the course, one outcome per answered session, repairs and fades of known
ruptures, and member counts that match the events and the answers. Every failure is a
:class:`~gqkit.errors.GQDataError` naming the file, line and column. :func:`write_folder`
refuses a folder that already holds files unless told to overwrite, and neutralises text
cells a spreadsheet would run as a formula.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .. import _tables
from ..errors import GQConfigError, GQDataError, Problem
from ..instrument import Instrument
from ..io import read_answers
from ..schema import MAX_SESSION, SESSION, Column, ProblemLog, Schema
from .config import LEVELS, RESPONSES, RUPTURE_TYPES, SimulationConfig, TherapistModel
from .ruptures import member_id

__all__ = ["EVENT_KINDS", "FILES", "TABLES", "read_folder", "write_folder"]

EVENT_KINDS = ("rupture", "repair", "fade")
CAUSES = ("random", "scripted", "shaming")
FILES = ("config.json", "instrument.csv", "groups.csv", "members.csv", "events.csv", "outcomes.csv", "responses.csv")
ADVICE = "the folder is not a cohort as gqkit writes it"

_ID = lambda name: Column(name, "id")  # noqa: E731
_COUNT = lambda name: Column(name, "int", low=0, high=MAX_SESSION)  # noqa: E731
_OQ = lambda name, optional=False: Column(name, "int", low=0, high=180, optional=optional)  # noqa: E731
_SESSION_OR_EMPTY = lambda name: Column(name, "int", low=1, high=MAX_SESSION, optional=True)  # noqa: E731

TABLES: dict[str, Schema] = {
    "groups": Schema(
        "groups",
        (_ID("group"), _ID("therapist"), Column("feedback", "bool"), *(Column(f, "number", low=0, high=1) for f in TherapistModel.FACTORS),
         Column("feedback_rule", "text"), Column("leader_marginalised", "text"), Column("norm_setting", "bool"), _ID("seed"),
         Column("spawn_key", "text")),  # fmt: skip
        key=("group",),
    ),
    "members": Schema(
        "members",
        (_ID("group"), _ID("member"), _ID("therapist"), Column("marginalised", "text"), Column("joined", "int", low=1, high=MAX_SESSION),
         _SESSION_OR_EMPTY("left"),
         Column("dropped_out", "bool"), _OQ("baseline_oq"), _OQ("first_oq", True), _OQ("final_oq", True), _COUNT("n_attended"),
         _COUNT("n_ruptures"), _COUNT("n_attempts"), _COUNT("n_repaired"), _COUNT("n_faded"), Column("not_on_track", "bool"), _SESSION_OR_EMPTY("not_session"),
         _COUNT("n_supported"), _COUNT("n_targeted"), _COUNT("n_remarks"), Column("n_witnessed", "int", low=0, high=MAX_SESSION * 100)),  # fmt: skip
        key=("group", "member"),
    ),
    "events": Schema(
        "events",
        (_ID("event_id"), _ID("group"), SESSION, Column("kind", "choice", choices=EVENT_KINDS), Column("level", "choice", choices=LEVELS),
         Column("type", "choice", choices=RUPTURE_TYPES), _ID("member"), _ID("source"), Column("severity", "number", low=0),
         _ID("rupture_id"), Column("quality", "number", low=0, high=1, optional=True), Column("resolved", "bool", dtype="boolean"),
         _SESSION_OR_EMPTY("alert_session"), Column("alert_seen", "bool", dtype="boolean"), Column("cause", "choice", choices=CAUSES),
         Column("dimension", "text"), Column("response", "choice", choices=RESPONSES, optional=True),
         Column("member_named", "bool", optional=True, dtype="boolean")),  # fmt: skip
        key=("event_id",),
    ),
    "outcomes": Schema(
        "outcomes",
        (_ID("group"), _ID("member"), SESSION, _OQ("oq"), Column("expected", "number", low=-180, high=180),  # a recovery curve falls from the first OQ
         Column("not_on_track", "bool"), Column("supported", "bool")),  # fmt: skip
        key=("group", "member", "session"),
    ),
}
"""The schema of each table file of a cohort folder."""


# -- writing ----------------------------------------------------------------------------------
def write_folder(path: str | Path, config: SimulationConfig, instrument: Instrument, tables: dict[str, pd.DataFrame], responses: pd.DataFrame,
                 *, overwrite: bool = False) -> Path:  # fmt: skip
    """Write a cohort's files into ``path`` (created if needed).

    Parameters
    ----------
    path : str or Path
        The folder.
    config : SimulationConfig
        Written as ``config.json``.
    instrument : Instrument
        Its item key and answer range are written as ``instrument.csv`` (never wording).
    tables : dict of str to DataFrame
        The groups, members, events and outcomes tables, by name (the keys of :data:`TABLES`).
    responses : DataFrame
        Wide answers: group, member, session and one column per item.
    overwrite : bool, default False
        Write into a folder that already holds files (keyword only; files of the same names
        are replaced, others left alone).

    Returns
    -------
    Path
        The folder.

    Raises
    ------
    GQConfigError
        If ``path`` is a file, or a folder that already holds files and ``overwrite`` is False.
    """
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise GQConfigError("path", str(path), "a folder to write the cohort into; this is a file")
    if path.is_dir() and any(path.iterdir()) and not overwrite:
        raise GQConfigError("path", str(path), "an empty or new folder; this one holds files (pass overwrite=True, or --overwrite to gqkit simulate, to replace the cohort files in it)")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise GQConfigError("path", str(path), f"a folder that can be made ({err.strerror or err})") from None
    (path / "config.json").write_text(json.dumps(config.to_dict(), indent=2, sort_keys=True) + "\n")
    key = instrument.table[["item", "scale", "level"]]
    low, high = instrument.response_range
    _tables.write_csv(key.assign(low=low, high=high), path / "instrument.csv")
    for name in TABLES:
        _tables.write_csv(tables[name], path / f"{name}.csv")
    _tables.write_csv(responses, path / "responses.csv")
    return path


# -- reading ----------------------------------------------------------------------------------
def read_folder(path: str | Path) -> dict[str, Any]:
    """Read and check a cohort folder.

    Parameters
    ----------
    path : str or Path
        A folder holding every file of :data:`FILES`.

    Returns
    -------
    dict
        ``config``, ``instrument``, the four tables by name, and ``ids`` (group, member,
        session of each answered session) with ``answers`` (one column per item).

    Raises
    ------
    GQDataError
        For a missing file, a file that fails its schema, or files that disagree.
    GQConfigError
        If ``path`` is not a str or Path.
    """
    if not isinstance(path, (str, Path)):
        raise GQConfigError("path", path, "the path of a cohort folder")
    path = Path(path)
    if not path.is_dir():
        raise GQDataError(str(path), [Problem("path", "", "", "a cohort folder written by gqkit (Cohort.to_dir or `gqkit simulate`)")])
    absent = [f for f in FILES if not (path / f).is_file()]
    if absent:
        raise GQDataError(str(path), [Problem("folder", "", "", f"a file {f}") for f in absent], advice=ADVICE)
    for name in FILES:
        if name.endswith(".csv"):  # a cut-short JSON file fails to parse
            _ends_with_a_line_end(path / name)
    config = _read_config(path / "config.json")
    instrument = Instrument.from_csv(path / "instrument.csv")  # its low and high columns give the answer range
    raws = {name: _tables.from_path(path / f"{name}.csv") for name in TABLES}
    tables = {name: TABLES[name].read(raws[name], advice=ADVICE) for name in TABLES}
    ids, answers = read_answers(path / "responses.csv", instrument)
    _Agreement(config, raws, tables, ids).check()
    tables = {name: _in_order(name, table) for name, table in tables.items()}
    return {"config": config, "instrument": instrument, **tables, "ids": ids, "answers": answers}


def _in_order(name: str, table: pd.DataFrame) -> pd.DataFrame:
    """Rows in the order gqkit writes them, so a file whose rows were reordered reads the same."""
    if name == "events":
        kind = table["kind"].map({k: i for i, k in enumerate(EVENT_KINDS)})
        order = np.lexsort((table["rupture_id"].to_numpy(str), kind.to_numpy(), table["session"].to_numpy(), table["group"].to_numpy(str)))
        return table.iloc[order].reset_index(drop=True)
    return table.sort_values(list(TABLES[name].key), ignore_index=True, kind="stable")


def _read_config(path: Path) -> SimulationConfig:
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"), object_pairs_hook=_unique_keys)
    except UnicodeDecodeError:
        raise GQDataError(path.name, [Problem("file", "", "", "UTF-8 text")], advice=ADVICE) from None
    except OSError as err:
        raise GQDataError(str(path), [Problem("path", "", "", f"a readable file ({err.strerror or err})")], advice=ADVICE) from None
    except json.JSONDecodeError as err:
        raise GQDataError(path.name, [Problem(f"line {err.lineno}, column {err.colno}", "", "", f"JSON ({err.msg})")], advice=ADVICE) from None
    except RecursionError:
        raise GQDataError(path.name, [Problem("file", "", "", "JSON nested as gqkit writes it (two levels), not hundreds deep")], advice=ADVICE) from None
    except _RepeatedKey as err:
        raise GQDataError(path.name, [Problem(f"key '{err.args[0]}'", "", "", "each key once in its section")], advice=ADVICE) from None
    try:
        return SimulationConfig.from_dict(data)
    except GQConfigError as err:
        raise GQDataError(path.name, [Problem(f"key '{err.parameter}'", "", _short(err.value), err.expected)], advice=ADVICE) from None


class _RepeatedKey(Exception):
    """A JSON object names a key twice (json would silently keep the last)."""


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [k for k, _ in pairs]
    repeated = next((k for i, k in enumerate(keys) if k in keys[:i]), None)
    if repeated is not None:
        raise _RepeatedKey(repeated)
    return dict(pairs)


def _ends_with_a_line_end(path: Path) -> None:
    """gqkit ends every file it writes with a line end; a file without one was cut short."""
    try:
        with path.open("rb") as f:
            f.seek(0, 2)
            f.seek(max(f.tell() - 1, 0))
            last = f.read(1)
    except OSError as err:
        raise GQDataError(str(path), [Problem("path", "", "", f"a readable file ({err.strerror or err})")], advice=ADVICE) from None
    if last != b"\n":
        raise GQDataError(path.name, [Problem("end of file", "", "", "a line end after the last line, as gqkit writes it: was the file cut short?")], advice=ADVICE)


def _short(value: object) -> str:
    text = json.dumps(value) if not isinstance(value, str) else value
    return text if len(text) <= 60 else text[:57] + "..."


class _Agreement:
    """Checks that a folder's files agree with each other and with its config."""

    def __init__(self, config: SimulationConfig, raws: dict[str, _tables.RawTable], tables: dict[str, pd.DataFrame], ids: pd.DataFrame):
        self.raws, self.tables, self.ids = raws, tables, ids
        self.S, self.M = config.design.n_sessions, config.design.n_members
        self.severity = (config.rupture.severity_min, config.rupture.severity_max)
        self.not_margin, self.per_therapist = config.progress.not_margin, config.design.groups_per_therapist
        self.groups = set(tables["groups"]["group"])
        self.member_ids = [member_id(i + 1) for i in range(self.M)]
        self.dimensions = list(config.culture.dimensions)
        self.norm_setting = config.culture.norm_setting

    def check(self) -> None:
        self.groups_table()
        self.members()
        self.responses()
        self.outcomes()
        self.culture_cells()
        self.events()
        self.counts()
        self.microaggressions()
        self.roles()

    def _where_bad(self, name: str, checks: list[tuple[np.ndarray, str, str]]) -> None:
        """Raise for the rows of ``name`` where any check's mask is True (column, expected)."""
        log = ProblemLog(self.raws[name])
        for order, (bad, column, expected) in enumerate(checks):
            rows = np.flatnonzero(bad)
            log.add(order, rows, column, self.raws[name].cells[column].to_numpy()[rows] if column else [""] * len(rows), expected)
        log.raise_if_any(advice=ADVICE)

    def _known(self, table: pd.DataFrame) -> list[tuple[np.ndarray, str, str]]:
        return [
            (~table["group"].isin(self.groups).to_numpy(), "group", "a group listed in groups.csv"),
            (~table["member"].isin(self.member_ids).to_numpy(), "member", f"a member m01 to m{self.M:02d} (config.json: n_members = {self.M})"),
        ]

    def _in_course(self, table: pd.DataFrame, column: str) -> tuple[np.ndarray, str, str]:
        return (table[column].fillna(1).to_numpy() > self.S, column, f"a session up to {self.S} (config.json: n_sessions = {self.S})")

    def _positions(self, column: pd.Series) -> tuple[np.ndarray, str, str]:
        """Cells listing marginalised positions must name configured dimensions, each once, in config order."""
        order = {d: i for i, d in enumerate(self.dimensions)}
        def fits(cell: str) -> bool:
            labels = cell.split(";") if cell else []
            return all(label in order for label in labels) and [order[x] for x in labels] == sorted({order[x] for x in labels})
        ok = np.array([fits(cell) for cell in column], dtype=bool)
        return (~ok, column.name, f"identity dimensions from config.json ({', '.join(self.dimensions)}) joined by ';' in that order, or empty")

    def groups_table(self) -> None:
        g = self.tables["groups"]
        factors = list(TherapistModel.FACTORS) + ["leader_marginalised"]
        first = g.drop_duplicates("therapist").set_index("therapist")[factors]
        same = (g[factors].to_numpy() == first.loc[g["therapist"]].to_numpy()).all(axis=1)
        led = g.groupby("therapist")["group"].transform("size").to_numpy()
        self._where_bad("groups", [
            (g["feedback"].to_numpy() != (g["feedback_rule"] != "").to_numpy(), "feedback_rule", "the name of the rule exactly when feedback is True"),
            (~same, "therapist", "a therapist whose factors are those of their other groups"),
            (led > self.per_therapist, "therapist", f"a therapist of at most {self.per_therapist} groups (config.json: groups_per_therapist)"),
            (~g["seed"].str.fullmatch(r"\d+").to_numpy(bool), "seed", "the seed as a whole number written in digits"),
            self._positions(g["leader_marginalised"]),
            (g["norm_setting"].to_numpy() != self.norm_setting, "norm_setting", f"{self.norm_setting}, as config.json's norm_setting"),
        ])  # fmt: skip

    def members(self) -> None:
        m = self.tables["members"]
        self._where_bad("members", [*self._known(m), self._positions(m["marginalised"]), self._in_course(m, "joined"), self._in_course(m, "left"),
                                    self._in_course(m, "not_session")])  # fmt: skip
        if len(m) != len(self.groups) * self.M:
            have = set(zip(m["group"], m["member"]))
            lacking = [f"{g} {mm}" for g in sorted(self.groups) for mm in self.member_ids if (g, mm) not in have]
            raise GQDataError("members.csv", [Problem("", "", "", f"a row for each of the {self.M} members of every group; none for {', '.join(lacking[:5])}"
                                                      + (" ..." if len(lacking) > 5 else ""))], advice=ADVICE)  # fmt: skip

    def responses(self) -> None:
        ids = self.ids
        raw = self.raws["members"]
        checks = [*self._known(ids), self._in_course(ids, "session")]
        found = sorted((line, order, Problem(f"line {line}", column, str(value), expected))
                       for order, (bad, column, expected) in enumerate(checks)
                       for line, value in zip(ids["line"].to_numpy()[bad], ids[column].to_numpy()[bad]))  # fmt: skip
        if found:
            raise GQDataError("responses.csv", [p for *_, p in found[:50]], max(len(found) - 50, 0), advice=ADVICE)
        answered = ids.groupby(["group", "member"]).size()
        m = self.tables["members"]
        have = answered.reindex(pd.MultiIndex.from_frame(m[["group", "member"]])).fillna(0).to_numpy()
        log = ProblemLog(raw)
        rows = np.flatnonzero(have != m["n_attended"].to_numpy())
        log.add(0, rows, "n_attended", m["n_attended"].to_numpy()[rows], [f"the {int(h)} sessions responses.csv holds for this member" for h in have[rows]])
        log.raise_if_any(advice=ADVICE)

    def outcomes(self) -> None:
        o = self.tables["outcomes"]
        flagged = (o["oq"] >= o["expected"] + self.not_margin - 1e-9).to_numpy()
        self._where_bad("outcomes", [*self._known(o), self._in_course(o, "session"),
                                     (o["not_on_track"].to_numpy() != flagged, "not_on_track",
                                      f"True exactly when oq is at least expected + {self.not_margin:g} (config.json: not_margin)")])  # fmt: skip
        answered = pd.MultiIndex.from_frame(self.ids[["group", "member", "session"]].astype({"session": "int64"}))
        measured = pd.MultiIndex.from_frame(o[["group", "member", "session"]])
        self._where_bad("outcomes", [(~measured.isin(answered), "session", "a session the member answered (responses.csv has no row for it)")])
        lacking = answered[~answered.isin(measured)]
        if len(lacking):
            g, mm, s = lacking[0]
            raise GQDataError("outcomes.csv", [Problem("", "", "", f"a row for every answered session; none for {g} {mm} session {s}")],
                              len(lacking) - 1, advice=ADVICE)  # fmt: skip

    def events(self) -> None:
        e = self.tables["events"]
        rupture = (e["kind"] == "rupture").to_numpy()
        sources = {*self.member_ids, "group", "leader"}
        first = e[rupture].drop_duplicates("rupture_id").set_index("rupture_id")
        known = e["rupture_id"].isin(first.index).to_numpy()
        opened = e["rupture_id"].map(first["session"]).to_numpy(dtype=float, na_value=np.nan)
        same_group = (e["rupture_id"].map(first["group"]) == e["group"]).to_numpy()
        repeated = np.zeros(len(e), bool)
        repeated[rupture] = e[rupture].duplicated("rupture_id").to_numpy()
        feedback = e["group"].map(self.tables["groups"].set_index("group")["feedback"]).fillna(False).to_numpy(bool)
        late = e["alert_session"].fillna(np.iinfo(np.int64).max).to_numpy() < e["session"].to_numpy()
        as_ruptured = [  # a repair or fade row repeats what its rupture row says
            (~rupture & known & (e[c] != e["rupture_id"].map(first[c])).to_numpy(), c, f"the {c} its rupture row gives")
            for c in ("level", "type", "member", "source", "severity", "cause", "dimension", "response")
        ]
        named = e["member_named"].astype("string").fillna("")
        as_ruptured.append((~rupture & known & (named != e["rupture_id"].map(named[rupture].groupby(e.loc[rupture, "rupture_id"]).first())).to_numpy(),
                            "member_named", "the member_named its rupture row gives"))  # fmt: skip
        ended_at = e[e["resolved"].fillna(False).to_numpy(bool) & ~rupture].groupby("rupture_id")["session"].min()
        after_end = ~rupture & (e["session"].to_numpy() > e["rupture_id"].map(ended_at).fillna(np.inf).to_numpy())
        low, high = self.severity
        source_fits = np.where(e["level"] == "ML", e["source"] == "leader", np.where(e["level"] == "MM", e["source"].isin(self.member_ids) & (e["source"] != e["member"]), True))
        named = {c: e[c].str.fullmatch(r"(.+)-" + tag + r"\d+").to_numpy(bool) & (e[c].str.rsplit("-", n=1).str[0] == e["group"]).to_numpy(bool)
                 for c, tag in (("event_id", "e"), ("rupture_id", "r"))}  # fmt: skip
        self._where_bad("events", [
            *((~ok, c, f"an id as gqkit writes it: the group, '-{c[0]}' and a number (e.g. g001-{c[0]}001)") for c, ok in named.items()),
            *self._known(e), self._in_course(e, "session"), self._in_course(e, "alert_session"),
            (~e["source"].isin(sources).to_numpy(), "source", f"a member m01 to m{self.M:02d}, 'group' or 'leader'"),
            (repeated, "rupture_id", "each rupture once (another rupture row has this id)"),
            (rupture & late, "alert_session", "a session at or after the rupture's onset (an alert cannot come first)"),
            (e["alert_seen"].fillna(False).to_numpy(bool) & ~feedback, "alert_seen", "False: this group has no feedback (groups.csv), so no alert was seen"),
            *as_ruptured,
            (after_end, "session", "a session no later than the rupture's end (a repair or fade already ended it)"),
            (~((e["severity"] >= low) & (e["severity"] <= high)).to_numpy(), "severity", f"a severity from {low:g} to {high:g} (config.json)"),
            (~source_fits, "source", "the leader for a member-leader rupture, another member for a member-member one"),
            ((e["kind"] == "fade").to_numpy() & e["alert_session"].notna().to_numpy(), "alert_session", "an empty cell: a fade has no alert"),
            (~rupture & ~(known & same_group), "rupture_id", "the id of a rupture of the same group (a rupture row of events.csv)"),
            (~rupture & known & (e["session"].to_numpy() < opened), "session", "a session at or after the rupture's onset"),
            (rupture & e["quality"].notna().to_numpy(), "quality", "an empty cell: a rupture has no repair quality"),
            ((e["kind"] == "repair").to_numpy() & e["quality"].isna().to_numpy(), "quality", "a repair quality from 0 to 1"),
        ])  # fmt: skip

    def counts(self) -> None:
        """Every member column that other files determine agrees with them."""
        e, m, o = self.tables["events"], self.tables["members"], self.tables["outcomes"]
        owner = e[e["kind"] == "rupture"].set_index("rupture_id")["member"]
        e = e.assign(owner=e["rupture_id"].map(owner))
        units = pd.MultiIndex.from_frame(m[["group", "member"]])
        per_member = lambda rows, by="member": rows.groupby(["group", by]).size().reindex(units).fillna(0).astype("int64")  # noqa: E731
        by_member = o.sort_values("session").groupby(["group", "member"])
        flagged = o[o["not_on_track"]].groupby(["group", "member"])["session"].min()
        derived = {
            "therapist": ("groups.csv", m["group"].map(self.tables["groups"].set_index("group")["therapist"])),
            "left": ("outcomes.csv", by_member["session"].max().reindex(units).astype("Int64")),
            "first_oq": ("outcomes.csv", by_member["oq"].first().reindex(units).astype("Int64")),
            "final_oq": ("outcomes.csv", by_member["oq"].last().reindex(units).astype("Int64")),
            "not_on_track": ("outcomes.csv", by_member["not_on_track"].any().reindex(units).fillna(False).astype(bool)),
            "not_session": ("outcomes.csv", flagged.reindex(units).astype("Int64")),
            "n_supported": ("outcomes.csv", by_member["supported"].sum().reindex(units).fillna(0).astype("int64")),
            "n_ruptures": ("events.csv", per_member(e[e["kind"] == "rupture"], "owner")),
            "n_attempts": ("events.csv", per_member(e[e["kind"] == "repair"], "owner")),
            "n_repaired": ("events.csv", per_member(e[(e["kind"] == "repair") & e["resolved"].fillna(False)], "owner")),
            "n_faded": ("events.csv", per_member(e[e["kind"] == "fade"], "owner")),
        }
        log = ProblemLog(self.raws["members"])
        for order, (column, (source, values)) in enumerate(derived.items()):
            have, want = m[column].reset_index(drop=True), pd.Series(np.asarray(values, dtype=object))
            bad = np.flatnonzero(~((have.isna() & want.isna()) | (have.astype(object) == want).fillna(False)).to_numpy(dtype=bool))
            shown = ["empty" if pd.isna(w) else str(w) for w in want[bad]]
            log.add(order, bad, column, self.raws["members"].cells[column].to_numpy()[bad], [f"{w}, as {source} has" for w in shown])
        log.raise_if_any(advice=ADVICE)
        first = by_member["session"].min().reindex(units).to_numpy(dtype=float)
        self._where_bad("members", [
            (m["joined"].to_numpy() > np.nan_to_num(first, nan=np.inf), "joined", "a session at or before the member's first answered session"),
            ((m["dropped_out"] & (m["left"] == self.S)).fillna(False).to_numpy(bool), "dropped_out", "False: the member came to the last session"),
        ])  # fmt: skip
        self.event_flags(e)

    def culture_cells(self) -> None:
        """Cultural rows carry a dimension, a response and member_named; other rows none."""
        e = self.tables["events"]
        cultural = (e["type"] == "cultural").to_numpy()
        response = e["response"].to_numpy()
        self._where_bad("events", [
            (cultural & ~e["dimension"].isin(self.dimensions).to_numpy(), "dimension", f"one of the identity dimensions of config.json: {', '.join(self.dimensions)}"),
            (~cultural & (e["dimension"] != "").to_numpy(), "dimension", "an empty cell: only a cultural rupture has a dimension"),
            (cultural & (response == ""), "response", "the leader's response to this microaggression: not addressed, addressed or shaming"),
            (~cultural & (response != ""), "response", "an empty cell: only a cultural rupture has a response"),
            (cultural & e["member_named"].isna().to_numpy(), "member_named", "True or False for a cultural rupture"),
            (~cultural & e["member_named"].notna().to_numpy(), "member_named", "an empty cell: only a cultural rupture is named"),
            (cultural & (e["level"] == "MG").to_numpy(), "level", "ML (from the leader) or MM (from a member) for a cultural rupture"),
        ])  # fmt: skip

    def microaggressions(self) -> None:
        """Responses agree with the repair rows; targets are marginalised on the dimension, sources privileged."""
        e, m, g = self.tables["events"], self.tables["members"], self.tables["groups"]
        cultural = (e["type"] == "cultural").to_numpy()
        rupture = (e["kind"] == "rupture").to_numpy()
        repairs = e[e["kind"] == "repair"].groupby("rupture_id").size()
        n_answers = e["rupture_id"].map(repairs).fillna(0).to_numpy()
        holds = lambda table, keys, dims: np.array([d in cell.split(";") for cell, d in zip(table.reindex(keys).fillna("").to_numpy(), dims)], dtype=bool)  # noqa: E731
        positions = m.set_index(["group", "member"])["marginalised"]
        target_marginalised = holds(positions, pd.MultiIndex.from_frame(e[["group", "member"]]), e["dimension"])
        by_member = e["source"].isin(self.member_ids).to_numpy()
        source_keys = pd.MultiIndex.from_arrays([e["group"], e["source"]])
        leader = g.set_index("group")["leader_marginalised"]
        source_marginalised = np.where(by_member, holds(positions, source_keys, e["dimension"]),
                                       holds(leader, pd.Index(e["group"]), e["dimension"]))  # fmt: skip
        response = e["response"].to_numpy()
        self._where_bad("events", [
            (cultural & rupture & ((response == "not addressed") != (n_answers == 0)), "response",
             "not addressed exactly when no repair row answers this rupture"),
            (cultural & rupture & (n_answers > 1), "rupture_id", "at most one response (repair row) to a microaggression"),
            (cultural & (response == "shaming") & ~by_member, "response", "not shaming: only a member who made the remark can be shamed"),
            (cultural & ~rupture & (e["kind"] == "repair").to_numpy() & ~e["resolved"].fillna(False).to_numpy(bool), "resolved",
             "True: a response to a microaggression ends it"),
            (cultural & rupture & ~target_marginalised, "member", "a target marginalised on the dimension (members.csv: marginalised)"),
            (cultural & rupture & source_marginalised, "source", "a source privileged on the dimension (members.csv or groups.csv: marginalised)"),
            ((e["cause"] == "shaming").to_numpy() & ~((e["type"] == "withdrawal") & (e["level"] == "ML")).to_numpy(), "cause",
             "random or scripted: a shaming response opens a member-leader withdrawal rupture"),
        ])  # fmt: skip

    def roles(self) -> None:
        """n_targeted, n_remarks and n_witnessed agree with events.csv and responses.csv."""
        e, m = self.tables["events"], self.tables["members"]
        units = pd.MultiIndex.from_frame(m[["group", "member"]])
        ma = e[(e["kind"] == "rupture") & (e["type"] == "cultural")]
        count = lambda keys: pd.Series(1, index=keys).groupby(level=[0, 1]).sum().reindex(units).fillna(0).astype("int64")  # noqa: E731
        by_member = ma[ma["source"].isin(self.member_ids)]
        here = self.ids[["group", "member", "session"]].astype({"session": "int64"})
        seen = here.merge(ma[["group", "session", "member", "source"]].rename(columns={"member": "target"}), on=["group", "session"])
        seen = seen[(seen["member"] != seen["target"]) & (seen["member"] != seen["source"])]
        derived = {
            "n_targeted": count(pd.MultiIndex.from_frame(ma[["group", "member"]])),
            "n_remarks": count(pd.MultiIndex.from_frame(by_member[["group", "source"]])),
            "n_witnessed": count(pd.MultiIndex.from_frame(seen[["group", "member"]])),
        }
        log = ProblemLog(self.raws["members"])
        for order, (column, want) in enumerate(derived.items()):
            bad = np.flatnonzero(m[column].to_numpy() != want.to_numpy())
            log.add(order, bad, column, self.raws["members"].cells[column].to_numpy()[bad], [f"{w}, as events.csv and responses.csv have" for w in want.to_numpy()[bad]])
        log.raise_if_any(advice=ADVICE)

    def event_flags(self, e: pd.DataFrame) -> None:
        """A rupture is resolved when a repair resolved it or it faded; an alert is seen when it has a session."""
        ended = set(e.loc[((e["kind"] == "repair") & e["resolved"].fillna(False)) | (e["kind"] == "fade"), "rupture_id"])
        rupture = (e["kind"] == "rupture").to_numpy()
        self._where_bad("events", [
            (rupture & (e["resolved"].fillna(False).to_numpy(bool) != e["rupture_id"].isin(ended).to_numpy()), "resolved",
             "True exactly when a repair resolved the rupture or it faded (as the repair and fade rows say)"),
            ((e["kind"] == "fade").to_numpy() & ~e["resolved"].fillna(False).to_numpy(bool), "resolved", "True: a fade ends the rupture"),
            (e["alert_seen"].fillna(False).to_numpy(bool) != e["alert_session"].notna().to_numpy(), "alert_seen", "True exactly when alert_session is given"),
        ])  # fmt: skip
