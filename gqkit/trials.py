"""Simulated trials: arms that differ in a few settings, run on the same groups, compared.

:func:`trial` simulates every arm on the **same** group seeds, so two arms differ only in what
the researcher changed (feedback on or off, a therapist factor, the detection rule behind the
feedback): a controlled experiment with common random numbers. The result, a :class:`Trial`,
holds tidy tables -- one row per member, one per group, one per effect size -- and fits the
mixed model of the GQ feedback trial (members nested in groups, therapists crossed with arms:
each therapist led one feedback and one no-feedback group; Burlingame et al., 2018).

Effect sizes compare each arm with the first (the reference) and are oriented so that a larger
value favours the arm: Hedges' g of change (positive: the arm improved more), odds ratios of
reliable improvement (arm over reference), of dropout and of reliable deterioration (reference
over arm, as in "dropout OR 1.19 favouring feedback", de Jong et al., 2021). The statistics
are the small pure functions of :mod:`gqkit.effect_sizes`, and change is
:func:`gqkit.simulation.calibration.pre_post_change`, so a trial and the calibration report
compute them alike.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ._units import run_units
from .effect_sizes import hedges_g, odds_ratio
from .errors import GQConfigError, GQDataError, Problem
from .simulation import Cohort, SimulationConfig, group_seeds, simulate
from .simulation.calibration import pre_post_change
from .simulation.model import check_seed

__all__ = ["SUBGROUPS", "Trial", "trial"]

GROUPS_PER_CHUNK = 50  # default unit of work: an arm x up to this many groups
RESERVED = ("n_groups", "seed", "config")  # simulate arguments trial() sets for every arm

# subgroup name -> (members column, value); a subgroup exists when its column does.
SUBGROUPS: dict[str, tuple[str, bool]] = {
    "not on track": ("not_on_track", True),
    "on track": ("not_on_track", False),
    "ruptured": ("ruptured", True),
    "never ruptured": ("ruptured", False),
    "targeted": ("targeted", True),
    "made a remark": ("made_remark", True),
    "bystander": ("bystander", True),
}
REQUIRED = ("arm", "group", "therapist", "change", "dropped_out")
EFFECT_COLUMNS = ["arm", "reference", "subgroup", "measure", "estimate", "ci_low", "ci_high", "n_arm", "n_reference"]


@dataclass(frozen=True, eq=False)
class Trial:
    """The tidy result of :func:`trial` (or of :meth:`from_members` on any such table).

    Build one with :func:`trial` or :meth:`from_members`; the fields below are what those
    pass in, and are kept as attributes of the same names.

    Parameters
    ----------
    arms : tuple of str
        Arm names in order; the first is the reference.
    members : DataFrame
        One row per member: the simulated members table (:class:`gqkit.Cohort`: therapist,
        first_oq and final_oq, dropped_out, n_attended, n_ruptures, n_repaired, not_on_track,
        ...) with ``arm`` and trial-wide group ids (``"feedback:g001"``), plus ``change``
        (first minus last observed OQ-45: positive = better, since a higher OQ is worse; NaN
        for a member seen fewer than two times, who is left out of change statistics),
        ``ruptured`` (at least one rupture), the roles in microaggressions ``targeted`` (was the
        target of at least one), ``made_remark`` (made at least one) and ``bystander`` (witnessed
        at least one and had no other role), ``reliable_improvement`` (change >=
        ``reliable_change``) and ``reliable_deterioration`` (change <= -``reliable_change``),
        both NA when change is NaN. A therapist leads group *k* in every arm (arms share seeds),
        so therapists are crossed with arms.
    groups : DataFrame
        One row per group: arm, group, therapist, and the simulated group's settings.
    effects : DataFrame
        One row per arm other than the reference x subgroup x measure: arm, reference,
        subgroup (``"all"`` and those of :data:`SUBGROUPS` whose column exists), measure
        (``"hedges_g change"``, ``"odds ratio dropout"``, ``"odds ratio reliable improvement"``,
        ``"odds ratio reliable deterioration"``), estimate, ci_low, ci_high (95%), n_arm,
        n_reference. **Larger favours the arm**: g > 0 when the arm improved more; the odds
        ratio of improvement is arm over reference, those of dropout and deterioration are
        reference over arm. g uses members with a change; dropout uses every member.
    reliable_change : float
        OQ-45 points of reliable change (``config.outcome.reliable_change``: 14, the OQ-45's
        reliable change index per OQ Measures).

    Notes
    -----
    ``ruptured`` and ``not_on_track`` are observed in each arm after it ran, as a researcher
    with real data would see them, so feedback can move members between subgroups: a subgroup
    comparison is not protected by the shared seeds the way ``"all"`` is. The intervals treat
    the arms as independent samples, as a real trial's would; since the arms share every
    random draw, they are conservative for the simulated contrast.
    """

    arms: tuple[str, ...]
    members: pd.DataFrame
    groups: pd.DataFrame
    effects: pd.DataFrame
    reliable_change: float

    @classmethod
    def from_members(
        cls,
        members: pd.DataFrame,
        *,
        arms: Sequence[str] | None = None,
        groups: pd.DataFrame | None = None,
        reliable_change: float = 14.0,
    ) -> Trial:
        """Compare the arms of a member table: reliable change columns and effect sizes.

        Parameters
        ----------
        members : DataFrame
            One row per member with at least arm, group, therapist, change (first minus last
            OQ-45) and dropped_out; optional subgroup columns ``ruptured`` and ``not_on_track``.
            Group ids must be unique across arms.
        arms : sequence of str, optional
            Arm order, reference first; default: order of first appearance.
        groups : DataFrame, optional
            One row per group; default: arm, group and therapist taken from ``members``.
        reliable_change : float, default 14.0
            OQ-45 points of reliable change, greater than 0 (14 is the OQ-45's reliable change
            index per OQ Measures, the simulator's default).

        Returns
        -------
        Trial

        Raises
        ------
        GQDataError
            If a required column is missing or a group id occurs in two arms.
        GQConfigError
            If ``arms`` does not name exactly the arms in ``members`` (two or more), or
            ``reliable_change`` is not a positive number.

        Examples
        --------
        >>> import pandas as pd
        >>> m = pd.DataFrame({"arm": ["off"] * 3 + ["on"] * 3, "group": ["off:a", "off:a", "off:b", "on:a", "on:a", "on:b"],
        ...                   "therapist": ["t1", "t1", "t2", "t1", "t1", "t2"], "change": [0, 20, 5, 10, 30, 15],
        ...                   "dropped_out": [True, True, False, False, True, False]})
        >>> t = Trial.from_members(m)
        >>> t.effects.round(2).loc[:1, ["measure", "estimate", "ci_low", "ci_high"]].to_dict("records")
        [{'measure': 'hedges_g change', 'estimate': 0.77, 'ci_low': -0.89, 'ci_high': 2.43}, {'measure': 'odds ratio dropout', 'estimate': 4.0, 'ci_low': 0.13, 'ci_high': 119.23}]
        """
        missing = [c for c in REQUIRED if c not in members.columns]
        if missing:
            raise GQDataError("members", [Problem("header", "", "", f"a '{c}' column") for c in missing], advice="one row per member")
        found = tuple(pd.unique(members["arm"].astype(str)))
        arms = found if arms is None else tuple(arms)
        if len(arms) < 2 or len(set(arms)) != len(arms) or set(arms) != set(found):
            raise GQConfigError("arms", arms, f"two or more distinct arm names, exactly those in members ({list(found)})")
        shared = members.groupby("group")["arm"].nunique()
        if (shared > 1).any():
            problems = [Problem("", "group", str(g), "a group id used in one arm only") for g in shared.index[shared > 1][:20]]
            raise GQDataError("members", problems, advice="prefix group ids with their arm")
        if isinstance(reliable_change, bool) or not isinstance(reliable_change, numbers.Real) or not reliable_change > 0:
            raise GQConfigError("reliable_change", reliable_change, "a number of OQ-45 points greater than 0, e.g. 14")
        table = members.astype({"arm": str, "group": str, "therapist": str, "change": float, "dropped_out": bool})
        observed = table["change"].notna()
        table["reliable_improvement"] = pd.array(table["change"] >= reliable_change, dtype="boolean")
        table["reliable_deterioration"] = pd.array(table["change"] <= -reliable_change, dtype="boolean")
        table.loc[~observed, ["reliable_improvement", "reliable_deterioration"]] = pd.NA
        groups = table[["arm", "group", "therapist"]].drop_duplicates(ignore_index=True) if groups is None else groups
        return cls(arms, table.reset_index(drop=True), groups, _effects(table, arms), float(reliable_change))

    @property
    def subgroups(self) -> tuple[str, ...]:
        """The subgroups this trial can be split by (those of :data:`SUBGROUPS` whose column exists)."""
        return ("all",) + tuple(name for name, (column, _) in SUBGROUPS.items() if column in self.members.columns)

    def arm_summary(self) -> pd.DataFrame:
        """Per arm: groups, members, mean and SD of change, and shares of members.

        Shares: dropout, reliable improvement and deterioration (of members with a change),
        ruptured and not on track (when known), and ``repaired``, the share of ruptures repaired.

        Returns
        -------
        DataFrame
            One row per arm, in :attr:`arms` order: arm, n_groups, n_members, mean_change,
            sd_change (OQ-45 points) and the shares (0-1) whose columns exist.

        Examples
        --------
        >>> t = trial({"off": {"feedback": False}, "on": {"feedback": True}}, n_groups=4, seed=2, progress=False)
        >>> t.arm_summary()[["arm", "n_groups", "n_members"]].to_dict("records")
        [{'arm': 'off', 'n_groups': 4, 'n_members': 32}, {'arm': 'on', 'n_groups': 4, 'n_members': 32}]
        """
        by = self.members.groupby("arm", sort=False)
        summary = pd.DataFrame({"n_groups": by["group"].nunique(), "n_members": by.size(),
                                "mean_change": by["change"].mean(), "sd_change": by["change"].std()})  # fmt: skip
        for column in ("dropped_out", "reliable_improvement", "reliable_deterioration", "ruptured", "not_on_track"):
            if column in self.members.columns:
                summary[column] = by[column].mean()
        if {"n_ruptures", "n_repaired"} <= set(self.members.columns):
            summary["repaired"] = by["n_repaired"].sum() / by["n_ruptures"].sum().replace(0, np.nan)
        return summary.reindex(list(self.arms)).rename_axis("arm").reset_index()

    def mixed_model(self, subgroup: str | None = None, formula: str = "change ~ C(arm)") -> Any:
        """Fit change on arm with statsmodels' linear mixed model, as in the GQ feedback trial.

        A random intercept per therapist (``groups="therapist"``, ``re_formula="1"``) and a
        variance component for the group within therapist (``vc_formula={"group": "0 + C(group)"}``):
        members nested in groups, therapists crossed with arms (Burlingame et al., 2018).
        Arms enter as a treatment contrast against the reference, so the coefficient
        ``C(arm)[T.<arm>]`` is the arm's mean change minus the reference's, in OQ-45 points.
        Fitted by REML on members with a change, with Powell's derivative-free method first
        (then L-BFGS): a variance component at its boundary (0) is common here and stalls
        statsmodels' default gradient methods, which then report no convergence.

        Parameters
        ----------
        subgroup : str, optional
            Fit on one subgroup only (one of :attr:`subgroups`); default or ``"all"``: everyone.
        formula : str, default "change ~ C(arm)"
            The fixed part, a patsy formula over the columns of :attr:`members`; add
            covariates by name, e.g. ``"change ~ C(arm) + first_oq"``.

        Returns
        -------
        statsmodels.regression.mixed_linear_model.MixedLMResults

        Raises
        ------
        GQConfigError
            If ``subgroup`` is not one this trial has.

        Examples
        --------
        >>> t = trial({"off": {"feedback": False}, "on": {"feedback": True}}, n_groups=4, seed=2, progress=False)
        >>> list(t.mixed_model().fe_params.index)
        ['Intercept', 'C(arm)[T.on]']
        """
        import statsmodels.formula.api as smf

        data = self.members[self._in(subgroup)].dropna(subset=["change"])
        data = data.assign(arm=pd.Categorical(data["arm"], categories=list(self.arms)))
        model = smf.mixedlm(formula, data, groups="therapist", re_formula="1", vc_formula={"group": "0 + C(group)"})
        return model.fit(reml=True, method=["powell", "lbfgs"])

    def _in(self, subgroup: str | None) -> np.ndarray:
        """Boolean mask of the members in ``subgroup`` (None or "all": everyone)."""
        if subgroup is None or subgroup == "all":
            return np.ones(len(self.members), bool)
        if subgroup not in self.subgroups:
            raise GQConfigError("subgroup", subgroup, f"None or one of {list(self.subgroups)}")
        return _subgroup_mask(self.members, subgroup)

    def __repr__(self) -> str:
        n_groups = self.members["group"].nunique()
        arms = ", ".join(repr(a) for a in self.arms)
        return f"Trial(arms {arms}, reference {self.arms[0]!r}; {n_groups} groups, {len(self.members)} members; {len(self.effects)} effects)"


def _subgroup_mask(members: pd.DataFrame, subgroup: str) -> np.ndarray:
    column, value = SUBGROUPS[subgroup]
    return (members[column].astype("boolean") == value).fillna(False).to_numpy(dtype=bool)


def _comparisons(arm: pd.DataFrame, ref: pd.DataFrame) -> Iterator[tuple[str, tuple[float, float, float], int, int]]:
    """Every measure of one arm against the reference: (measure, estimate, n_arm, n_reference)."""
    seen_a, seen_r = int(arm["change"].notna().sum()), int(ref["change"].notna().sum())

    def count(table: pd.DataFrame, column: str) -> int:
        return int(table[column].sum())  # NA (no change observed) counts as no event

    yield "hedges_g change", hedges_g(arm["change"], ref["change"]), seen_a, seen_r
    yield "odds ratio dropout", odds_ratio(count(ref, "dropped_out"), len(ref), count(arm, "dropped_out"), len(arm)), len(arm), len(ref)
    improved = odds_ratio(count(arm, "reliable_improvement"), seen_a, count(ref, "reliable_improvement"), seen_r)
    yield "odds ratio reliable improvement", improved, seen_a, seen_r
    worse = odds_ratio(count(ref, "reliable_deterioration"), seen_r, count(arm, "reliable_deterioration"), seen_a)
    yield "odds ratio reliable deterioration", worse, seen_a, seen_r


def _effects(members: pd.DataFrame, arms: tuple[str, ...]) -> pd.DataFrame:
    """The effects table of :class:`Trial`: every arm against the first, overall and by subgroup."""
    reference = arms[0]
    subgroups = ["all"] + [name for name, (column, _) in SUBGROUPS.items() if column in members.columns]
    rows = []
    for subgroup in subgroups:
        chosen = members if subgroup == "all" else members[_subgroup_mask(members, subgroup)]
        ref = chosen[chosen["arm"] == reference]
        for arm in arms[1:]:
            for measure, est, n_arm, n_ref in _comparisons(chosen[chosen["arm"] == arm], ref):
                rows.append([arm, reference, subgroup, measure, *est, n_arm, n_ref])
    return pd.DataFrame(rows, columns=EFFECT_COLUMNS)


def _tables(cohort: Cohort, arm: str, start: int, width: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A simulated slice of an arm as trial tables (members, groups), with trial-wide group ids."""
    ids = dict(zip(cohort.groups["group"], [f"{arm}:g{start + k + 1:0{width}d}" for k in range(cohort.n_groups)]))
    groups = cohort.groups.assign(group=cohort.groups["group"].map(ids))
    m = cohort.members
    members = m.assign(group=m["group"].map(ids), change=pre_post_change(m), ruptured=m["n_ruptures"] > 0, targeted=m["n_targeted"] > 0,
                       made_remark=m["n_remarks"] > 0, bystander=(m["n_witnessed"] > 0) & (m["n_targeted"] == 0) & (m["n_remarks"] == 0))  # fmt: skip
    for table in (groups, members):
        table.insert(0, "arm", arm)
    return members, groups


def _unit(
    arm: str, settings: dict[str, Any], config: SimulationConfig | None, seeds: list[np.random.SeedSequence], start: int, width: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One unit of work: simulate one arm on a slice of the trial's groups."""
    return _tables(simulate(config, n_groups=len(seeds), seed=seeds, **settings), arm, start, width)


def _check_arms(arms: object, common: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Each arm's full simulate settings (common ones included), or GQConfigError."""
    if not isinstance(arms, Mapping) or len(arms) < 2:
        raise GQConfigError("arms", arms, "a mapping of two or more arm names to simulate settings, e.g. "
                            "{'no feedback': {'feedback': False}, 'feedback': {'feedback': True}}; the first is the reference")  # fmt: skip
    settings = {}
    for name, value in arms.items():
        if not isinstance(name, str) or not name:
            raise GQConfigError("arms", name, "arm names that are non-empty text")
        if not isinstance(value, Mapping) or not all(isinstance(k, str) for k in value):
            raise GQConfigError(f"arms[{name!r}]", value, "a dict of keyword arguments for gqkit.simulate, e.g. {'feedback': True}")
        for key in value:
            if key in RESERVED:
                raise GQConfigError(f"arms[{name!r}]", key, f"simulate settings other than {', '.join(RESERVED)} (trial() sets those for every arm)")
            if key in common:
                raise GQConfigError(f"arms[{name!r}]", key, "a setting not also given to every arm (it is among trial()'s common keywords)")
        settings[name] = {**common, **value}
    return settings


def _check_int(name: str, value: object, low: int, high: int | None = None) -> int:
    if not (isinstance(value, numbers.Integral) and not isinstance(value, bool) and low <= int(value) and (high is None or int(value) <= high)):
        raise GQConfigError(name, value, f"a whole number from {low} to {high}" if high is not None else f"a whole number of at least {low}")
    return int(value)


def trial(
    arms: Mapping[str, Mapping[str, Any]],
    *,
    n_groups: int = 100,
    seed: int | np.random.SeedSequence | None = 0,
    config: SimulationConfig | None = None,
    executor: Executor | None = None,
    chunks: int | None = None,
    progress: bool = True,
    **common: Any,
) -> Trial:
    """Run a simulated trial: every arm on the same groups, compared with the first arm.

    Each arm is ``simulate(config, n_groups=n_groups, seed=seed, **common, **arms[name])``, and
    all arms share the group seeds (:func:`gqkit.simulation.group_seeds`), so group *k* has the
    same members, therapist and random draws in every arm: arms differ only in their settings.
    The work is split into units (an arm x a slice of groups) run on ``executor``; since a
    group simulated in a batch equals the group simulated alone, the result is identical with
    no executor, a ``concurrent.futures.ProcessPoolExecutor`` or a Dask cluster's
    ``Client.get_executor()`` (rules given as ``feedback`` must then pickle).

    Parameters
    ----------
    arms : mapping of str to dict
        Arm name -> keyword arguments of :func:`gqkit.simulate` (``feedback``, ``ruptures`` or
        any parameter of the model, e.g. ``commitment=0.2``); the first arm is the reference.
    n_groups : int, default 100
        Groups per arm, at least 1.
    seed : int, SeedSequence or None, default 0
        Seed of the group streams (None: fresh entropy, still shared by the arms).
    config : SimulationConfig, optional
        The model every arm starts from; default: ``SimulationConfig()``.
    executor : concurrent.futures.Executor, optional
        Where units run; default: here, one after the other.
    chunks : int, optional
        Slices each arm's groups are cut into (units of work per arm), 1 to ``n_groups``;
        default: one slice per 50 groups. Does not change the result.
    progress : bool, default True
        Show a progress bar (tqdm) over the units.
    **common
        Settings given to every arm (an arm may not repeat one), as keyword arguments of
        :func:`gqkit.simulate`.

    Returns
    -------
    Trial
        Its ``reliable_change`` is ``config.outcome.reliable_change``, the same in every arm.

    Raises
    ------
    GQConfigError
        For a bad arm mapping or setting (the simulator checks each arm's settings on one
        group before the long work starts), or a bad ``n_groups``, ``chunks``, ``seed``,
        ``config``, ``executor`` or ``progress``; or for an arm whose ``reliable_change``
        differs from the reference arm's. Reliable change defines the outcomes the arms are
        compared on (reliable improvement and deterioration): scored with different
        thresholds, an odds ratio would mix the threshold with the arm's effect. Change it
        for every arm at once, in ``config`` or as a common keyword.

    Examples
    --------
    >>> t = trial({"no feedback": {"feedback": False}, "feedback": {"feedback": True}}, n_groups=4, seed=1, progress=False)
    >>> t.arms, len(t.members)
    (('no feedback', 'feedback'), 64)
    >>> t.effects.query("subgroup == 'all'")["measure"].tolist()
    ['hedges_g change', 'odds ratio dropout', 'odds ratio reliable improvement', 'odds ratio reliable deterioration']
    """
    settings = _check_arms(arms, common)
    n_groups = _check_int("n_groups", n_groups, 1)
    n_chunks = -(-n_groups // GROUPS_PER_CHUNK) if chunks is None else _check_int("chunks", chunks, 1, n_groups)
    check_seed(seed)
    if config is not None and not isinstance(config, SimulationConfig):
        raise GQConfigError("config", config, "None or a gqkit.SimulationConfig")
    if executor is not None and not callable(getattr(executor, "submit", None)):
        raise GQConfigError("executor", executor, "None or a concurrent.futures.Executor (e.g. ProcessPoolExecutor, Dask's Client.get_executor())")
    if not isinstance(progress, bool):
        raise GQConfigError("progress", progress, "True or False")
    seeds = group_seeds(seed, n_groups)
    # One group per arm, here and now: the simulator checks every setting before the long work.
    checked = [simulate(config, n_groups=1, seed=seeds[:1], **kw) for kw in settings.values()]
    reliable_change = checked[0].config.outcome.reliable_change
    for name, cohort in zip(settings, checked):
        if cohort.config.outcome.reliable_change != reliable_change:
            raise GQConfigError(f"arms[{name!r}].reliable_change", cohort.config.outcome.reliable_change,
                                f"the reference arm's {reliable_change}: every arm is scored with one reliable change (set it in config or as a common keyword of trial)")  # fmt: skip
    width = max(3, len(str(n_groups)))
    slices = [(int(s[0]), int(s[-1]) + 1) for s in np.array_split(np.arange(n_groups), n_chunks)]
    args = [(name, kw, config, seeds[lo:hi], lo, width) for name, kw in settings.items() for lo, hi in slices]
    results = run_units(_unit, args, executor, progress, "trial")
    members, groups = zip(*results)
    return Trial.from_members(
        pd.concat(members, ignore_index=True),
        arms=tuple(settings),
        groups=pd.concat(groups, ignore_index=True),
        reliable_change=reliable_change,
    )
