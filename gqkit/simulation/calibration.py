"""Does the default model reproduce the literature? Target vs achieved, statistic by statistic.

Every statistic is computed as a researcher with real data could compute it:

- *outcome*: a member's **residual gain**: last observed OQ regressed on first observed OQ
  across members, the residual's sign flipped so that positive is better than expected
  (members who attended at least two sessions);
- *alliance*, *alliance with the group*, *cohesion*: the member's mean over attended sessions
  of the PB and PW member-leader facets, of the PB and PW member-group facets, and of the PB
  member-group facet; *early alliance*: the PB and PW member-leader facets over sessions 1-3;
- a correlation "across members nested in groups" is the standardized fixed slope of
  ``z(outcome) ~ z(predictor)`` in a linear mixed model with a random intercept per group
  (statsmodels ``MixedLM``);
- *repaired vs unrepaired*: among members with at least one rupture, the share of their
  ruptures that a repair resolved, against the outcome (Eubanks, Muran & Safran, 2018);
- the outcome ICC is ``var(group) / total`` of a random-intercept model; the therapists' share
  is ``var(therapist) / total`` with groups nested in therapists (each therapist leads
  ``groups_per_therapist`` groups); GQ ICCs are ``var(group) / total`` of member-session
  scores in a **three-level** model (sessions in members in groups): a model without the
  member level roughly doubles them;
- *early dropout*: members who stopped coming before the last session; *dropout by session 4*:
  the share of those whose last session was at most the fourth; *deterioration*: a last OQ at
  least the reliable change (14 points) above the first;
- feedback effects compare two cohorts simulated on the **same seeds**, feedback off and on:
  Hedges' g of pre-post change (first minus last observed OQ), overall and among members who
  were ever not on track in their own arm; the dropout odds ratio is odds(off) / odds(on), so
  a value above 1 favours feedback (de Jong et al., 2021);
- microaggression rows: :func:`~gqkit.simulation.microaggressions.addressed_share` and
  :func:`~gqkit.simulation.microaggressions.alliance_gap` (an analysis of covariance of the
  alliance with the leader at the end on its start, in SD units of unaffected members). A
  microaggression is rarer than other events, so the report computes these rows on a larger
  no-feedback cohort (``culture_groups``, default four times ``n_groups``).
"""

from __future__ import annotations

import numbers
import warnings

import numpy as np
import pandas as pd

from ..effect_sizes import hedges_g, odds_ratio
from ..errors import GQConfigError
from ..scoring import alpha_array
from .cohort import Cohort
from .microaggressions import addressed_share, alliance_gap

__all__ = ["TARGETS", "calibration_report", "calibration_statistics", "pre_post_change", "residual_gain"]

TARGETS = pd.DataFrame(
    [
        ("repaired vs unrepaired ruptures, r with outcome", 0.29, 0.20, 0.38, "Eubanks, Muran & Safran (2018)"),
        ("member alliance (with leader), r with outcome", 0.17, 0.10, 0.25, "Alldredge et al. (2021)"),
        ("cohesion (PB member-group), r with outcome", 0.26, 0.18, 0.34, "Burlingame, McClendon & Yang (2018)"),
        ("alliance with group minus with leader, r difference", 0.0, 0.0, 1.0, "Lo Coco et al. (2022): direction only"),
        ("outcome ICC across groups", 0.06, 0.02, 0.12, "Kivlighan et al. (2020)"),
        ("therapists' share of outcome variance", 0.05, 0.02, 0.10, "Chow et al. (2015): 5.1%"),
        ("GQ subscale ICC (three-level), lowest", 0.10, 0.05, 0.30, "Kivlighan, Lo Coco & Gullo (2015), assumed range"),
        ("GQ subscale ICC (three-level), highest", 0.20, 0.05, 0.30, "Kivlighan, Lo Coco & Gullo (2015), assumed range"),
        ("GQ facet ICC, member-group minus member-leader", 0.05, 0.0, 1.0, "group-referent items carry more group variance (Kivlighan et al., 2015)"),
        ("early dropout share", 0.20, 0.15, 0.25, "Koementas-de Vos et al., 2023, introduction"),
        ("dropout by session 4, share of all dropout", 0.50, 1 / 3, 1.0, "dropout is front-loaded (Koementas-de Vos et al., 2023, whose introduction summarises the group studies)"),
        ("reliable deterioration share", 0.10, 0.05, 0.15, "Koementas-de Vos et al., 2023, introduction"),
        ("subscale alpha, lowest", 0.85, 0.85, 0.95, "assumed range for the GQ subscales"),
        ("subscale alpha, highest", 0.95, 0.85, 0.95, "assumed range for the GQ subscales"),
        ("feedback vs none, g on pre-post change", 0.15, 0.08, 0.25, "de Jong et al. (2021): d about .15"),
        ("feedback vs none, g for members not on track", 0.45, 0.25, 0.60, "Barkham et al. (2023): g about .36-.53"),
        ("not-on-track g over overall g", 3.0, 2.0, np.inf, "not-on-track members gain most (de Jong et al., 2021; Barkham et al., 2023)"),
        ("feedback vs none, dropout odds ratio (off / on)", 1.19, 1.05, 1.40, "de Jong et al. (2021): OR 1.19 favouring feedback"),
        ("therapist self-doubt with early alliance, r", 0.10, 0.0, 1.0, "Nissen-Lie et al. (2010): direction only"),
        ("microaggressions addressed, share", 0.24, 0.15, 0.40, "Owen et al. (2014): about 76% were never discussed"),
        ("targets of addressed microaggressions, alliance with leader vs unaffected (SD)", 0.0, -0.15, 0.15,
         "Owen et al. (2014): discussed ones left the alliance like none"),
        ("targets of unaddressed microaggressions, alliance with leader vs unaffected (SD)", -0.4, -np.inf, -0.25,
         "Owen et al. (2014): undiscussed ones lowered it"),
    ],
    columns=["statistic", "target", "low", "high", "source"],
)


def _fit(frame: pd.DataFrame, formula: str, groups: str, vc: dict[str, str] | None = None):  # noqa: ANN202 (a statsmodels result)
    import statsmodels.formula.api as smf

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence chatter on near-zero variances
        # statsmodels' default (bfgs) often stops short here, and lbfgs lands on a zero
        # variance; Powell agrees with the ANOVA estimator in the tests.
        fit = smf.mixedlm(formula, frame, groups=frame[groups], re_formula="1", vc_formula=vc).fit(reml=True, method=["powell", "nm"])
    if not fit.converged:
        raise RuntimeError(f"mixed model {formula} did not converge")
    return fit


def _r(frame: pd.DataFrame, y: str, x: str) -> float:
    """Standardized fixed slope of y on x, members nested in groups."""
    data = frame[["group", y, x]].dropna()
    data = data.assign(**{c: (data[c] - data[c].mean()) / data[c].std() for c in (y, x)})
    return float(_fit(data, f"{y} ~ {x}", "group").fe_params[x])


def _icc(frame: pd.DataFrame, y: str) -> float:
    """Between-group share of a random-intercept model."""
    fit = _fit(frame[["group", y]].dropna(), f"{y} ~ 1", "group")
    between = float(fit.cov_re.iloc[0, 0])
    return between / (between + float(fit.scale))


def _nested_share(frame: pd.DataFrame, y: str, top: str, middle: str) -> float:
    """var(top) / total in a model with ``middle`` units nested in ``top`` units."""
    fit = _fit(frame, f"{y} ~ 1", top, {middle: f"0 + C({middle})"})
    top_var, middle_var = float(fit.cov_re.iloc[0, 0]), float(fit.vcomp[0])
    return top_var / (top_var + middle_var + float(fit.scale))


def residual_gain(members: pd.DataFrame) -> pd.Series:
    """Better-than-expected change: minus the residual of last OQ regressed on first OQ.

    Members with fewer than two attended sessions get NaN.

    Parameters
    ----------
    members : DataFrame
        One row per member with first_oq, final_oq and n_attended (a cohort's ``members``).

    Returns
    -------
    Series
        OQ-45 points better than expected from the first OQ, aligned with ``members``.

    Examples
    --------
    >>> m = pd.DataFrame({"first_oq": [80, 90, 70, 85], "final_oq": [70, 85, 68, 60], "n_attended": [5, 5, 5, 1]})
    >>> residual_gain(m).round(2).tolist()
    [4.33, -2.17, -2.17, nan]
    """
    first, last = members["first_oq"].astype(float), members["final_oq"].astype(float)
    ok = (members["n_attended"] >= 2) & first.notna() & last.notna()
    slope, intercept = np.polyfit(first[ok], last[ok], 1)
    return (-(last - (intercept + slope * first))).where(ok)


def pre_post_change(members: pd.DataFrame) -> pd.Series:
    """First minus last observed OQ (positive = better), for members with two or more sessions.

    Parameters
    ----------
    members : DataFrame
        One row per member with first_oq, final_oq and n_attended.

    Returns
    -------
    Series of float
        OQ-45 points, aligned with ``members``; NaN for members seen fewer than twice.

    Examples
    --------
    >>> m = pd.DataFrame({"first_oq": [80, 90], "final_oq": [70, 95], "n_attended": [5, 1]})
    >>> pre_post_change(m).tolist()
    [10.0, nan]
    """
    change = members["first_oq"].astype(float) - members["final_oq"].astype(float)
    return change.where(members["n_attended"] >= 2)


def _member_table(cohort: Cohort) -> pd.DataFrame:
    """Members with outcome, relationship means and the share of their ruptures repaired."""
    members = cohort.members.copy()
    members["outcome"] = residual_gain(members)
    scores = cohort.scores()
    facet = scores.groupby(["group", "member", "scale", "level"])["score"].mean().unstack(["scale", "level"])
    early = scores[scores["session"] <= 3].groupby(["group", "member", "scale", "level"])["score"].mean().unstack(["scale", "level"])
    members = members.set_index(["group", "member"])
    members["alliance"] = (facet[("PB", "ML")] + facet[("PW", "ML")]) / 2
    members["group_alliance"] = (facet[("PB", "MG")] + facet[("PW", "MG")]) / 2
    members["cohesion"] = facet[("PB", "MG")]
    members["early_alliance"] = (early[("PB", "ML")] + early[("PW", "ML")]) / 2
    members = members.reset_index()
    members["share_repaired"] = (members["n_repaired"] / members["n_ruptures"]).where(members["n_ruptures"] > 0)
    return members.merge(cohort.groups[["group", "self_doubt"]], on="group")


def _gq_statistics(cohort: Cohort, icc_groups: int) -> dict[str, float]:
    """Three-level ICCs of GQ scores and subscale alphas."""
    scores = cohort.scores()
    scores = scores[scores["group"].isin(cohort.groups["group"].iloc[:icc_groups])].dropna(subset=["score"])
    icc = {key: _nested_share(d.rename(columns={"score": "y"}), "y", "group", "member")
           for key, d in scores.groupby(["scale", "level"]) if key[1] in ("all", "ML", "MG")}  # fmt: skip
    subscale = [v for (_, level), v in icc.items() if level == "all"]
    g, m, s = np.nonzero(cohort.attended)
    alphas = alpha_array(cohort.answers[g, m, s].astype(float), cohort.instrument)
    subscale_alpha = alphas.loc[alphas["level"] == "all", "alpha"]
    return {
        "GQ subscale ICC (three-level), lowest": min(subscale),
        "GQ subscale ICC (three-level), highest": max(subscale),
        "GQ facet ICC, member-group minus member-leader": float(np.mean([icc[(q, "MG")] - icc[(q, "ML")] for q in ("PB", "PW", "NR")])),
        "subscale alpha, lowest": float(subscale_alpha.min()),
        "subscale alpha, highest": float(subscale_alpha.max()),
    }


def _feedback_statistics(off: Cohort, on: Cohort) -> dict[str, float]:
    """Feedback on vs off on the same seeds: change, change of NOT members, dropout."""
    change_on, change_off = pre_post_change(on.members), pre_post_change(off.members)
    overall = hedges_g(change_on, change_off)[0]
    not_on_track = hedges_g(change_on[on.members["not_on_track"]], change_off[off.members["not_on_track"]])[0]
    dropout = odds_ratio(int(off.members["dropped_out"].sum()), len(off.members), int(on.members["dropped_out"].sum()), len(on.members))[0]
    return {
        "feedback vs none, g on pre-post change": overall,
        "feedback vs none, g for members not on track": not_on_track,
        "not-on-track g over overall g": not_on_track / overall if overall > 0 else np.nan,
        "feedback vs none, dropout odds ratio (off / on)": dropout,
    }


def _culture_statistics(cohort: Cohort) -> dict[str, float]:
    gaps = alliance_gap(cohort)
    return {
        "microaggressions addressed, share": addressed_share(cohort),
        "targets of addressed microaggressions, alliance with leader vs unaffected (SD)": gaps["addressed"],
        "targets of unaddressed microaggressions, alliance with leader vs unaffected (SD)": gaps["not addressed"],
    }


def calibration_statistics(cohort: Cohort, feedback_cohort: Cohort | None = None, icc_groups: int = 150,
                           culture_cohort: Cohort | None = None) -> dict[str, float]:  # fmt: skip
    """The achieved value of every statistic in :data:`TARGETS`.

    ``cohort`` is a default simulation without feedback; ``feedback_cohort`` the same seeds
    with feedback on (without it, the feedback rows are NaN). GQ ICCs use the first
    ``icc_groups`` groups (three-level mixed models on every member-session are slow and more
    groups add little precision). The microaggression rows use ``culture_cohort`` when given
    (a larger default simulation without feedback), else ``cohort``.

    Parameters
    ----------
    cohort : Cohort
        A simulation without feedback.
    feedback_cohort : Cohort, optional
        The same seeds with feedback on.
    icc_groups : int, default 150
        How many of the first groups the GQ ICCs use.
    culture_cohort : Cohort, optional
        A cohort for the microaggression rows.

    Returns
    -------
    dict of str to float
        Statistic (as named in :data:`TARGETS`) -> achieved value; NaN where it cannot be
        computed.

    Raises
    ------
    RuntimeError
        If a mixed model does not converge.
    """
    members = _member_table(cohort)
    stayed = members[members["n_attended"] >= 2]
    dropped = members[members["dropped_out"]]
    final, first = members["final_oq"].astype(float), members["first_oq"].astype(float)
    alliance_r = _r(stayed, "outcome", "alliance")
    values = {
        "repaired vs unrepaired ruptures, r with outcome": _r(stayed, "outcome", "share_repaired"),
        "member alliance (with leader), r with outcome": alliance_r,
        "cohesion (PB member-group), r with outcome": _r(stayed, "outcome", "cohesion"),
        "alliance with group minus with leader, r difference": _r(stayed, "outcome", "group_alliance") - alliance_r,
        "outcome ICC across groups": _icc(stayed, "outcome"),
        "therapists' share of outcome variance": _nested_share(stayed.dropna(subset=["outcome"]), "outcome", "therapist", "group"),
        "early dropout share": float(members["dropped_out"].mean()),
        "dropout by session 4, share of all dropout": float((dropped["left"].fillna(0) <= 4).mean()),
        "reliable deterioration share": float(((final - first) >= cohort.config.outcome.reliable_change)[members["n_attended"] >= 2].mean()),
        "therapist self-doubt with early alliance, r": _r(members, "early_alliance", "self_doubt"),
        **_gq_statistics(cohort, icc_groups),
        **_culture_statistics(culture_cohort if culture_cohort is not None else cohort),
    }
    if feedback_cohort is not None:
        values.update(_feedback_statistics(cohort, feedback_cohort))
    return values


def calibration_report(cohort: Cohort | None = None, feedback_cohort: Cohort | None = None, *, n_groups: int | None = None,
                       seed: int | None = None, culture_groups: int | None = None) -> pd.DataFrame:  # fmt: skip
    """Target vs achieved, on the given cohorts or on fresh default simulations.

    Either pass ``cohort`` (and optionally ``feedback_cohort``), or let the report simulate:
    ``n_groups`` default groups twice on the same ``seed``, feedback off and feedback on, and
    ``culture_groups`` groups without feedback for the microaggression rows. The two ways do
    not mix: arguments that only the other way would use are refused, not ignored.

    Parameters
    ----------
    cohort : Cohort, optional
        A simulation without feedback; default: simulate one. When given, the
        microaggression rows use it too.
    feedback_cohort : Cohort, optional
        The same seeds as ``cohort``, with feedback on (without it the feedback rows are
        NaN); only with ``cohort``.
    n_groups : int, optional
        Groups per fresh simulation, default 1000; only without ``cohort`` (keyword only).
    seed : int, optional
        Seed of the fresh simulations, default 2026; only without ``cohort`` (keyword only).
    culture_groups : int, optional
        Groups of the fresh cohort for the microaggression rows, default ``4 * n_groups``;
        only without ``cohort`` (keyword only).

    Returns
    -------
    DataFrame
        statistic, target, low, high, achieved, ok (achieved within [low, high]), source.

    Raises
    ------
    GQConfigError
        If ``feedback_cohort`` comes without ``cohort``, if ``n_groups``, ``seed`` or
        ``culture_groups`` come with ``cohort``, if a cohort is not a :class:`Cohort`, or
        if a value is out of range.

    Examples
    --------
    >>> from gqkit import simulate
    >>> report = calibration_report(simulate(n_groups=40, seed=1))
    >>> list(report.columns)
    ['statistic', 'target', 'low', 'high', 'achieved', 'ok', 'source']
    """
    for name, given in (("cohort", cohort), ("feedback_cohort", feedback_cohort)):
        if given is not None and not isinstance(given, Cohort):
            raise GQConfigError(name, type(given).__name__, "None or a Cohort, as gqkit.simulate returns it")
    if cohort is None:
        from . import MAX_GROUPS, simulate

        if feedback_cohort is not None:
            raise GQConfigError("feedback_cohort", type(feedback_cohort).__name__, "None without cohort: it is compared with the cohort "
                                "simulated on its seeds, so pass that as cohort (or neither, to simulate both)")  # fmt: skip
        n_groups = 1000 if n_groups is None else n_groups
        seed = 2026 if seed is None else seed
        for name, value in (("n_groups", n_groups), ("culture_groups", culture_groups)):  # before the long work
            if not (value is None or isinstance(value, numbers.Integral) and not isinstance(value, bool) and 1 <= value <= MAX_GROUPS):
                raise GQConfigError(name, value, f"a whole number from 1 to {MAX_GROUPS:,}")
        culture_groups = 4 * n_groups if culture_groups is None else culture_groups
        cohort = simulate(n_groups=n_groups, seed=seed, feedback=False)
        feedback_cohort = simulate(n_groups=n_groups, seed=seed, feedback=True)
        culture_cohort = simulate(n_groups=culture_groups, seed=seed, feedback=False)
    else:
        for name, value in (("n_groups", n_groups), ("seed", seed), ("culture_groups", culture_groups)):
            if value is not None:
                raise GQConfigError(name, value, "None when cohort is given: it only sets the report's own simulations, which a given cohort replaces")
        culture_cohort = None
    achieved = calibration_statistics(cohort, feedback_cohort, culture_cohort=culture_cohort)
    report = TARGETS.copy()
    report.insert(4, "achieved", report["statistic"].map(achieved))
    report.insert(5, "ok", report["achieved"].between(report["low"], report["high"]))
    return report
