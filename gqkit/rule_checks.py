"""The rule contract, checked: :func:`check_rule` runs the conformance checks on any rule.

As scikit-learn's ``check_estimator`` does for estimators, :func:`check_rule` tells a researcher
whether their own rule (a :class:`~gqkit.detect.Rule` subclass, or a
:class:`~gqkit.detect.FunctionRule`) keeps the contract every built-in rule keeps:

- **parameters**: a frozen, keyword-only dataclass whose ``get_params()`` rebuild an equal rule
  (what ``sklearn.base.clone`` does), whose ``replace()`` gives an equal rule for unchanged
  parameters and refuses an unknown one with :class:`~gqkit.errors.GQConfigError`;
- **output**: ``detect`` returns the ``detections`` columns in a stable order, with every alert
  raised at or after the onset it claims, whatever the row order of its input;
- **edge cases**: an empty table, a single member, sessions with no scores and missing scores;
- **causality**: scores after a session never change an alert raised up to it;
- **batch independence**: a group's alerts are the same whether it is judged alone or with
  other groups;
- **online**: ``alerts_now`` on the data up to a session raises only alerts that ``detect`` on
  the same data raises at that session.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np
import pandas as pd

from .detect import DETECTION_COLUMNS, Rule, ScorePanel
from .errors import GQConfigError
from .simulation import simulate

__all__ = ["CHECKS", "check_rule"]


def _parameters(rule: Rule, scores: pd.DataFrame) -> None:
    assert dataclasses.is_dataclass(rule), "a rule is a dataclass: its fields are its parameters"
    params = rule.get_params(deep=False)
    assert all(f.kw_only for f in dataclasses.fields(rule)), "parameters are keyword-only"
    assert type(rule)(**params) == rule, "type(rule)(**rule.get_params()) rebuilds an equal rule (scikit-learn's clone)"
    assert rule.replace() == rule and rule.replace(**params) == rule, "replace() with the same parameters gives an equal rule"
    try:
        rule.replace(_no_such_parameter=1)
    except GQConfigError:
        pass
    else:
        raise AssertionError("replace() refuses an unknown parameter with GQConfigError")
    field_name = next(iter(params), None)
    if field_name is not None:
        try:
            setattr(rule, field_name, params[field_name])
        except dataclasses.FrozenInstanceError:
            pass
        else:
            raise AssertionError("rules are frozen: assigning a parameter raises FrozenInstanceError")
    assert isinstance(rule.name, str) and rule.name, "a rule has a non-empty name"


def _output(rule: Rule, scores: pd.DataFrame) -> None:
    out = rule.detect(scores)
    assert list(out.columns[: len(DETECTION_COLUMNS)]) == DETECTION_COLUMNS, f"detect() returns the columns {DETECTION_COLUMNS} first"
    assert (out["session"] >= out["onset"]).all(), "every alert is raised at or after the onset it claims"
    shuffled = rule.detect(scores.sample(frac=1, random_state=3))
    assert out.equals(shuffled), "the row order of the input does not change the detections"
    ordered = out.sort_values(["group", "member", "session", "onset"], na_position="first", kind="stable", ignore_index=True)
    assert out.equals(ordered), "detections come sorted by group, member, session and onset"
    assert not out["strength"].isna().any(), "every alert has a strength"


def _edge_cases(rule: Rule, scores: pd.DataFrame) -> None:
    empty = rule.detect(scores.iloc[0:0])
    assert empty.empty and list(empty.columns[: len(DETECTION_COLUMNS)]) == DETECTION_COLUMNS, "an empty table gives no detections, with the columns"
    first = scores[(scores["group"] == scores["group"].iloc[0]) & (scores["member"] == scores["member"].iloc[0])]
    rule.detect(first)
    holes = scores[~scores["session"].isin([3, 4, 9])]
    assert not rule.detect(holes)["onset"].isin([3, 4, 9]).any(), "no rupture is claimed at a session without scores"
    missing = scores.assign(score=scores["score"].where(scores["session"] % 5 != 0))
    assert not rule.detect(missing)["strength"].isna().any(), "missing scores give no alert without a strength"


def _causality(rule: Rule, scores: pd.DataFrame) -> None:
    rng = np.random.default_rng(0)
    before = rule.detect(scores)
    for cut in (3, 6, 9):
        later = scores["session"] > cut
        noisy = (scores["score"] + rng.normal(0, 2, len(scores))).clip(1, 7)
        after = rule.detect(scores.assign(score=scores["score"].where(~later, noisy)))
        keep = lambda d: d[d["session"] <= cut].reset_index(drop=True)  # noqa: E731
        assert keep(before).equals(keep(after)), f"scores after session {cut} changed an alert raised by session {cut}"


def _batch_independence(rule: Rule, scores: pd.DataFrame) -> None:
    together = rule.detect(scores)
    for group in scores["group"].unique():
        alone = rule.detect(scores[scores["group"] == group]).reset_index(drop=True)
        mine = together[together["group"] == group].reset_index(drop=True)
        assert mine.equals(alone), f"group {group}'s alerts changed when other groups were judged with it"


def _online(rule: Rule, scores: pd.DataFrame) -> None:
    panel = ScorePanel.from_scores(scores)
    for t in range(2, len(panel.sessions) + 1, 3):
        upto = panel.upto(t)
        now = rule.alerts_now(upto)
        raised = rule.detect(upto)
        raised = raised[raised["session"] == panel.sessions[t - 1]]
        units = panel.units.assign(key=panel.units["group"] + "\x00" + panel.units["member"].astype(str))
        flagged = set(units["key"][now])
        if rule.group_level:
            assert set(units["group"][now]) <= set(raised["group"]), f"alerts_now at session {t} raises a group detect() does not"
        else:
            assert flagged <= set(raised["group"] + "\x00" + raised["member"].astype(str)), f"alerts_now at session {t} raises a member detect() does not"


CHECKS: dict[str, Callable[[Rule, pd.DataFrame], None]] = {
    "parameters": _parameters,
    "output": _output,
    "edge cases": _edge_cases,
    "causality": _causality,
    "batch independence": _batch_independence,
    "online": _online,
}
"""The conformance checks, by name, in the order :func:`check_rule` runs them."""


def check_rule(rule: Rule, scores: pd.DataFrame | None = None) -> pd.DataFrame:
    """Run every conformance check of :data:`CHECKS` on ``rule``; raise if any fails.

    Parameters
    ----------
    rule : Rule
        A built-in rule, a :class:`~gqkit.detect.FunctionRule`, or a researcher's own subclass.
    scores : DataFrame, optional
        Tidy scores to check it on; default: the rule class's ``example_scores()`` when it has
        one (a rule that reads other data than GQ scores), else three simulated groups of the
        default model (``gqkit.simulate(n_groups=3, seed=12).scores()``).

    Returns
    -------
    DataFrame
        One row per check: check, passed (all True when it returns).

    Raises
    ------
    AssertionError
        Naming every check that failed and why.

    Examples
    --------
    >>> from gqkit.detect import ChangeAlert
    >>> bool(check_rule(ChangeAlert())["passed"].all())
    True
    """
    if not isinstance(rule, Rule):
        raise GQConfigError("rule", type(rule).__name__, "a gqkit.detect.Rule (subclass Rule, or wrap a function in FunctionRule)")
    if scores is None:  # a rule that reads other data than GQ scores gives its own example (e.g. gqkit.dyads.PairDrop)
        example = getattr(type(rule), "example_scores", None)
        scores = example() if callable(example) else simulate(n_groups=3, seed=12).scores()
    failed = []
    for name, check in CHECKS.items():
        try:
            check(rule, scores)
        except AssertionError as err:
            failed.append(f"{name}: {err}")
    if failed:
        raise AssertionError(f"{type(rule).__name__} breaks the rule contract:\n  " + "\n  ".join(failed))
    return pd.DataFrame({"check": list(CHECKS), "passed": True})
