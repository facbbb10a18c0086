"""Does the default model reproduce the literature? Target vs achieved, DOMAIN.md section 5.

Definitions (each statistic is computed on a simulated cohort):

- *outcome*: a member's improvement, intake OQ minus last observed OQ (members who attended
  at least two sessions);
- *alliance*, *alliance with the group*, *cohesion*: the member's mean over attended sessions
  of the PB and PW member-leader facets, of the PB and PW member-group facets, and of the PB
  member-group facet;
- a correlation "across members nested in groups" is the standardized fixed slope of
  ``z(outcome) ~ z(predictor)`` in a linear mixed model with a random intercept per group
  (statsmodels ``MixedLM``);
- *repaired vs unrepaired*: each ruptured member's first rupture that began with at least
  four sessions left (room for a repair to be seen; declines can last up to six sessions,
  Gumz et al., 2012), coded 1 when it was repaired;
- an ICC is ``var(group) / (var(group) + var(residual))`` of a random-intercept ``MixedLM``;
  GQ ICCs use member-session subscale and facet scores;
- *early dropout*: members who stopped coming before the last session; *deterioration*: a
  last OQ at least the reliable change (14 points) above intake.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from ..instrument import Instrument
from ..scoring import alpha_array
from .cohort import Cohort

__all__ = ["TARGETS", "calibration_report", "calibration_statistics"]

TARGETS = pd.DataFrame(
    [
        ("repaired vs unrepaired rupture, r with outcome", 0.29, 0.20, 0.38, "Eubanks, Muran & Safran (2018)"),
        ("member alliance (with leader), r with outcome", 0.17, 0.10, 0.25, "Alldredge et al. (2021)"),
        ("cohesion (PB member-group), r with outcome", 0.26, 0.18, 0.34, "Burlingame, McClendon & Yang (2018)"),
        ("alliance with group minus with leader, r difference", 0.0, 0.0, 1.0, "Lo Coco et al. (2022): direction only"),
        ("outcome ICC across groups", 0.06, 0.02, 0.12, "Kivlighan et al. (2020)"),
        ("GQ subscale ICC, lowest", 0.10, 0.10, 0.30, "Kivlighan, Lo Coco & Gullo (2015), assumed range"),
        ("GQ subscale ICC, highest", 0.30, 0.10, 0.30, "Kivlighan, Lo Coco & Gullo (2015), assumed range"),
        ("GQ facet ICC, member-group minus member-leader", 0.05, 0.0, 1.0, "group-referent items carry more group variance (Kivlighan et al., 2015)"),
        ("early dropout share", 0.20, 0.15, 0.25, "review in Adm. Policy Ment. Health (2023)"),
        ("reliable deterioration share", 0.10, 0.05, 0.15, "review in Adm. Policy Ment. Health (2023)"),
        ("subscale alpha, lowest", 0.85, 0.85, 0.95, "DOMAIN.md section 1 (assumed)"),
        ("subscale alpha, highest", 0.95, 0.85, 0.95, "DOMAIN.md section 1 (assumed)"),
    ],
    columns=["statistic", "target", "low", "high", "source"],
)


def _mixed(frame: pd.DataFrame, y: str, x: str | None = None) -> tuple[float, float, float]:
    """(fixed slope, group variance, residual variance) of ``y ~ [x] + (1 | group)``."""
    import statsmodels.formula.api as smf

    formula = f"{y} ~ {x}" if x else f"{y} ~ 1"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence chatter on near-zero group variance
        # statsmodels' default (bfgs) often stops short here, and lbfgs lands on a zero
        # variance; Powell agrees with the ANOVA estimator in the tests.
        fit = smf.mixedlm(formula, frame, groups=frame["group"]).fit(reml=True, method=["powell", "nm"])
    if not fit.converged:
        raise RuntimeError(f"mixed model {formula} did not converge")
    slope = float(fit.fe_params[x]) if x else float("nan")
    return slope, float(fit.cov_re.iloc[0, 0]), float(fit.scale)


def _r(frame: pd.DataFrame, y: str, x: str) -> float:
    data = frame[["group", y, x]].dropna()
    data = data.assign(**{c: (data[c] - data[c].mean()) / data[c].std() for c in (y, x)})
    return _mixed(data, y, x)[0]


def _icc(frame: pd.DataFrame, y: str) -> float:
    _, between, within = _mixed(frame[["group", y]].dropna(), y)
    return between / (between + within)


def calibration_statistics(cohort: Cohort, icc_groups: int = 300) -> dict[str, float]:
    """The achieved value of every statistic in :data:`TARGETS` for one cohort.

    GQ ICCs use the first ``icc_groups`` groups (mixed models on every member-session of
    1,000 groups are slow and add little precision).
    """
    cfg = cohort.config
    members = cohort.members.copy()
    members["improvement"] = members["baseline_oq"] - members["final_oq"].astype(float)
    scores = cohort.scores()
    means = scores.groupby(["group", "member", "scale", "level"])["score"].mean().unstack(["scale", "level"])
    members = members.set_index(["group", "member"])
    members["alliance"] = (means[("PB", "ML")] + means[("PW", "ML")]) / 2
    members["group_alliance"] = (means[("PB", "MG")] + means[("PW", "MG")]) / 2
    members["cohesion"] = means[("PB", "MG")]
    stayed = members[members["n_attended"] >= 2].reset_index()

    events = cohort.events
    repaired_ids = set(events.loc[events["kind"] == "repair", "rupture_id"])
    ruptures = events[(events["kind"] == "rupture") & (events["session"] <= cfg.design.n_sessions - 4)]
    first = ruptures.sort_values("session").groupby(["group", "member"]).first()
    first = first.assign(repaired=first["rupture_id"].isin(repaired_ids).astype(float))
    ruptured = stayed.set_index(["group", "member"]).join(first["repaired"], how="inner").reset_index()

    icc_frame = scores[scores["group"].isin(cohort.groups["group"].iloc[:icc_groups])]
    icc = {key: _icc(d.rename(columns={"score": "y"}), "y") for key, d in icc_frame.groupby(["scale", "level"])}
    subscale_icc = [v for (s, lv), v in icc.items() if lv == "all"]
    mg_minus_ml = np.mean([icc[(s, "MG")] - icc[(s, "ML")] for s in ("PB", "PW", "NR")])

    g, m, s = np.nonzero(cohort.attended)
    alphas = alpha_array(cohort.answers[g, m, s].astype(float), Instrument.default())
    subscale_alpha = alphas.loc[alphas["level"] == "all", "alpha"]
    final = members["final_oq"].astype(float)
    alliance_r = _r(stayed, "improvement", "alliance")
    return {
        "repaired vs unrepaired rupture, r with outcome": _r(ruptured, "improvement", "repaired"),
        "member alliance (with leader), r with outcome": alliance_r,
        "cohesion (PB member-group), r with outcome": _r(stayed, "improvement", "cohesion"),
        "alliance with group minus with leader, r difference": _r(stayed, "improvement", "group_alliance") - alliance_r,
        "outcome ICC across groups": _icc(stayed, "improvement"),
        "GQ subscale ICC, lowest": min(subscale_icc),
        "GQ subscale ICC, highest": max(subscale_icc),
        "GQ facet ICC, member-group minus member-leader": float(mg_minus_ml),
        "early dropout share": float(members["dropped_out"].mean()),
        "reliable deterioration share": float(((final - members["baseline_oq"]) >= cfg.outcome.reliable_change)[final.notna()].mean()),
        "subscale alpha, lowest": float(subscale_alpha.min()),
        "subscale alpha, highest": float(subscale_alpha.max()),
    }


def calibration_report(cohort: Cohort | None = None, *, n_groups: int = 1000, seed: int = 2026) -> pd.DataFrame:
    """Target vs achieved for DOMAIN.md section 5, on ``cohort`` or a fresh default simulation.

    Returns
    -------
    DataFrame
        statistic, target, low, high, achieved, ok (achieved within [low, high]), source.

    Examples
    --------
    >>> from gqkit.simulate import simulate
    >>> report = calibration_report(simulate(n_groups=40, seed=1))
    >>> list(report.columns)
    ['statistic', 'target', 'low', 'high', 'achieved', 'ok', 'source']
    """
    if cohort is None:
        from . import simulate

        cohort = simulate(n_groups=n_groups, seed=seed)
    achieved = calibration_statistics(cohort)
    report = TARGETS.copy()
    report.insert(4, "achieved", report["statistic"].map(achieved))
    report.insert(5, "ok", report["achieved"].between(report["low"], report["high"]))
    return report
