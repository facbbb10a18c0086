"""Exercises for the notebooks: example data and ``check_*`` functions.

Each check compares the learner's answer with a value computed by gqkit's own functions
(never a typed-in constant) and returns a :class:`Feedback` that shows as a short message
in a notebook and is truthy only when the answer is right.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from .instrument import LEVEL_NAMES, Instrument
from .io import read_responses
from .scoring import DEFAULT_PRORATE, rci, score
from .simulate import Cohort, Rupture, simulate

__all__ = [
    "EXAMPLE_ANSWERS",
    "Feedback",
    "check_best_mg_rule",
    "check_event_recall",
    "check_missing_facet",
    "check_mystery_level",
    "check_mystery_member",
    "check_pb_score",
    "check_rci",
    "example_member",
    "mystery_group",
]

# One member's answers at one session, used throughout notebook 01 (invented for teaching).
EXAMPLE_ANSWERS = {
    "gq01": 6, "gq02": 5, "gq03": 2, "gq04": 5, "gq05": 6, "gq06": 3, "gq07": 6, "gq08": 6,
    "gq09": 2, "gq10": 5, "gq11": 4, "gq12": 1, "gq13": 7, "gq14": 5, "gq15": 2, "gq16": 5,
    "gq17": 4, "gq18": 3, "gq19": 5, "gq20": 1, "gq21": 6, "gq22": 6, "gq23": 2, "gq24": 5,
    "gq25": 4, "gq26": 2, "gq27": 6, "gq28": 1, "gq29": 5, "gq30": 2,
}  # fmt: skip


@dataclass(frozen=True)
class Feedback:
    """The verdict on one answer: ``correct`` is None while nothing was answered."""

    correct: bool | None
    message: str

    def __bool__(self) -> bool:
        return bool(self.correct)

    def __repr__(self) -> str:
        mark = {True: "Correct", False: "Not yet", None: "No answer yet"}[self.correct]
        return f"{mark}: {self.message}"

    def _repr_html_(self) -> str:
        colour = {True: "#1b7837", False: "#b2182b", None: "#555555"}[self.correct]
        return f'<p style="color:{colour}"><b>{repr(self).split(":")[0]}</b>: {self.message}</p>'


def example_member(missing: tuple[str, ...] = ()) -> pd.DataFrame:
    """The example member's responses (tidy), optionally with some items left unanswered."""
    frame = pd.DataFrame(
        {
            "group": "example",
            "member": "ana",
            "session": 1,
            "item": list(EXAMPLE_ANSWERS),
            "response": [None if item in missing else value for item, value in EXAMPLE_ANSWERS.items()],
        }
    )
    return read_responses(frame, layout="long")


def _check_number(answer: object, truth: float, tolerance: float, hint: str) -> Feedback:
    if answer is None:
        return Feedback(None, "replace None with your answer and run the cell again.")
    try:
        value = float(answer)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return Feedback(False, f"expected a number, got {answer!r}.")
    if math.isfinite(value) and abs(value - truth) <= tolerance:
        return Feedback(True, f"{truth:.2f} is right.")
    return Feedback(False, hint)


def check_pb_score(answer: float | None) -> Feedback:
    """Exercise: the example member's Positive Bonding subscale score, computed by hand.

    Examples
    --------
    >>> bool(check_pb_score(1.0))
    False
    """
    scores = score(example_member())
    truth = scores.query("scale == 'PB' and level == 'all'")["score"].item()
    n = len(Instrument.default().items_of("PB"))
    return _check_number(answer, truth, 0.005, f"average the member's answers to all {n} PB items (round to 2 decimals).")


def check_missing_facet(answer: str | tuple[str, str] | None, skipped: str = "gq05") -> Feedback:
    """Exercise: which facet loses its score when the member skips ``skipped``?

    Accepts ``"PW ML"``, ``"PW-ML"`` or ``("PW", "ML")``.
    """
    if answer is None:
        return Feedback(None, "replace None with a scale and level, e.g. 'NR MG'.")
    parts = tuple(answer) if isinstance(answer, tuple) else tuple(str(answer).replace("-", " ").replace("x", " ").split())
    given = tuple(p.strip().upper() for p in parts)
    scores = score(example_member(missing=(skipped,)), prorate=DEFAULT_PRORATE)
    lost = scores[scores["score"].isna()]
    truth = [(s, lv) for s, lv in zip(lost["scale"], lost["level"])]
    if given in truth:
        return Feedback(True, f"{given[0]} {given[1]} has too few items to tolerate a missing answer at 20%.")
    return Feedback(False, f"look up the scale and level of {skipped}, then count that cell's items.")


def check_rci(answer: float | None, sd: float = 1.0, reliability: float = 0.90) -> Feedback:
    """Exercise: the smallest reliable change for a score with this SD and reliability."""
    truth = rci(sd, reliability)
    return _check_number(answer, truth, 0.01, "use 1.96 * sqrt(2) * SD * sqrt(1 - reliability).")


def mystery_group() -> Cohort:
    """A group with one hidden scripted rupture (notebook 02): find its level and member."""
    hidden = Rupture(session=9, level="MG", type="withdrawal", member=4, severity=2.2)
    return simulate(seed=424242, ruptures=[hidden], rate={"MM": 0.0, "ML": 0.0, "MG": 0.0}, dropout_hazard=0.0)


def _mystery_truth() -> pd.Series:
    events = mystery_group().events
    return events[events["kind"] == "rupture"].iloc[0]


def check_mystery_level(answer: str | None) -> Feedback:
    """Exercise: at which level (MM, ML or MG) is the mystery group's rupture?"""
    if answer is None:
        return Feedback(None, "replace None with 'MM', 'ML' or 'MG'.")
    truth = _mystery_truth()["level"]
    if str(answer).strip().upper() == truth:
        return Feedback(True, f"the rupture is {LEVEL_NAMES[truth]}.")
    return Feedback(False, "compare the three heatmaps around the session where one row darkens; which level moves most?")


def check_mystery_member(answer: int | str | None) -> Feedback:
    """Exercise: which member is strained? Accepts 4 or 'm04'."""
    if answer is None:
        return Feedback(None, "replace None with a member number or id, e.g. 2 or 'm02'.")
    truth = _mystery_truth()["member"]
    given = str(answer).strip().lower()
    if given == truth or given.lstrip("m").lstrip("0") == truth.lstrip("m").lstrip("0"):
        return Feedback(True, f"{truth} is the strained member.")
    return Feedback(False, "look for the row whose colour changes from one session on and stays changed.")


def check_event_recall(answer: float | None, cohort: Cohort | None = None, rule: object = None) -> Feedback:
    """Exercise (notebook 03): event-level recall of the change alert on the ``course`` data."""
    from .detect import ChangeAlert
    from .evaluate import evaluate
    from .examples import load_example

    cohort = cohort or load_example("course")
    rule = rule or ChangeAlert()
    truth = evaluate(cohort, rule.detect(cohort.scores())).iloc[0]["recall"]
    return _check_number(answer, truth, 0.005, "found ruptures divided by all injected ruptures (each rupture counts once, however many alerts it got).")


def check_best_mg_rule(answer: str | None) -> Feedback:
    """Exercise (notebook 03): which built-in rule (at its defaults) finds most member-group ruptures in ``course``?"""
    from . import detect
    from .evaluate import evaluate
    from .examples import load_example

    if answer is None:
        return Feedback(None, "replace None with a rule name, e.g. 'change'.")
    cohort = load_example("course")
    scores = cohort.scores()
    rules = [detect.StatusAlert(), detect.ChangeAlert(), detect.VEpisode(), detect.SuddenLoss(), detect.GroupDrop(), detect.DyadDrop()]
    recall = {r.name: evaluate(cohort, r.detect(scores)).set_index(["scope", "key"]).loc[("level", "MG"), "recall"] for r in rules}
    best = max(recall, key=recall.get)
    if str(answer).strip().lower() == best:
        return Feedback(True, f"{best} finds {recall[best]:.0%} of the member-group ruptures.")
    return Feedback(False, "evaluate each rule on load_example('course') and compare the recall in the ('level', 'MG') row.")
