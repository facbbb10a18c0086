"""check_rule: every built-in rule keeps the contract, and rules that break it are caught by name."""

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pytest

from gqkit import simulate
from gqkit.detect import RULES, ChangeAlert, Evidence, FunctionRule, Rule, ScorePanel, VEpisode
from gqkit.errors import GQConfigError
from gqkit.rule_checks import CHECKS, check_rule

SCORES = simulate(n_groups=3, seed=12).scores()


@pytest.mark.parametrize("rule", [cls() for cls in RULES.values()] + [
    VEpisode(k=2, sd="within", m=3), ChangeAlert(level="ML"), FunctionRule(func=lambda h: (h[0] - h[-1]) if len(h) > 1 else np.nan, scales=("PB", "NR")),
    FunctionRule(func=lambda h, gap: (h[0] - h[-1]) / gap if len(h) > 1 else np.nan, params={"gap": 0.5}, scales=("PB", "NR"), label="gap"),
], ids=lambda r: f"{type(r).__name__}")  # fmt: skip
def test_every_rule_keeps_the_contract(rule):
    report = check_rule(rule, SCORES)
    assert report["check"].tolist() == list(CHECKS) and report["passed"].all()


def test_the_parameters_check_covers_a_function_rule_s_params():
    rule = FunctionRule(func=lambda h, gap: (h[0] - h[-1]) / gap if len(h) > 1 else np.nan, params={"gap": 0.5}, scales=("PB",))
    assert type(rule)(**rule.get_params()) == rule != rule.replace(params__gap=1.0)  # what clone does; params tell rules apart
    CHECKS["parameters"](rule, SCORES)


def test_the_registry_is_what_every_face_offers():
    from gqkit import cli, widgets

    assert cli.RULES is RULES
    explorer = widgets.DetectionExplorer(simulate(n_groups=2, seed=1))
    assert set(explorer._classes) == {name for name, cls in RULES.items() if cls.finds_ruptures}
    assert not RULES["sudden_gain"].finds_ruptures and all(RULES[n].finds_ruptures for n in RULES if n != "sudden_gain")


def test_a_rule_is_abstract_until_it_says_what_it_watches_and_finds():
    with pytest.raises(TypeError, match="abstract"):
        Rule()  # type: ignore[abstract]


def test_scikit_learn_clone_works_if_scikit_learn_is_there():
    base = pytest.importorskip("sklearn.base")
    rule = ChangeAlert(threshold=0.5, level="ML")
    assert base.clone(rule) == rule
    own = FunctionRule(func=lambda h, gap: h[-1] / gap, params={"gap": 2.0}, label="own")
    assert base.clone(own) == own  # the constructor keeps params as given, as clone requires


@dataclass(frozen=True, kw_only=True)
class PeeksAhead(Rule):
    """Alerts when the *next* session is lower: uses the future."""

    name: ClassVar[str] = "peeks_ahead"
    level: str = "all"

    def watched(self, panel: ScorePanel) -> list[int]:
        return [panel.facet_index("PB", self.level)]

    def evidence(self, panel: ScorePanel) -> Evidence:
        x = panel.values[:, :, self.watched(panel)]
        nxt = np.full(x.shape, np.nan)
        nxt[:, :-1] = x[:, 1:]
        strength = np.nan_to_num((x - nxt) / 0.5, nan=0.0)
        return Evidence(alert=strength >= 1, strength=strength, raised=np.broadcast_to(np.arange(x.shape[1])[None, :, None], x.shape).copy())


@dataclass(frozen=True, kw_only=True)
class ComparesWithEveryone(Rule):
    """Alerts below the mean of the whole table: depends on the other groups."""

    name: ClassVar[str] = "compares_with_everyone"

    def watched(self, panel: ScorePanel) -> list[int]:
        return [panel.facet_index("PB", "all")]

    def evidence(self, panel: ScorePanel) -> Evidence:
        x = panel.values[:, :, self.watched(panel)]
        with np.errstate(invalid="ignore"):
            strength = np.nan_to_num((np.nanmean(x) - x) / 0.5, nan=0.0)
        return Evidence(alert=strength >= 1, strength=strength, raised=np.broadcast_to(np.arange(x.shape[1])[None, :, None], x.shape).copy())


@dataclass(kw_only=True)
class Mutable(Rule):
    """Not frozen: its parameters can be changed behind its back."""

    name: ClassVar[str] = "mutable"
    level: str = "all"

    def watched(self, panel: ScorePanel) -> list[int]:
        return [panel.facet_index("PB", self.level)]

    def evidence(self, panel: ScorePanel) -> Evidence:
        return ChangeAlert(scales=("PB",), level=self.level).evidence(panel)


@pytest.mark.parametrize("rule, check", [(PeeksAhead(), "causality"), (ComparesWithEveryone(), "batch independence")])
def test_a_rule_that_breaks_the_contract_is_named(rule, check):
    with pytest.raises(AssertionError, match=rf"{type(rule).__name__} breaks the rule contract:[\s\S]*{check}:"):
        check_rule(rule, SCORES)


def test_a_mutable_rule_is_caught():
    with pytest.raises(AssertionError, match="parameters: rules are frozen"):
        check_rule(Mutable(), SCORES)


def test_check_rule_refuses_what_is_not_a_rule():
    with pytest.raises(GQConfigError, match="rule='str'"):
        check_rule("change")  # type: ignore[arg-type]


def test_a_rule_on_other_data_is_checked_on_its_own_example():
    """PairDrop reads relationship effects, not GQ scores: check_rule takes its example_scores() by default."""
    from gqkit.dyads import PairDrop

    report = check_rule(PairDrop())
    assert report["passed"].all(), report[~report["passed"]]
