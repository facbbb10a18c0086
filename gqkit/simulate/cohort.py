"""A simulated cohort: the tables a study would have, plus the truth about what happened."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from ..detect import ScorePanel
from ..errors import GQDataError, Problem
from ..instrument import Instrument
from ..scoring import DEFAULT_PRORATE, score_array
from .config import LEVELS, RUPTURE_TYPES, SimulationConfig, TherapistModel
from .model import GROUP, LEADER, Result
from .ruptures import member_id

__all__ = ["Cohort"]

TABLES = ("groups", "members", "events", "outcomes")
EVENT_COLUMNS = [
    "event_id", "group", "session", "kind", "level", "type", "member", "source", "severity",
    "rupture_id", "quality", "alert_session", "alert_seen", "cause",
]  # fmt: skip


@dataclass(frozen=True, eq=False)
class Cohort:
    """Everything one simulation made: tables, item answers and the config that made them.

    Attributes
    ----------
    config : SimulationConfig
    groups : DataFrame
        One row per group: therapist factors, feedback on/off, the rule that drove it, seed.
    members : DataFrame
        group, member, joined, left (last attended session), dropped_out, baseline_oq,
        final_oq, n_attended.
    events : DataFrame
        The truth: one row per rupture and per repair (see ``EVENT_COLUMNS``); a repair's
        ``rupture_id`` names the rupture it repaired.
    outcomes : DataFrame
        group, member, session, oq (OQ-45-like total, 0-180, higher is worse).
    answers : ndarray
        Item answers, shape (groups, members, sessions, items), NaN where not answered.
    attended : ndarray
        Shape (groups, members, sessions), True where the member came.
    """

    config: SimulationConfig
    groups: pd.DataFrame
    members: pd.DataFrame
    events: pd.DataFrame
    outcomes: pd.DataFrame
    answers: np.ndarray
    attended: np.ndarray

    @property
    def n_groups(self) -> int:
        return len(self.groups)

    @cached_property
    def responses(self) -> pd.DataFrame:
        """Tidy ``responses`` (group, member, session, item, response) for attended sessions."""
        inst = Instrument.default()
        g, m, s = np.nonzero(self.attended)
        n_items = self.answers.shape[-1]
        values = self.answers[g, m, s].ravel()
        return pd.DataFrame(
            {
                "group": np.repeat(self.groups["group"].to_numpy()[g], n_items),
                "member": np.repeat(_member_ids(self.answers.shape[1])[m], n_items),
                "session": pd.array(np.repeat(s + 1, n_items), dtype="Int64"),
                "item": np.tile(np.array(inst.items, dtype=object), len(g)),
                "response": pd.array(np.where(np.isnan(values), np.nan, values), dtype="Float64").astype("Int64"),
            }
        ).pipe(_text_columns)

    def scores(self, prorate: float = DEFAULT_PRORATE) -> pd.DataFrame:
        """Tidy ``scores`` of attended sessions, computed from the answer array.

        The same table as ``gqkit.score(cohort.responses)``, built without the long detour.
        """
        inst = Instrument.default()
        g, m, s = np.nonzero(self.attended)
        values, n_used = score_array(self.answers[g, m, s].astype(float), inst, prorate)
        facets = inst.facets
        n = len(facets)
        frame = pd.DataFrame(
            {
                "group": np.repeat(self.groups["group"].to_numpy()[g], n),
                "member": np.repeat(_member_ids(self.answers.shape[1])[m], n),
                "session": np.repeat(s + 1, n),
                "scale": np.tile([f[0] for f in facets], len(g)),
                "level": np.tile([f[1] for f in facets], len(g)),
                "score": values.ravel(),
                "n_items": n_used.ravel().astype("int64"),
            }
        )
        return _text_columns(frame).astype({"session": "Int64"})

    def panel(self, prorate: float = DEFAULT_PRORATE) -> ScorePanel:
        """The scores as a :class:`~gqkit.detect.ScorePanel`, straight from the answer array.

        The fast path for large studies: the same values as
        ``ScorePanel.from_scores(cohort.scores())`` without building a long table.
        """
        inst = Instrument.default()
        G, M, S, I = self.answers.shape
        values, _ = score_array(self.answers.reshape(G * M * S, I).astype(float), inst, prorate)
        values = values.reshape(G * M, S, -1)
        values[~self.attended.reshape(G * M, S)] = np.nan
        units = pd.DataFrame({"group": np.repeat(self.groups["group"].to_numpy(), M), "member": np.tile(_member_ids(M), G)})
        return ScorePanel(values, _text_columns(units), np.arange(1, S + 1), inst.facets)

    # -- files --------------------------------------------------------------------------
    def to_dir(self, path: str | Path) -> Path:
        """Write the cohort as CSV files plus ``config.json``; :meth:`from_dir` reads it back."""
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        (path / "config.json").write_text(json.dumps(self.config.to_dict(), indent=2, sort_keys=True) + "\n")
        for name in TABLES:
            getattr(self, name).to_csv(path / f"{name}.csv", index=False, lineterminator="\n")
        wide = self._wide_answers()
        wide.to_csv(path / "responses.csv", index=False, lineterminator="\n")
        return path

    @classmethod
    def from_dir(cls, path: str | Path) -> Cohort:
        """Read a cohort written by :meth:`to_dir`."""
        path = Path(path)
        config = SimulationConfig.from_dict(json.loads((path / "config.json").read_text()))
        tables = {name: pd.read_csv(path / f"{name}.csv", dtype=_DTYPES[name], keep_default_na=name != "groups") for name in TABLES}
        tables = {name: _restore(name, frame) for name, frame in tables.items()}
        wide = pd.read_csv(path / "responses.csv", dtype={"group": str, "member": str})
        inst = Instrument.default()
        G, M, S = len(tables["groups"]), config.design.n_members, config.design.n_sessions
        answers = np.full((G, M, S, inst.n_items), np.nan, dtype=np.float32)
        attended = np.zeros((G, M, S), bool)
        g = pd.Index(tables["groups"]["group"]).get_indexer(wide["group"])
        m = pd.Index(_member_ids(M)).get_indexer(wide["member"])
        s = pd.to_numeric(wide["session"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        bad = (g < 0) | (m < 0) | ~(np.isfinite(s) & (s >= 1) & (s <= S) & (np.floor(s) == s))
        if bad.any():
            problems = [Problem(f"line {i + 2}", "", "", f"a group of groups.csv, a member m01..m{M:02d} and a session 1..{S}") for i in np.flatnonzero(bad)[:20]]
            raise GQDataError("responses.csv", problems, max(int(bad.sum()) - 20, 0), advice="the folder is not a cohort written by gqkit")
        s = s.astype(int) - 1
        answers[g, m, s] = wide[list(inst.items)].to_numpy(dtype=np.float32, na_value=np.nan)
        attended[g, m, s] = True
        return cls(config=config, answers=answers, attended=attended, **tables)

    def equals(self, other: Cohort) -> bool:
        """Same config, same tables, same answers."""
        return (
            self.config == other.config
            and all(getattr(self, t).equals(getattr(other, t)) for t in TABLES)
            and np.array_equal(self.answers, other.answers, equal_nan=True)
            and np.array_equal(self.attended, other.attended)
        )

    def _wide_answers(self) -> pd.DataFrame:
        inst = Instrument.default()
        g, m, s = np.nonzero(self.attended)
        frame = pd.DataFrame(self.answers[g, m, s], columns=list(inst.items)).astype("Int64")
        frame.insert(0, "session", s + 1)
        frame.insert(0, "member", _member_ids(self.answers.shape[1])[m])
        frame.insert(0, "group", self.groups["group"].to_numpy()[g])
        return frame

    def __repr__(self) -> str:
        n_rupt = int((self.events["kind"] == "rupture").sum())
        n_rep = int((self.events["kind"] == "repair").sum())
        d = self.config.design
        return f"Cohort({self.n_groups} groups x {d.n_members} members x {d.n_sessions} sessions; {n_rupt} ruptures, {n_rep} repairs)"


def _text_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """Give object columns of text the string dtype (pandas 3 infers it already; pandas 2 does not)."""
    objects = [c for c in frame.columns if frame[c].dtype == object]
    return frame.astype({c: str for c in objects}) if objects else frame


def _member_ids(n: int) -> np.ndarray:
    return np.array([member_id(i + 1) for i in range(n)], dtype=object)


_DTYPES = {
    "groups": {"group": str, "feedback_rule": str, "seed": str, "spawn_key": str},
    "members": {"group": str, "member": str},
    "events": {"event_id": str, "group": str, "member": str, "source": str, "rupture_id": str, "level": str, "type": str, "kind": str, "cause": str},
    "outcomes": {"group": str, "member": str},
}


def _restore(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Give a table read from CSV the dtypes :func:`build` gives it."""
    casts = {
        "groups": {"group": str, "feedback": bool, "feedback_rule": str, "seed": str, "spawn_key": str},
        "members": {"group": str, "member": str, "joined": "int64", "left": "Int64", "dropped_out": bool, "baseline_oq": "int64", "final_oq": "Int64", "n_attended": "int64"},
        "events": {"event_id": str, "group": str, "session": "int64", "kind": str, "level": str, "type": str, "member": str, "source": str,
                   "severity": "float64", "rupture_id": str, "quality": "float64", "alert_session": "Int64", "alert_seen": "boolean", "cause": str},
        "outcomes": {"group": str, "member": str, "session": "int64", "oq": "int64"},
    }  # fmt: skip
    return frame.astype(casts[name])


def build(result: Result, config: SimulationConfig, seeds: list[np.random.SeedSequence], rule_name: str) -> Cohort:
    """Turn the model's arrays and logs into a :class:`Cohort`."""
    G, M, S = result.attended.shape
    width = max(3, len(str(G)))
    group_ids = np.array([f"g{k + 1:0{width}d}" for k in range(G)], dtype=object)
    members_ids = _member_ids(M)

    groups = pd.DataFrame({"group": group_ids, "feedback": result.feedback})
    for i, factor in enumerate(TherapistModel.FACTORS):
        groups[factor] = result.therapist[:, i]
    groups["feedback_rule"] = np.where(result.feedback, rule_name, "")
    groups["seed"] = [str(s.entropy) for s in seeds]
    groups["spawn_key"] = [",".join(map(str, s.spawn_key)) for s in seeds]
    groups = _text_columns(groups)

    sessions = np.arange(1, S + 1)
    attended_any = result.attended.any(axis=2)
    last = np.where(attended_any, S - np.argmax(result.attended[:, :, ::-1], axis=2), 0)
    oq_last = np.take_along_axis(result.oq, np.clip(last - 1, 0, None)[:, :, None], axis=2)[:, :, 0]
    members = pd.DataFrame(
        {
            "group": np.repeat(group_ids, M),
            "member": np.tile(members_ids, G),
            "joined": (result.joined + 1).ravel(),
            "left": pd.array(np.where(attended_any, last, 0).ravel(), dtype="Int64"),
            "dropped_out": result.dropped.ravel(),
            "baseline_oq": np.rint(result.baseline_oq).astype("int64").ravel(),
            "final_oq": pd.array(np.where(attended_any, oq_last, np.nan).ravel(), dtype="Float64").astype("Int64"),
            "n_attended": result.attended.sum(axis=2).ravel(),
        }
    )
    members.loc[~attended_any.ravel(), "left"] = pd.NA
    members = _text_columns(members)

    g, m, s = np.nonzero(result.attended)
    outcomes = pd.DataFrame({"group": group_ids[g], "member": members_ids[m], "session": sessions[s], "oq": result.oq[g, m, s].astype("int64")})
    outcomes = _text_columns(outcomes)
    return Cohort(config, groups, members, _events(result, group_ids, members_ids), outcomes, result.responses, result.attended)


def _events(result: Result, group_ids: np.ndarray, member_ids: np.ndarray) -> pd.DataFrame:
    """Rupture and repair rows, linked by rupture_id, ordered by group, session, kind."""
    rup, rep, alerts = result.ruptures, result.repairs, result.alerts
    n_max = int(rup["rupture"].max()) + 1 if len(rup) else 1
    key_of = {k: i for i, k in enumerate(rup["group"].to_numpy() * n_max + rup["rupture"].to_numpy())}

    def positions(frame: pd.DataFrame) -> np.ndarray:
        return np.array([key_of[k] for k in frame["group"].to_numpy() * n_max + frame["rupture"].to_numpy()], dtype=int)

    first_alert = np.full(len(rup), np.iinfo(np.int64).max)
    np.minimum.at(first_alert, positions(alerts), alerts["session"].to_numpy(dtype=np.int64))
    at = positions(rep)  # the rupture each repair repaired
    names = np.empty(len(member_ids) + 2, dtype=object)  # source codes: member index, or GROUP / LEADER (negative)
    names[: len(member_ids)] = member_ids
    names[GROUP], names[LEADER] = "group", "leader"

    def part(rows: np.ndarray, kind: str, session: np.ndarray, quality: np.ndarray, alert: np.ndarray) -> dict[str, np.ndarray]:
        g = rup["group"].to_numpy()[rows]
        return {
            "group": group_ids[g],
            "session": session + 1,
            "kind": np.full(len(rows), kind, dtype=object),
            "level": np.array(LEVELS, dtype=object)[rup["level"].to_numpy()[rows]],
            "type": np.array(RUPTURE_TYPES, dtype=object)[rup["type"].to_numpy()[rows]],
            "member": member_ids[rup["member"].to_numpy()[rows]],
            "source": names[rup["source"].to_numpy()[rows]],
            "severity": rup["severity"].to_numpy(dtype=float)[rows],
            "rupture_id": np.array([f"{group_ids[gi]}-r{r + 1:03d}" for gi, r in zip(g, rup["rupture"].to_numpy()[rows])], dtype=object),
            "quality": quality,
            "alert_session": np.where(alert < np.iinfo(np.int64).max, alert + 1, -1),
            "cause": rup["cause"].to_numpy(dtype=object)[rows],
            "order": np.full(len(rows), 0 if kind == "rupture" else 1),
        }

    all_rows = np.arange(len(rup))
    repair_session = rep["session"].to_numpy(dtype=int)
    seen_before = np.where(first_alert[at] <= repair_session, first_alert[at], np.iinfo(np.int64).max)
    parts = [
        part(all_rows, "rupture", rup["session"].to_numpy(dtype=int), np.full(len(rup), np.nan), first_alert),
        part(at, "repair", repair_session, rep["quality"].to_numpy(dtype=float), seen_before),
    ]
    cols = {c: np.concatenate([p[c] for p in parts]) for c in parts[0]}
    order = np.lexsort((cols["rupture_id"].astype(str), cols["order"], cols["session"], cols["group"].astype(str)))
    events = pd.DataFrame({c: v[order] for c, v in cols.items() if c != "order"})
    events["alert_session"] = pd.array(np.where(events["alert_session"] > 0, events["alert_session"], 0), dtype="Int64")
    events.loc[events["alert_session"] == 0, "alert_session"] = pd.NA
    events["alert_seen"] = events["alert_session"].notna().astype("boolean")
    number = events.groupby("group", sort=False).cumcount() + 1
    events.insert(0, "event_id", events["group"] + "-e" + number.map("{:03d}".format))
    events = events[EVENT_COLUMNS]
    return _text_columns(events).astype({"session": "int64"})
