"""A simulated cohort: the tables a study would have, plus the truth about what happened."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import cast

import numpy as np
import pandas as pd

from ..detect import ScorePanel
from ..instrument import Instrument
from ..scoring import DEFAULT_PRORATE, score_array
from .config import LEVELS, RESPONSES, RUPTURE_TYPES, SimulationConfig, TherapistModel
from .folder import EVENT_KINDS, TABLES, read_folder, write_folder
from .model import GROUP, LEADER, Result
from .ruptures import member_id

__all__ = ["EVENT_COLUMNS", "EVENT_KINDS", "Cohort"]

TABLE_NAMES = tuple(TABLES)
EVENT_COLUMNS = TABLES["events"].names


@dataclass(frozen=True, eq=False)
class Cohort:
    """Everything one simulation made: tables, item answers and the config that made them.

    Made by :func:`gqkit.simulate` or read by :meth:`from_dir`; the fields are kept as
    attributes of the same names.

    Parameters
    ----------
    config : SimulationConfig
        The configuration that made the cohort.
    groups : DataFrame
        One row per group: therapist factors, feedback on/off, the rule that drove it, seed,
        ``leader_marginalised`` (the identity dimensions on which the leader holds a
        marginalised position, joined by ``;``) and ``norm_setting``.
    members : DataFrame
        group, member, therapist, ``marginalised`` (as for the leader), joined, left (last
        attended session), dropped_out, baseline_oq, first_oq, final_oq, n_attended,
        n_ruptures, n_attempts (repair attempts on those ruptures), n_repaired, n_faded,
        not_on_track, not_session, n_supported, and the member's roles in microaggressions:
        n_targeted, n_remarks (made one) and n_witnessed (present, neither target nor source).
    events : DataFrame
        The truth (see ``EVENT_COLUMNS``): one row per rupture, per repair *attempt* (kind
        ``repair``, with its ``quality`` and whether it ``resolved`` the rupture) and per
        rupture that faded on its own (kind ``fade``); ``rupture_id`` links them. On a rupture
        row, ``resolved`` says whether the rupture ended (by a repair or by fading) before the
        course did. A microaggression (type ``cultural``) is addressed by a repair row (the
        leader's response) and its rows also give its ``dimension``, the leader's
        ``response`` (one of ``RESPONSES``) and whether a member named it (``member_named``);
        these are empty for other ruptures.
    outcomes : DataFrame
        group, member, session, oq (OQ-45-like total, 0-180, higher is worse), expected (the
        recovery curve expected from the member's first OQ) and not_on_track (oq at least
        ``ProgressModel.not_margin`` above it).
    answers : ndarray
        Item answers, shape (groups, members, sessions, items), NaN where not answered.
    attended : ndarray
        Shape (groups, members, sessions), True where the member came.
    instrument : Instrument, default Instrument.default()
        The item key the members answered.
    """

    config: SimulationConfig
    groups: pd.DataFrame
    members: pd.DataFrame
    events: pd.DataFrame
    outcomes: pd.DataFrame
    answers: np.ndarray
    attended: np.ndarray
    instrument: Instrument = field(default_factory=Instrument.default)

    @property
    def n_groups(self) -> int:
        """How many groups the cohort has."""
        return len(self.groups)

    @cached_property
    def responses(self) -> pd.DataFrame:
        """Tidy ``responses`` (group, member, session, item, response) for attended sessions."""
        inst = self.instrument
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

        The same table as ``gqkit.score(cohort.responses, prorate=prorate)`` less its
        ``reason`` column, built without the long detour.

        Parameters
        ----------
        prorate : float, default DEFAULT_PRORATE (0.2)
            Largest share of a facet's items that may be missing (see
            :func:`gqkit.scoring.allowed_missing`).

        Returns
        -------
        DataFrame
            group, member, session, scale, level, score, n_items.

        Examples
        --------
        >>> from gqkit import simulate
        >>> list(simulate(seed=1).scores().columns)
        ['group', 'member', 'session', 'scale', 'level', 'score', 'n_items']
        """
        inst = self.instrument
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

        Parameters
        ----------
        prorate : float, default DEFAULT_PRORATE (0.2)
            As for :meth:`scores`.

        Returns
        -------
        ScorePanel
            One unit per group and member (every member, attended or not), one column per
            session of the course; NaN where the member did not attend.
        """
        inst = self.instrument
        G, M, S, I = self.answers.shape
        values, _ = score_array(self.answers.reshape(G * M * S, I).astype(float), inst, prorate)
        values = values.reshape(G * M, S, -1)
        values[~self.attended.reshape(G * M, S)] = np.nan
        units = pd.DataFrame({"group": np.repeat(self.groups["group"].to_numpy(), M), "member": np.tile(_member_ids(M), G)})
        return ScorePanel(values, _text_columns(units), np.arange(1, S + 1), inst.facets)

    # -- files --------------------------------------------------------------------------
    def to_dir(self, path: str | Path, *, overwrite: bool = False) -> Path:
        """Write the cohort as CSV files plus ``config.json``; :meth:`from_dir` reads it back.

        ``instrument.csv`` holds the item key the cohort was simulated with (item, scale,
        level and the answer range; never item wording). Text cells that a spreadsheet would
        run as a formula are written with a leading apostrophe.

        Parameters
        ----------
        path : str or Path
            A new or empty folder (created with its parents if needed).
        overwrite : bool, default False
            Replace the cohort files of a folder that already holds files (keyword only;
            other files are left in place).

        Returns
        -------
        Path
            The folder.

        Raises
        ------
        GQConfigError
            If ``path`` holds files and ``overwrite`` is False.
        """
        tables = {name: getattr(self, name) for name in TABLE_NAMES}
        return write_folder(path, self.config, self.instrument, tables, self._wide_answers(), overwrite=overwrite)

    @classmethod
    def from_dir(cls, path: str | Path) -> Cohort:
        """Read a cohort folder written by :meth:`to_dir`, checking every file and that they agree.

        Parameters
        ----------
        path : str or Path
            The folder.

        Returns
        -------
        Cohort

        Raises
        ------
        GQDataError
            Naming the file, line and column of whatever is missing, malformed or inconsistent
            (see :func:`gqkit.simulation.folder.read_folder`).
        """
        parts = read_folder(path)
        config, inst, ids = parts["config"], parts["instrument"], parts["ids"]
        groups = parts["groups"]
        G, M, S = len(groups), config.design.n_members, config.design.n_sessions
        answers = np.full((G, M, S, inst.n_items), np.nan, dtype=np.float32)
        attended = np.zeros((G, M, S), bool)
        g = pd.Index(groups["group"]).get_indexer(ids["group"])
        m = pd.Index(_member_ids(M)).get_indexer(ids["member"])
        s = ids["session"].to_numpy(dtype=int) - 1
        answers[g, m, s] = parts["answers"]
        attended[g, m, s] = True
        tables = {name: _text_columns(parts[name]) for name in TABLE_NAMES}
        return cls(config=config, answers=answers, attended=attended, instrument=inst, **tables)

    def equals(self, other: Cohort) -> bool:
        """Same config, same tables, same answers.

        Parameters
        ----------
        other : Cohort
            The cohort to compare with (item wording is not compared).

        Returns
        -------
        bool
        """
        return (
            self.config == other.config
            and all(getattr(self, t).equals(getattr(other, t)) for t in TABLE_NAMES)
            and np.array_equal(self.answers, other.answers, equal_nan=True)
            and np.array_equal(self.attended, other.attended)
            and self.instrument.response_range == other.instrument.response_range
            and self.instrument.table[["item", "scale", "level"]].equals(other.instrument.table[["item", "scale", "level"]])
        )

    def _wide_answers(self) -> pd.DataFrame:
        inst = self.instrument
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


def _first_session(flags: np.ndarray) -> np.ndarray:
    """1-based session of the first True along the last axis, 0 where there is none."""
    return np.where(flags.any(axis=-1), np.argmax(flags, axis=-1) + 1, 0)


def build(result: Result, config: SimulationConfig, seeds: list[np.random.SeedSequence], rule_name: str, instrument: Instrument) -> Cohort:
    """Turn the model's arrays and logs into a :class:`Cohort`."""
    G, M, S = result.attended.shape
    width = max(3, len(str(G)))
    group_ids = np.array([f"g{k + 1:0{width}d}" for k in range(G)], dtype=object)
    therapist_ids = np.array([f"t{k + 1:0{width}d}" for k in result.therapist_id], dtype=object)
    members_ids = _member_ids(M)

    groups = pd.DataFrame({"group": group_ids, "therapist": therapist_ids, "feedback": result.feedback})
    for i, factor in enumerate(TherapistModel.FACTORS):
        groups[factor] = result.therapist[:, i]
    groups["feedback_rule"] = np.where(result.feedback, rule_name, "")
    dimensions = list(config.culture.dimensions)
    groups["leader_marginalised"] = _positions(result.marginalised[:, -1], dimensions)
    groups["norm_setting"] = config.culture.norm_setting
    groups["seed"] = [str(s.entropy) for s in seeds]
    groups["spawn_key"] = [",".join(map(str, s.spawn_key)) for s in seeds]
    groups = _text_columns(groups)

    events = _events(result, group_ids, members_ids, dimensions)
    sessions = np.arange(1, S + 1)
    attended_any = result.attended.any(axis=2)
    first, last = _first_session(result.attended), np.where(attended_any, S - np.argmax(result.attended[:, :, ::-1], axis=2), 0)
    at = lambda session: np.take_along_axis(result.oq, np.clip(session - 1, 0, None)[:, :, None], axis=2)[:, :, 0]  # noqa: E731
    observed = lambda values: pd.array(np.where(attended_any, values, np.nan).ravel(), dtype="Float64").astype("Int64")  # noqa: E731
    not_session = _first_session(result.not_on_track)
    members = pd.DataFrame(
        {
            "group": np.repeat(group_ids, M),
            "member": np.tile(members_ids, G),
            "therapist": np.repeat(therapist_ids, M),
            "marginalised": _positions(result.marginalised[:, :M].reshape(G * M, -1), dimensions),
            "joined": (result.joined + 1).ravel(),
            "left": pd.array(np.where(attended_any, last, 0).ravel(), dtype="Int64"),
            "dropped_out": result.dropped.ravel(),
            "baseline_oq": np.rint(result.baseline_oq).astype("int64").ravel(),
            "first_oq": observed(at(first)),
            "final_oq": observed(at(last)),
            "n_attended": result.attended.sum(axis=2).ravel(),
            "not_on_track": (not_session > 0).ravel(),
            "not_session": pd.array(np.where(not_session > 0, not_session, np.nan).ravel(), dtype="Float64").astype("Int64"),
            "n_supported": result.supported.sum(axis=2).ravel(),
        }
    )
    members.loc[~attended_any.ravel(), "left"] = pd.NA
    counts = _rupture_counts(result)
    members = _text_columns(pd.concat([members, counts, _roles(result)], axis=1))
    members = members[list(TABLES["members"].names)]

    g, m, s = np.nonzero(result.attended)
    outcomes = pd.DataFrame({"group": group_ids[g], "member": members_ids[m], "session": sessions[s], "oq": result.oq[g, m, s].astype("int64"),
                             "expected": result.expected[g, m, s], "not_on_track": result.not_on_track[g, m, s],
                             "supported": result.supported[g, m, s]})  # fmt: skip
    outcomes = _text_columns(outcomes)
    return Cohort(config, groups, members, events, outcomes, result.responses, result.attended, instrument)


def _rupture_counts(result: Result) -> pd.DataFrame:
    """Per member (group-major): ruptures they were the strained member of, repair attempts on them, and how many a repair or fading resolved."""
    G, M = result.dropped.shape
    rup = result.ruptures
    n_max = int(rup["rupture"].max()) + 1 if len(rup) else 1
    owner = np.zeros(G * n_max, int)
    owner[rup["group"].to_numpy(int) * n_max + rup["rupture"].to_numpy(int)] = rup["group"].to_numpy(int) * M + rup["member"].to_numpy(int)

    def count(frame: pd.DataFrame) -> np.ndarray:
        keys = frame["group"].to_numpy(int) * n_max + frame["rupture"].to_numpy(int)
        return np.bincount(owner[keys], minlength=G * M)

    repaired = result.attempts[result.attempts["resolved"].to_numpy(bool)]
    return pd.DataFrame({"n_ruptures": count(rup), "n_attempts": count(result.attempts), "n_repaired": count(repaired), "n_faded": count(result.fades)})


def _positions(marginalised: np.ndarray, dimensions: list[str]) -> np.ndarray:
    """(units, D) bool -> the labels of each unit's marginalised positions, joined by ';' ('' for none)."""
    return np.array([";".join(d for d, on in zip(dimensions, row) if on) for row in marginalised], dtype=object)


def _roles(result: Result) -> pd.DataFrame:
    """Per member (group-major): microaggressions they were the target of, made, and witnessed."""
    G, M, S = result.attended.shape
    rup = result.ruptures
    cultural = rup[(rup["type"] == RUPTURE_TYPES.index("cultural")).to_numpy()]
    g, target, source, t = (cultural[c].to_numpy(int) for c in ("group", "member", "source", "session"))
    targeted = np.bincount(g * M + target, minlength=G * M)
    by_member = source >= 0
    remarks = np.bincount(g[by_member] * M + source[by_member], minlength=G * M)
    present = result.attended[g, :, t].copy()  # (microaggressions, M)
    present[np.arange(len(g)), target] = False
    present[np.flatnonzero(by_member), source[by_member]] = False
    witnessed = np.zeros((G, M), int)
    np.add.at(witnessed, g, present.astype(int))
    return pd.DataFrame({"n_targeted": targeted, "n_remarks": remarks, "n_witnessed": witnessed.ravel()})


def _events(result: Result, group_ids: np.ndarray, member_ids: np.ndarray, dimensions: list[str]) -> pd.DataFrame:
    """Rupture, repair-attempt and fade rows, linked by rupture_id, ordered by group, session, kind."""
    rup, attempts, fades, alerts = result.ruptures, result.attempts, result.fades, result.alerts
    n_max = int(rup["rupture"].max()) + 1 if len(rup) else 1
    key_of = {k: i for i, k in enumerate(rup["group"].to_numpy() * n_max + rup["rupture"].to_numpy())}
    never = np.iinfo(np.int64).max

    def positions(frame: pd.DataFrame) -> np.ndarray:
        return np.array([key_of[k] for k in frame["group"].to_numpy() * n_max + frame["rupture"].to_numpy()], dtype=int)

    first_alert = np.full(len(rup), never)
    np.minimum.at(first_alert, positions(alerts), alerts["session"].to_numpy(dtype=np.int64))
    names = np.empty(len(member_ids) + 2, dtype=object)  # source codes: member index, or GROUP / LEADER (negative)
    names[: len(member_ids)] = member_ids
    names[GROUP], names[LEADER] = "group", "leader"

    cultural = (rup["type"] == RUPTURE_TYPES.index("cultural")).to_numpy()
    response = np.where(cultural, RESPONSES.index("not addressed"), -1)
    at = positions(attempts)
    answered = cultural[at]  # a repair attempt on a microaggression is the leader's response to it
    response[at[answered]] = np.where(attempts["shamed"].to_numpy(bool)[answered], RESPONSES.index("shaming"), RESPONSES.index("addressed"))
    response_names = np.array([*RESPONSES, ""], dtype=object)  # -1: not a microaggression
    dimension_names = np.array([*dimensions, ""], dtype=object)
    # empty for other ruptures; numpy's stubs read a None fill value as the one-argument np.where(condition)
    named = cast(np.ndarray, np.where(cultural, rup["named"].to_numpy(bool), None)).astype(object)

    def part(rows: np.ndarray, kind: str, session: np.ndarray, quality: np.ndarray, resolved: np.ndarray, alert: np.ndarray, order: int) -> dict[str, np.ndarray]:
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
            "resolved": resolved,
            "alert_session": np.where(alert < never, alert + 1, -1),
            "cause": rup["cause"].to_numpy(dtype=object)[rows],
            "dimension": dimension_names[rup["dimension"].to_numpy(int)[rows]],
            "response": response_names[response[rows]],
            "member_named": named[rows],
            "order": np.full(len(rows), order),
        }

    faded = positions(fades)
    attempt_session = attempts["session"].to_numpy(dtype=int)
    attempt_resolved = attempts["resolved"].to_numpy(dtype=bool)
    ended = np.zeros(len(rup), bool)
    ended[at[attempt_resolved]] = True
    ended[faded] = True
    parts = [
        part(np.arange(len(rup)), "rupture", rup["session"].to_numpy(dtype=int), np.full(len(rup), np.nan), ended, first_alert, 0),
        part(at, "repair", attempt_session, attempts["quality"].to_numpy(dtype=float), attempt_resolved,
             np.where(first_alert[at] <= attempt_session, first_alert[at], never), 1),
        part(faded, "fade", fades["session"].to_numpy(dtype=int), np.full(len(faded), np.nan), np.ones(len(faded), bool),
             np.full(len(faded), never), 2),
    ]  # fmt: skip
    cols = {c: np.concatenate([p[c] for p in parts]) for c in parts[0]}
    order = np.lexsort((cols["rupture_id"].astype(str), cols["order"], cols["session"], cols["group"].astype(str)))
    events = pd.DataFrame({c: v[order] for c, v in cols.items() if c != "order"})
    events["alert_session"] = pd.array(np.where(events["alert_session"] > 0, events["alert_session"], 0), dtype="Int64")
    events.loc[events["alert_session"] == 0, "alert_session"] = pd.NA
    events["alert_seen"] = events["alert_session"].notna().astype("boolean")
    events["resolved"] = events["resolved"].astype("boolean")
    events["member_named"] = events["member_named"].astype("boolean")
    number = events.groupby("group", sort=False).cumcount() + 1
    events.insert(0, "event_id", events["group"] + "-e" + number.map("{:03d}".format))
    events = events[EVENT_COLUMNS]
    return _text_columns(events).astype({"session": "int64"})
