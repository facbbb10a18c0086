"""Repair and outcomes: what happened to each rupture, each member, and their OQ.

The science behind notebook 04 and :class:`gqkit.widgets.RepairExplorer`, on a simulated
cohort's truth (``cohort.events``) and outcomes (``cohort.outcomes``):

- :func:`rupture_fates`: one row per rupture -- was a repair attempted, did an attempt end it
  (a resolution a rater could see), did it fade on its own, or did it stay open?
- :func:`member_status`: one row per member -- never ruptured, repaired, faded or unrepaired,
  with the member's first and last OQ;
- :func:`status_summary`: members per status, side by side (OQ change, attendance, dropout);
- :func:`repair_outcome_r`: the repair-outcome correlation a study would report;
- :func:`exposure_table`: ruptures and dropout by sessions attended (the exposure trap);
- :func:`repair_contrast`: one member's relationship and OQ with and without a scripted
  repair, averaged over replicate groups that share every other random number.

Events tables written before ``resolved`` existed (every repair then ended its rupture) are
read as if each repair resolved; they have no ``fade`` rows.
"""

from __future__ import annotations

import numbers
import warnings
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

from .errors import GQConfigError
from .instrument import LEVEL_NAMES, SCALE_NAMES, Instrument
from .scoring import score_array
from .simulation import Cohort, Rupture, simulate

__all__ = [
    "DEFINITIONS",
    "QUIET",
    "STATUSES",
    "RepairContrast",
    "exposure_table",
    "member_status",
    "repair_contrast",
    "repair_outcome_r",
    "rupture_fates",
    "status_summary",
]

STATUSES = ("never ruptured", "repaired", "faded", "unrepaired")
"""A member's rupture status, in the order tables and figures show them."""

DEFINITIONS = {
    "resolved": "a repair attempt ended the rupture (a resolution a rater could see)",
    "attempt": "the leader attempted a repair, whether or not it ended the rupture",
}
"""What counts as *repaired*: the two definitions notebook 04 compares."""

QUIET: dict[str, Any] = {"rate": {"MM": 0.0, "ML": 0.0, "MG": 0.0}, "microaggression_rate": 0.0, "dropout_hazard": 0.0, "attendance": 1.0, "item_missing": 0.0}
"""Overrides for a clean teaching picture: no random ruptures, everyone attends every session."""


def _check_definition(definition: str) -> None:
    if definition not in DEFINITIONS:
        raise GQConfigError("definition", definition, f"one of {', '.join(map(repr, DEFINITIONS))}")


def rupture_fates(cohort: Cohort, definition: str = "resolved") -> pd.DataFrame:
    """What became of each rupture, from the cohort's truth.

    Parameters
    ----------
    cohort : Cohort
        A simulated cohort (its ``events`` are the truth).
    definition : {"resolved", "attempt"}, default "resolved"
        ``"resolved"``: a rupture is *repaired* when a repair attempt ended it;
        ``"attempt"``: when the leader attempted a repair at all (see :data:`DEFINITIONS`).

    Returns
    -------
    DataFrame
        One row per rupture: group, member (the strained member), rupture_id, session
        (onset), level, type, ``attempted`` (at least one repair attempt), ``repaired`` (an
        attempt ended it), ``faded`` (it ended on its own), and ``fate``: ``"repaired"``,
        ``"faded"`` or ``"unrepaired"`` under ``definition``. Under ``"attempt"`` a rupture
        with a failed attempt counts as repaired even when it later faded.

    Raises
    ------
    GQConfigError
        If ``definition`` is not one of :data:`DEFINITIONS`.

    Examples
    --------
    >>> from gqkit import Rupture, simulate
    >>> c = simulate(seed=1, ruptures=[Rupture(session=4, level="ML", type="withdrawal", member=2, repaired_at=6)], **QUIET)
    >>> rupture_fates(c)[["member", "session", "fate"]].to_dict("records")
    [{'member': 'm02', 'session': 4, 'fate': 'repaired'}]
    """
    _check_definition(definition)
    events = cohort.events
    ruptures = events.loc[events["kind"] == "rupture", ["group", "member", "rupture_id", "session", "level", "type"]].reset_index(drop=True)
    repairs = events[events["kind"] == "repair"]
    ended = repairs["resolved"].astype(bool) if "resolved" in repairs.columns else pd.Series(True, index=repairs.index)
    ids = ruptures["rupture_id"]
    ruptures["attempted"] = ids.isin(repairs["rupture_id"]).to_numpy()
    ruptures["repaired"] = ids.isin(repairs.loc[ended.to_numpy(), "rupture_id"]).to_numpy()
    ruptures["faded"] = ids.isin(events.loc[events["kind"] == "fade", "rupture_id"]).to_numpy()
    counted = ruptures["repaired"] if definition == "resolved" else ruptures["attempted"]
    ruptures["fate"] = np.where(counted, "repaired", np.where(ruptures["faded"], "faded", "unrepaired"))
    return ruptures


_COUNTS = ["n_ruptures", "n_attempted", "n_repaired", "n_faded", "n_open", "_unrepaired", "_faded"]


def member_status(cohort: Cohort, definition: str = "resolved") -> pd.DataFrame:
    """Each member's rupture status and OQ change.

    A member's **status** is ``"never ruptured"`` without ruptures; otherwise the worst fate
    of their ruptures (:func:`rupture_fates`): ``"unrepaired"`` if any stayed open,
    else ``"faded"`` if any ended on its own, else ``"repaired"``. A rupture belongs to the
    member it strains (``events.member``).

    Parameters
    ----------
    cohort : Cohort
        A simulated cohort (its ``events`` are the truth).
    definition : {"resolved", "attempt"}, default "resolved"
        What counts as repaired (see :data:`DEFINITIONS`).

    Returns
    -------
    DataFrame
        One row per member: group, member, n_attended, dropped_out, n_ruptures, n_attempted
        (ruptures with a repair attempt), n_repaired (ended by a repair), n_faded, n_open
        (still open at the end), status (under ``definition``; a categorical in the order of
        :data:`STATUSES`), first_oq and final_oq (first and last observed OQ) and
        ``oq_change`` = final_oq - first_oq (below zero = fewer symptoms; missing for members
        observed fewer than two times).

    Examples
    --------
    >>> from gqkit import Rupture, simulate
    >>> c = simulate(seed=1, ruptures=[Rupture(session=4, level="ML", type="withdrawal", member=2)], **QUIET)
    >>> member_status(c).set_index("member")["status"].loc[["m01", "m02"]].tolist()
    ['never ruptured', 'unrepaired']
    """
    fates = rupture_fates(cohort, definition)
    key = ["group", "member"]
    members = cohort.members[key + ["n_attended", "dropped_out"]].copy()
    counts = fates.assign(
        n_ruptures=1,
        n_attempted=fates["attempted"].astype(int),
        n_repaired=fates["repaired"].astype(int),
        n_faded=(fates["faded"] & ~fates["repaired"]).astype(int),
        n_open=(~fates["repaired"] & ~fates["faded"]).astype(int),
        _unrepaired=(fates["fate"] == "unrepaired").astype(int),
        _faded=(fates["fate"] == "faded").astype(int),
    ).groupby(key)[_COUNTS].sum()
    members = members.merge(counts, how="left", left_on=key, right_index=True)
    members[_COUNTS] = members[_COUNTS].fillna(0).astype("int64")
    status = np.select(
        [members["n_ruptures"] == 0, members["_unrepaired"] > 0, members["_faded"] > 0],
        ["never ruptured", "unrepaired", "faded"],
        "repaired",
    )
    members["status"] = pd.Categorical(status, categories=list(STATUSES), ordered=True)
    outcomes = cohort.outcomes.sort_values(key + ["session"])
    by_member = outcomes.groupby(key)["oq"]
    oq = pd.DataFrame({"first_oq": by_member.first(), "final_oq": by_member.last(), "_n": by_member.size()})
    members = members.merge(oq, how="left", left_on=key, right_index=True)
    members["oq_change"] = (members["final_oq"] - members["first_oq"]).where(members["_n"] >= 2).astype(float)
    for column in ("first_oq", "final_oq"):
        members[column] = members[column].astype("Float64").astype("Int64")
    return members.drop(columns=["_unrepaired", "_faded", "_n"]).reset_index(drop=True)


def status_summary(status: pd.DataFrame) -> pd.DataFrame:
    """Members of each status side by side (the table :func:`member_status` feeds).

    Parameters
    ----------
    status : DataFrame
        :func:`member_status` output (status, n_attended, dropped_out, oq_change, n_ruptures).

    Returns
    -------
    DataFrame
        Indexed by status (all four, in the order of :data:`STATUSES`): ``members``,
        ``share`` of all members, mean ``sessions_attended``, ``dropped_out`` share, mean
        ``oq_change`` with its standard error ``oq_change_se`` (members observed at least
        twice), and ``ruptures`` per member.

    Examples
    --------
    >>> from gqkit import simulate
    >>> table = status_summary(member_status(simulate(n_groups=20, seed=1)))
    >>> list(table.index)
    ['never ruptured', 'repaired', 'faded', 'unrepaired']
    """
    groups = status.groupby("status", observed=False)
    change = groups["oq_change"]
    table = pd.DataFrame(
        {
            "members": groups.size(),
            "share": groups.size() / max(len(status), 1),
            "sessions_attended": groups["n_attended"].mean(),
            "dropped_out": groups["dropped_out"].mean(),
            "oq_change": change.mean(),
            "oq_change_se": change.std() / np.sqrt(change.count()),
            "ruptures": groups["n_ruptures"].mean(),
        }
    )
    table.index = pd.Index([str(s) for s in table.index], name="status")
    table = table.reindex(list(STATUSES))
    table["members"] = table["members"].fillna(0).astype("int64")
    return table


def repair_outcome_r(cohort: Cohort, definition: str = "resolved") -> float:
    """Correlation between repair and outcome among members who had a rupture.

    As the calibration report defines it, and as a researcher with real data could compute it:
    the share of a member's ruptures counted as repaired (under ``definition``) against the
    member's *residual gain* -- how much lower the last OQ is than the first OQ predicts
    (least-squares line over the same members). Members observed fewer than twice are left
    out. Positive r: more repair, more improvement than expected. Compare Eubanks, Muran &
    Safran (2018): r = .29.

    Parameters
    ----------
    cohort : Cohort
        A simulated cohort (its ``events`` are the truth).
    definition : {"resolved", "attempt"}, default "resolved"
        What counts as repaired (see :data:`DEFINITIONS`).

    Returns
    -------
    float
        Pearson's r; NaN with fewer than three such members or no spread in either variable.

    Examples
    --------
    >>> from gqkit import simulate
    >>> -1 <= repair_outcome_r(simulate(n_groups=10, seed=1)) <= 1
    True
    """
    status = member_status(cohort, definition)
    data = status[(status["n_ruptures"] > 0) & status["oq_change"].notna()]
    if len(data) < 3:
        return float("nan")
    repaired = (data["n_attempted"] if definition == "attempt" else data["n_repaired"]) / data["n_ruptures"]
    first = data["first_oq"].to_numpy(dtype=float)
    final = data["final_oq"].to_numpy(dtype=float)
    slope, intercept = np.polyfit(first, final, 1)
    gain = (slope * first + intercept) - final
    if np.std(repaired) == 0 or np.std(gain) == 0:
        return float("nan")
    return float(np.corrcoef(repaired.to_numpy(dtype=float), gain)[0, 1])


def exposure_table(status: pd.DataFrame, bins: int = 4) -> pd.DataFrame:
    """Ruptures and dropout by how many sessions members attended (the exposure trap).

    A rupture can only begin at a session the member attends, and dropping out ends both
    attendance and the chance of a rupture; so members who stay longer have more ruptures
    whatever ruptures do to them. Members who never attended are left out.

    Parameters
    ----------
    status : DataFrame
        :func:`member_status` output.
    bins : int, default 4
        Number of equal-width bands of sessions attended, a whole number of at least 1
        (fewer bands come out when the most sessions attended is smaller than ``bins``).

    Returns
    -------
    DataFrame
        One row per band (``"1-4"``, ...): members, ``ruptured`` (share with at least one
        rupture), ``ruptures`` per member, ``ruptures_per_10_sessions`` (per 10 sessions
        attended), ``dropped_out`` share.

    Raises
    ------
    GQConfigError
        If ``bins`` is not a whole number of at least 1 (bools are not).
    """
    if not (isinstance(bins, numbers.Integral) and not isinstance(bins, bool) and bins >= 1):
        raise GQConfigError("bins", bins, "a whole number of at least 1 (bands of sessions attended)")
    bins = int(bins)
    data = status[status["n_attended"] > 0]
    top = int(data["n_attended"].max()) if len(data) else 1
    edges = np.unique(np.ceil(np.linspace(0, top, min(bins, top) + 1)).astype(int))  # more bins than sessions give the same bands
    labels = [f"{lo + 1}-{hi}" if hi > lo + 1 else f"{hi}" for lo, hi in zip(edges[:-1], edges[1:])]
    band = pd.cut(data["n_attended"], edges, labels=labels)
    groups = data.groupby(band, observed=False)
    table = pd.DataFrame(
        {
            "members": groups.size(),
            "ruptured": groups["n_ruptures"].apply(lambda n: (n > 0).mean()),
            "ruptures": groups["n_ruptures"].mean(),
            "ruptures_per_10_sessions": 10 * groups["n_ruptures"].sum() / groups["n_attended"].sum(),
            "dropped_out": groups["dropped_out"].mean(),
        }
    )
    table.index = pd.Index([str(i) for i in table.index], name="sessions attended")
    return table


@dataclass(frozen=True)
class RepairContrast:
    """One member's paths with and without a repair (see :func:`repair_contrast`).

    Made by :func:`repair_contrast`; the fields are kept as attributes of the same names.

    Parameters
    ----------
    rupture : Rupture
        The scripted rupture with its repair (``repaired_at`` None: never repaired).
    scale, facet_level : str
        The relationship score shown: ``scale`` at ``facet_level`` (the rupture's level, or
        ``"all"`` when that scale has no items there).
    sessions : ndarray
        1..n_sessions.
    relationship : ndarray, shape (2, sessions)
        Mean score over the replicate groups; row 0 with the repair, row 1 never repaired.
    oq : ndarray, shape (2, sessions)
        Mean OQ over the replicate groups, same rows.
    n_groups : int
        Replicates averaged.
    """

    rupture: Rupture
    scale: str
    facet_level: str
    sessions: np.ndarray
    relationship: np.ndarray
    oq: np.ndarray
    n_groups: int

    @property
    def repaired(self) -> bool:
        """Whether the scripted rupture has a repair."""
        return self.rupture.repaired_at is not None

    @property
    def label(self) -> str:
        """The relationship score's name, e.g. ``'Positive Bonding, member-leader'``."""
        return f"{SCALE_NAMES.get(self.scale, self.scale)}, {LEVEL_NAMES.get(self.facet_level, self.facet_level)}"

    def summary(self) -> dict[str, float]:
        """The numbers the explorer shows.

        ``before``: mean score over the sessions before onset; ``after_with`` and
        ``after_without``: mean score from the repair session to the end (from the session after
        onset when never repaired), with and without the repair; ``final_oq_with`` and
        ``final_oq_without``: mean OQ at the last session; ``oq_benefit`` = final_oq_without -
        final_oq_with (above zero: the repair left fewer symptoms).

        Returns
        -------
        dict of str to float
            before, after_with, after_without (score units), final_oq_with,
            final_oq_without, oq_benefit (OQ-45 points).
        """
        onset = self.rupture.session
        start = self.rupture.repaired_at or onset + 1
        before = self.sessions < onset
        after = self.sessions >= start
        return {
            "before": float(self.relationship[1, before].mean()),
            "after_with": float(self.relationship[0, after].mean()),
            "after_without": float(self.relationship[1, after].mean()),
            "final_oq_with": float(self.oq[0, -1]),
            "final_oq_without": float(self.oq[1, -1]),
            "oq_benefit": float(self.oq[1, -1] - self.oq[0, -1]),
        }


def repair_contrast(
    *,
    level: str = "ML",
    type: str = "withdrawal",
    member: int = 1,
    onset: int = 5,
    severity: float = 2.0,
    repair_session: int | None = 8,
    quality: float = 0.8,
    scale: str = "PB",
    n_groups: int = 12,
    seed: int = 1,
    n_members: int = 8,
    n_sessions: int = 16,
) -> RepairContrast:
    """A member's relationship and OQ with a scripted repair and without any.

    Both arms simulate the same ``n_groups`` quiet groups (:data:`QUIET`) from the same
    ``seed``, so every random number is shared and the difference between the arms is the
    repair's doing; averaging over the replicates smooths session noise. Results are cached,
    so going back to a setting already seen costs nothing.

    Parameters
    ----------
    level, type, member, onset, severity : as for :class:`gqkit.Rupture`
        The scripted rupture (an MM rupture's partner is the next member); defaults "ML",
        "withdrawal", member 1, session 5, severity 2.0 (answer-scale points).
    repair_session : int or None, default 8
        When the leader repairs it (after ``onset``); ``None``: never.
    quality : float, default 0.8
        The repair's quality, 0-1.
    scale : {"PB", "PW", "NR"}, default "PB"
        The relationship score shown, at the rupture's level (at ``"all"`` when the scale has
        no items at that level, as PW at MM).
    n_groups, seed, n_members, n_sessions : int
        Replicate groups (default 12, at least 1), their seed (default 1) and design
        (default 8 members, 16 sessions). All keyword only.

    Returns
    -------
    RepairContrast

    Raises
    ------
    GQConfigError
        For a bad ``n_groups`` or ``scale``, or a rupture or design the simulator refuses.

    Examples
    --------
    >>> c = repair_contrast(level="ML", severity=2.0, repair_session=8, quality=1.0)
    >>> s = c.summary()
    >>> s["after_with"] > s["after_without"]
    True
    """
    if isinstance(n_groups, bool) or not isinstance(n_groups, numbers.Integral) or n_groups < 1:
        raise GQConfigError("n_groups", n_groups, "a whole number of at least 1")
    rupture = Rupture(session=onset, level=level, type=type, member=member, severity=float(severity),
                      repaired_at=repair_session, quality=float(quality))  # fmt: skip
    never = Rupture(session=onset, level=level, type=type, member=member, severity=float(severity))
    inst = Instrument.default()
    facet_level = level if (scale, level) in inst.facets else "all"
    if (scale, facet_level) not in inst.facets:
        raise GQConfigError("scale", scale, f"one of {', '.join(inst.scales)}")
    column = inst.facets.index((scale, facet_level))
    design = (int(n_groups), int(seed), int(n_members), int(n_sessions))
    without = _member_paths(never, *design)
    with_ = _member_paths(rupture, *design) if rupture.repaired_at is not None else without
    return RepairContrast(
        rupture=rupture,
        scale=scale,
        facet_level=facet_level,
        sessions=np.arange(1, n_sessions + 1),
        relationship=np.stack([with_[0][:, column], without[0][:, column]]),
        oq=np.stack([with_[1], without[1]]),
        n_groups=int(n_groups),
    )


@lru_cache(maxsize=128)
def _member_paths(rupture: Rupture, n_groups: int, seed: int, n_members: int, n_sessions: int) -> tuple[np.ndarray, np.ndarray]:
    """(mean facet scores (sessions, facets), mean OQ (sessions,)) of the ruptured member."""
    cohort = simulate(n_groups=n_groups, seed=seed, ruptures=[rupture], n_members=n_members, n_sessions=n_sessions, feedback=False, **QUIET)
    answers = cohort.answers[:, rupture.member - 1].astype(float)  # (groups, sessions, items)
    G, S, I = answers.shape
    scores, _ = score_array(answers.reshape(G * S, I))
    scores = scores.reshape(G, S, -1)
    scores[~cohort.attended[:, rupture.member - 1]] = np.nan
    outcomes = cohort.outcomes
    mine = outcomes[outcomes["member"] == f"m{rupture.member:02d}"]
    oq = mine.groupby("session")["oq"].mean().reindex(range(1, S + 1)).to_numpy(dtype=float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a session nobody attended stays NaN
        relationship = np.nanmean(scores, axis=0)
    relationship.flags.writeable = False
    oq.flags.writeable = False
    return relationship, oq
