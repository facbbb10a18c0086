"""Causal rupture-detection rules: one interface, many rules.

A rule is a small frozen dataclass whose fields are its parameters. Its work is done on a
:class:`ScorePanel` -- scores as an array of units (group x member) x sessions x facets --
so the same code serves researchers (:meth:`Rule.detect` on a tidy ``scores`` table) and
the simulator, whose leader sees, session by session, the alerts a rule raises from the
data up to that session (:meth:`Rule.alerts`). Rules are **causal**: the evidence at session
*s* uses sessions <= *s* only.

This module starts with the feedback system's default, :class:`ChangeAlert`; more rules
follow the same interface.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from .errors import GQConfigError, GQDataError, Problem
from .scoring import rci

__all__ = ["ChangeAlert", "DETECTION_COLUMNS", "Rule", "ScorePanel"]

DETECTION_COLUMNS = ["group", "member", "session", "onset", "level", "scale", "rule", "strength"]
# Which direction is worse: bond and work falling, negative relationship rising.
WORSE = {"PB": -1.0, "PW": -1.0, "NR": 1.0}


@dataclass(frozen=True)
class ScorePanel:
    """Scores as an array: ``values[unit, session, facet]``, NaN where there is no score.

    ``units`` lists the group and member of each unit row; ``sessions`` the session number
    of each column (consecutive, from 1); ``facets`` the (scale, level) of each last-axis
    slot.
    """

    values: np.ndarray
    units: pd.DataFrame
    sessions: np.ndarray
    facets: tuple[tuple[str, str], ...]

    @classmethod
    def from_scores(cls, scores: pd.DataFrame, value: str = "score") -> ScorePanel:
        """Build a panel from a tidy ``scores`` table (group, member, session, scale, level, value)."""
        missing = [c for c in ("group", "member", "session", "scale", "level", value) if c not in scores.columns]
        if missing:
            raise GQDataError("scores", [Problem("header", "", "", f"a '{c}' column") for c in missing])
        if scores.duplicated(["group", "member", "session", "scale", "level"]).any():
            raise GQDataError("scores", [Problem("", "", "", "one row per group, member, session, scale and level")])
        units = scores[["group", "member"]].drop_duplicates().sort_values(["group", "member"], ignore_index=True)
        facet_frame = scores[["scale", "level"]].drop_duplicates()
        facets = tuple(map(tuple, facet_frame.to_numpy()))
        n_sessions = int(scores["session"].max()) if len(scores) else 0
        values = np.full((len(units), n_sessions, len(facets)), np.nan)
        if len(scores):
            unit_of = pd.MultiIndex.from_frame(units).get_indexer(pd.MultiIndex.from_frame(scores[["group", "member"]]))
            facet_of = pd.MultiIndex.from_tuples(facets).get_indexer(pd.MultiIndex.from_frame(scores[["scale", "level"]]))
            values[unit_of, scores["session"].to_numpy(dtype=int) - 1, facet_of] = scores[value].to_numpy(dtype=float, na_value=np.nan)
        return cls(values, units, np.arange(1, n_sessions + 1), facets)

    def upto(self, n_sessions: int) -> ScorePanel:
        """The panel cut after its first ``n_sessions`` sessions (what was known then)."""
        return dataclasses.replace(self, values=self.values[:, :n_sessions], sessions=self.sessions[:n_sessions])

    def facet_index(self, scale: str, level: str) -> int:
        try:
            return self.facets.index((scale, level))
        except ValueError:
            raise GQDataError("scores", [Problem("", "", f"{scale} {level}", f"scores for one of {self.facets}")]) from None


class Rule:
    """Base class: parameters are dataclass fields; ``evidence`` does the work.

    Subclasses implement :meth:`watched` (the facets they read) and :meth:`evidence`
    (an array ``units x sessions x watched`` where values >= 1 raise an alert).
    """

    name: ClassVar[str] = "rule"

    def get_params(self) -> dict[str, Any]:
        """The rule's parameters by name."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}  # type: ignore[arg-type]

    def set_params(self, **params: Any) -> Rule:
        """A copy with some parameters changed (rules are immutable)."""
        unknown = set(params) - set(self.get_params())
        if unknown:
            raise GQConfigError(sorted(unknown)[0], params[sorted(unknown)[0]], f"a parameter of {type(self).__name__}: {sorted(self.get_params())}")
        return dataclasses.replace(self, **params)  # type: ignore[type-var]

    def watched(self, panel: ScorePanel) -> list[int]:
        raise NotImplementedError

    def evidence(self, panel: ScorePanel) -> np.ndarray:
        raise NotImplementedError

    def alerts(self, panel: ScorePanel) -> np.ndarray:
        """Boolean ``units x sessions x watched``: where the evidence reaches 1."""
        with np.errstate(invalid="ignore"):
            return self.evidence(panel) >= 1

    def detect(self, scores: pd.DataFrame) -> pd.DataFrame:
        """Alerts as a tidy ``detections`` table, one row per alert.

        Columns: group, member, session (when the alert is raised), onset (the session the
        rule claims the rupture began), level, scale, rule, strength (the evidence).
        """
        panel = ScorePanel.from_scores(scores)
        evidence = self.evidence(panel)
        unit, session, k = np.nonzero(np.nan_to_num(evidence, nan=0.0) >= 1)
        facets = [panel.facets[i] for i in self.watched(panel)]
        out = pd.DataFrame(
            {
                "group": panel.units["group"].to_numpy()[unit],
                "member": panel.units["member"].to_numpy()[unit],
                "session": panel.sessions[session],
                "onset": panel.sessions[session],
                "level": [facets[i][1] for i in k],
                "scale": [facets[i][0] for i in k],
                "rule": self.name,
                "strength": evidence[unit, session, k],
            },
            columns=DETECTION_COLUMNS,
        )
        return out.sort_values(["group", "member", "session", "scale"], ignore_index=True)


def _previous_observed(values: np.ndarray) -> np.ndarray:
    """For each session, the last non-NaN value at an earlier session (NaN if none)."""
    units, n_sessions, k = values.shape
    idx = np.where(~np.isnan(values), np.arange(n_sessions)[None, :, None], -1)
    last = np.maximum.accumulate(idx, axis=1)  # last observed index up to and including s
    prev = np.concatenate([np.full((units, 1, k), -1), last[:, :-1]], axis=1)
    out = np.take_along_axis(values, np.clip(prev, 0, None), axis=1)
    return np.where(prev >= 0, out, np.nan)


@dataclass(frozen=True, kw_only=True)
class ChangeAlert(Rule):
    """Reliable worsening since the member's previous attended session.

    GQ feedback reports raise a change alert when a subscale worsens reliably from one
    session to the next (Burlingame et al., 2018): bond or work falling, or negative
    relationship rising, by more than ``threshold``.

    Parameters
    ----------
    threshold : float
        Smallest change that counts, in answer-scale points. The default 0.88 is
        ``rci(sd=1.0, reliability=0.90)`` (Jacobson & Truax, 1991) -- an assumed norm SD and
        reliability, since the GQ manual's values are proprietary.
    scales : tuple of str
        Scales to watch.
    level : str
        ``"all"`` for subscales, or a level (MM, ML, MG) for facets.

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame({"group": "g", "member": "a", "session": [1, 2, 3],
    ...                   "scale": "PB", "level": "all", "score": [6.0, 4.5, 4.4]})
    >>> ChangeAlert(scales=("PB",)).detect(s)[["session", "scale"]].to_dict("records")
    [{'session': 2, 'scale': 'PB'}]
    """

    name: ClassVar[str] = "change"
    threshold: float = round(rci(1.0, 0.90), 2)
    scales: tuple[str, ...] = ("PB", "PW", "NR")
    level: str = "all"

    def __post_init__(self) -> None:
        if not (isinstance(self.threshold, (int, float)) and self.threshold > 0):
            raise GQConfigError("ChangeAlert.threshold", self.threshold, "a change greater than 0")
        if not self.scales or any(s not in WORSE for s in self.scales):
            raise GQConfigError("ChangeAlert.scales", self.scales, "one or more of PB, PW, NR")

    def watched(self, panel: ScorePanel) -> list[int]:
        return [panel.facet_index(s, self.level) for s in self.scales]

    def evidence(self, panel: ScorePanel) -> np.ndarray:
        values = panel.values[:, :, self.watched(panel)]
        sign = np.array([WORSE[s] for s in self.scales])
        return sign * (values - _previous_observed(values)) / self.threshold
