"""Exercises for the notebooks: example data and ``check_*`` functions.

Each check compares the learner's answer with a value computed by gqkit's own functions
(never a typed-in constant) and returns a :class:`Feedback` that shows as a short message
in a notebook and is truthy only when the answer is right.

Checks accept the ways a person would reasonably write a right answer and still reject wrong
ones: a number may come as ``5.38``, ``"5.38"`` or ``"5,38"`` and counts within one unit of the
last decimal asked for (the feedback says so), so both roundings of a value that ends in 5 pass;
a share may come as ``0.21``, ``21`` or ``"21%"``; a scale or level as its code or its name in any
case, spacing or hyphenation (``"MG"``, ``"member-group"``, ``"Member group"``); a rule by its name
or its class (``"v_episode"``, ``"VEpisode"``, ``"V-episode"``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from .instrument import LEVEL_NAMES, LEVELS, SCALE_NAMES, SCALES, Instrument
from .io import read_responses
from .scoring import DEFAULT_PRORATE, rci, score
from .simulation import Cohort, Rupture, simulate

if TYPE_CHECKING:
    from .detect import Rule

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
    "check_recall_gap",
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
    """The verdict on one answer: ``correct`` is None while nothing was answered.

    Parameters
    ----------
    correct : bool or None
        True when the answer is right, False when not, None while nothing was answered.
    message : str
        What to tell the learner.
    """

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
    """The example member's responses (tidy), optionally with some items left unanswered.

    Parameters
    ----------
    missing : tuple of str
        Item ids left unanswered.
    """
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


_NUMBER = re.compile(r"^\s*([-+−]?(?:\d+(?:[.,]\d*)?|[.,]\d+))\s*(%?)\s*[^\W\d]*(?:\s+[^\W\d]+)*\s*$")


def _as_number(answer: object) -> tuple[float, bool]:
    """A number from an answer, and whether it was written as a percentage (``"21%"``).

    Accepts numbers and strings such as ``"5.38"``, ``"5,38"``, ``"0.86 points"`` or ``"21 %"``;
    raises ``ValueError`` for anything else (text, ``True``/``False``, NaN).
    """
    if isinstance(answer, bool):
        raise ValueError(answer)
    if isinstance(answer, (int, float)):
        value, percent = float(answer), False
    else:
        m = _NUMBER.match(str(answer))
        if not m:
            raise ValueError(answer)
        value, percent = float(m[1].replace(",", ".").replace("−", "-")), m[2] == "%"
    if not math.isfinite(value):
        raise ValueError(answer)
    return value, percent


def _unanswered(answer: object) -> bool:
    return answer is None or (isinstance(answer, str) and not answer.strip())


def _check_number(answer: object, truth: float, decimals: int, hint: str, *, share: bool = False,
                  tolerance: float | None = None) -> Feedback:
    """Right when within ``tolerance`` of ``truth``: by default one unit of the last decimal asked for.

    With ``share=True`` the question asks for a share from 0 to 1, and ``"21%"`` or ``21`` are read
    as 0.21.
    """
    if _unanswered(answer):
        return Feedback(None, "replace None with your answer and run the cell again.")
    tolerance = 10.0**-decimals if tolerance is None else tolerance
    rule = f"answers within {tolerance:g} of the exact value count, so either rounding is fine"
    try:
        value, percent = _as_number(answer)
    except ValueError:
        return Feedback(False, f"expected a number, got {answer!r}.")
    note = ""
    if share and (percent or 1 < abs(value) <= 100):
        note = f" (read {answer!r} as the share {value / 100:.{decimals}f})"
        value /= 100
    elif percent:
        return Feedback(False, f"expected a number, not a percentage ({answer!r}).")
    if abs(value - truth) <= tolerance + 1e-9:
        return Feedback(True, f"{truth:.{decimals}f} is right{note}; {rule}.")
    return Feedback(False, f"{hint} ({rule}.){note}")


def _tokens(answer: object) -> list[str]:
    """An answer as lower-case words: any case, dashes, underscores, slashes, x or × between codes."""
    text = re.sub(r"(?i)(?<=\b[a-z]{2})[x×](?=[a-z]{2}\b)", " ", str(answer))  # PWxML, pw×ml
    text = re.sub(r"([a-z])([A-Z])", r"\1 \2", text)  # ChangeAlert -> Change Alert
    return re.findall(r"[a-z]+", text.lower().replace("×", " "))


_FILLER = {"the", "a", "level", "levels", "facet", "cell", "scale", "subscale", "to", "with", "and", "of", "relationship"}
_SCALE_WORDS = {"PB": ("pb", "positive bonding", "positive bond", "bonding", "bond"),
                "PW": ("pw", "positive working", "positive work", "working", "work"),
                "NR": ("nr", "negative", "negative relationship")}
_LEVEL_WORDS = {code: (code.lower(), " ".join(LEVEL_NAMES[code].split("-"))) for code in LEVELS} | {"all": ("all", "whole")}


def _parse_codes(answer: object) -> tuple[str | None, str | None]:
    """The scale and level an answer names, each as its code, or None where it names none or several."""
    text = " ".join(w for w in _tokens(answer) if w not in _FILLER)
    text = " " + re.sub(r"\b(pb|pw|nr)(mm|ml|mg)\b", r"\1 \2", text) + " "  # pwml -> pw ml

    def find(table: Mapping[str, tuple[str, ...]]) -> str | None:
        hits = {code for code, names in table.items() for name in names if f" {name} " in text}
        return hits.pop() if len(hits) == 1 else None

    return find(_SCALE_WORDS), find(_LEVEL_WORDS)


def check_pb_score(answer: float | None) -> Feedback:
    """Exercise: the example member's Positive Bonding subscale score, computed by hand.

    Parameters
    ----------
    answer : number or str or None
        The learner's answer; None (or empty text) while nothing was answered.

    Examples
    --------
    >>> bool(check_pb_score(1.0))
    False
    """
    scores = score(example_member())
    truth = scores.query("scale == 'PB' and level == 'all'")["score"].item()
    n = len(Instrument.default().items_of("PB"))
    return _check_number(answer, truth, 2, f"average the member's answers to all {n} PB items and round to two decimals.")


def check_missing_facet(answer: str | tuple[str, str] | None, skipped: str = "gq05") -> Feedback:
    """Exercise: which facet loses its score when the member skips ``skipped``?

    Accepts the scale and the level as codes or names, in any case, spacing or hyphenation:
    ``"PW ML"``, ``"PW-ML"``, ``"pw x ml"``, ``("PW", "member-leader")`` or
    ``"Positive Working, member–leader"``.

    Parameters
    ----------
    answer : str or (str, str) or None
        The learner's answer; None (or empty text) while nothing was answered.
    skipped : str
        The item the member skips.
    """
    if _unanswered(answer):
        return Feedback(None, "replace None with a scale and level, e.g. 'NR MG'.")
    given = _parse_codes(" ".join(map(str, answer)) if isinstance(answer, tuple) else answer)
    scores = score(example_member(missing=(skipped,)), prorate=DEFAULT_PRORATE)
    lost = scores[scores["score"].isna()]
    truth = [(s, lv) for s, lv in zip(lost["scale"], lost["level"])]
    if given in truth:
        assert given[0] is not None and given[1] is not None  # it is one of truth's (scale, level) codes
        return Feedback(True, f"{given[0]} {given[1]} ({SCALE_NAMES[given[0]]}, {LEVEL_NAMES[given[1]]}) has too few items "
                              "to tolerate a missing answer at 20%.")  # fmt: skip
    if None in given:
        return Feedback(False, f"name one scale ({', '.join(SCALES)}) and one level ({', '.join(LEVELS)}), e.g. 'NR MG'; "
                               f"could not read both from {answer!r}.")  # fmt: skip
    return Feedback(False, f"look up the scale and level of {skipped}, then count that cell's items.")


def check_rci(answer: float | None, sd: float = 1.0, reliability: float = 0.90) -> Feedback:
    """Exercise: the smallest reliable change for a score with this SD and reliability.

    Parameters
    ----------
    answer : number or str or None
        The learner's answer; None (or empty text) while nothing was answered.
    sd : float
        The norm SD of the score.
    reliability : float
        The score's reliability.
    """
    truth = rci(sd, reliability)
    return _check_number(answer, truth, 2, "use 1.96 * sqrt(2) * SD * sqrt(1 - reliability), two decimals.")


def mystery_group() -> Cohort:
    """A group with one hidden scripted rupture (notebook 02): find its level and member."""
    hidden = Rupture(session=9, level="MG", type="withdrawal", member=4, severity=2.2)
    return simulate(seed=424242, ruptures=[hidden], rate={"MM": 0.0, "ML": 0.0, "MG": 0.0}, dropout_hazard=0.0)


def _mystery_truth() -> pd.Series:
    events = mystery_group().events
    return events[events["kind"] == "rupture"].iloc[0]


def check_mystery_level(answer: str | None) -> Feedback:
    """Exercise: at which level (MM, ML or MG) is the mystery group's rupture? Code or name, any case.

    Parameters
    ----------
    answer : str or None
        The learner's answer; None (or empty text) while nothing was answered.
    """
    if _unanswered(answer):
        return Feedback(None, "replace None with 'MM', 'ML' or 'MG'.")
    truth = _mystery_truth()["level"]
    scale, given = _parse_codes(answer)
    if given not in LEVELS:
        return Feedback(False, f"answer 'MM', 'ML' or 'MG' (or member-member, member-leader, member-group), not {answer!r}.")
    if given == truth:
        return Feedback(True, f"the rupture is {LEVEL_NAMES[truth]}.")
    return Feedback(False, "compare the three heatmaps around the session where one row darkens; which level moves most?")


def check_mystery_member(answer: int | str | None) -> Feedback:
    """Exercise: which member is strained? Accepts 4, '4', 'm04', 'M4' or 'member 4'.

    Parameters
    ----------
    answer : int or str or None
        The learner's answer; None (or empty text) while nothing was answered.
    """
    if _unanswered(answer):
        return Feedback(None, "replace None with a member number or id, e.g. 2 or 'm02'.")
    truth = _mystery_truth()["member"]
    if isinstance(answer, float) and answer.is_integer():
        answer = int(answer)
    digits = re.fullmatch(r"\s*(?:member\s*)?m?\s*0*(\d+)\s*", str(answer).lower()) if not isinstance(answer, bool) else None
    if digits is None:
        return Feedback(False, f"answer with a member number or id, e.g. 2 or 'm02', not {answer!r}.")
    if int(digits[1]) == int(truth.lstrip("m")):
        return Feedback(True, f"{truth} is the strained member.")
    return Feedback(False, "look for the row whose colour changes from one session on and stays changed.")


def check_event_recall(answer: float | None, cohort: Cohort | None = None, rule: Rule | None = None) -> Feedback:
    """Exercise (notebook 03): event-level recall of the change alert on the ``course`` data.

    Parameters
    ----------
    answer : number or str or None
        The learner's answer; None (or empty text) while nothing was answered.
    cohort : Cohort, optional
        Default: ``load_example("course")``.
    rule : Rule, optional
        Default: ``ChangeAlert()``.
    """
    from .detect import ChangeAlert
    from .evaluate import evaluate
    from .examples import load_example

    cohort = cohort or load_example("course")
    rule = rule or ChangeAlert()
    truth = evaluate(cohort, rule.detect(cohort.scores())).iloc[0]["recall"]
    return _check_number(answer, truth, 2, "found ruptures divided by all injected ruptures (each rupture counts once, however many alerts it got).",
                         share=True)  # fmt: skip


def check_recall_gap(answer: float | None, cohort: Cohort | None = None) -> Feedback:
    """Exercise (notebook 03): the V-episode's event-level recall minus its session-level recall on ``course``.

    Parameters
    ----------
    answer : number or str or None
        The learner's answer; None (or empty text) while nothing was answered.
    cohort : Cohort, optional
        Default: ``load_example("course")``.
    """
    from .detect import VEpisode
    from .evaluate import evaluate, pointwise
    from .examples import load_example

    cohort = cohort or load_example("course")
    found = VEpisode().detect(cohort.scores())
    truth = evaluate(cohort, found).iloc[0]["recall"] - pointwise(cohort, found)["recall"]
    return _check_number(answer, truth, 2, "evaluate(course, d).iloc[0]['recall'] minus pointwise(course, d)['recall'], with d = VEpisode().detect(...). "
                         "A rupture open for several sessions needs one timely alert to be found, but session by session every open session "
                         "without an alert counts as a miss.")  # fmt: skip


def _rupture_rules() -> list[Rule]:
    """Every built-in rule that looks for ruptures, at its defaults, in the order of :data:`gqkit.detect.RULES`."""
    from .detect import RULES

    return [cls() for cls in RULES.values() if cls.finds_ruptures]


def _rule_names(rules: list[Rule]) -> dict[str, str]:
    """How a learner may name each rule -> its name: 'v_episode', 'VEpisode', 'V-episode', 'change alert', 'ChangeAlert' ..."""
    names = {}
    for r in rules:
        for alias in (r.name, type(r).__name__, f"{r.name} alert", f"{r.name} rule"):
            names["".join(_tokens(alias))] = r.name
    return names


def check_best_mg_rule(answer: str | None) -> Feedback:
    """Exercise (notebook 03): which built-in rule (at its defaults) finds most member-group ruptures in ``course``?

    The rules are those of :data:`gqkit.detect.RULES` that look for ruptures, named by their
    name or class, in any case or spacing.

    Parameters
    ----------
    answer : str or None
        The learner's answer; None (or empty text) while nothing was answered.

    Examples
    --------
    >>> check_best_mg_rule(None).correct is None
    True
    """
    from .evaluate import evaluate
    from .examples import load_example

    if _unanswered(answer):
        return Feedback(None, "replace None with a rule name, e.g. 'change'.")
    rules = _rupture_rules()
    given = _rule_names(rules).get("".join(_tokens(answer)))
    if given is None:
        return Feedback(False, f"answer with a rule name ({', '.join(r.name for r in rules)}), not {answer!r}.")
    cohort = load_example("course")
    scores = cohort.scores()
    recall = {r.name: evaluate(cohort, r.detect(scores)).set_index(["scope", "key"]).loc[("level", "MG"), "recall"] for r in rules}
    best = max(recall, key=recall.__getitem__)
    if recall[given] == recall[best]:  # a tie: either is right
        return Feedback(True, f"{given} finds {recall[given]:.0%} of the member-group ruptures.")
    return Feedback(False, "evaluate each rule on load_example('course') and compare the recall in the ('level', 'MG') row.")


# -- notebook 04: repair and outcomes ---------------------------------------------------------
__all__ += ["check_definition_gap", "check_early_repair", "check_unresolved_members", "repair_cohort"]


def repair_cohort() -> Cohort:
    """The cohort of notebook 04: 200 groups of the default model (random ruptures, repairs, dropout)."""
    return simulate(n_groups=200, seed=2018)


def check_unresolved_members(answer: int | None, cohort: Cohort | None = None) -> Feedback:
    """Exercise (notebook 04): how many members had a rupture still open at the end?

    Open means neither ended by a repair nor faded on its own; read it from the members table
    (``n_ruptures``, ``n_repaired``, ``n_faded``).

    Parameters
    ----------
    answer : int or str or None
        The learner's answer; None (or empty text) while nothing was answered.
    cohort : Cohort, optional
        Default: :func:`repair_cohort`.
    """
    if _unanswered(answer):
        return Feedback(None, "replace None with a number of members and run the cell again.")
    members = (cohort or repair_cohort()).members
    truth = int(((members["n_ruptures"] - members["n_repaired"] - members["n_faded"]) > 0).sum())
    try:
        given, percent = _as_number(answer)
    except ValueError:
        return Feedback(False, f"expected a number of members, got {answer!r}.")
    if percent:
        return Feedback(False, f"count members (a whole number), not a percentage ({answer!r}).")
    if given == truth:
        return Feedback(True, f"{truth} members still had an open rupture when the group ended.")
    hint = "count members, not ruptures: a member counts once however many ruptures stayed open." if given > truth else ""
    return Feedback(False, f"a rupture is open when it was neither repaired nor faded: n_ruptures - n_repaired - n_faded > 0. {hint}".strip())


def _status_gaps(cohort: Cohort) -> dict[str, float]:
    from .repair import DEFINITIONS, member_status, status_summary

    gaps = {}
    for definition in DEFINITIONS:
        table = status_summary(member_status(cohort, definition))
        gaps[definition] = float(table.loc["unrepaired", "oq_change"] - table.loc["repaired", "oq_change"])
    return gaps


def check_definition_gap(answer: str | None, cohort: Cohort | None = None) -> Feedback:
    """Exercise (notebook 04): under which definition of *repaired* do repaired members look better?

    The answer names the definition (``"attempt"`` or ``"resolved"``) under which the gap in
    mean OQ change between unrepaired and repaired members is larger.

    Parameters
    ----------
    answer : str or None
        The learner's answer; None (or empty text) while nothing was answered.
    cohort : Cohort, optional
        Default: :func:`repair_cohort`.
    """
    if _unanswered(answer):
        return Feedback(None, "replace None with 'attempt' or 'resolved'.")
    gaps = _status_gaps(cohort or repair_cohort())
    best = max(gaps, key=gaps.__getitem__)
    given = {"attempt": "attempt", "attempts": "attempt", "attempted": "attempt", "resolved": "resolved",
             "resolution": "resolved", "resolve": "resolved"}.get(_words(answer), _words(answer))  # fmt: skip
    if given not in gaps:
        return Feedback(False, f"answer 'attempt' or 'resolved', not {answer!r}.")
    if abs(gaps["attempt"] - gaps["resolved"]) < 0.05:
        return Feedback(True, f"in this cohort the two definitions give the same gap ({best}: {gaps[best]:.1f} OQ points).")
    if given == best:
        other = min(gaps, key=gaps.__getitem__)
        return Feedback(True, f"the gap is {gaps[best]:.1f} OQ points under '{best}' and {gaps[other]:.1f} under '{other}'.")
    return Feedback(False, "run status_summary(member_status(cohort, definition)) for both definitions and compare unrepaired minus repaired oq_change.")


def check_early_repair(answer: float | None) -> Feedback:
    """Exercise (notebook 04): how much does an early repair lower the last OQ?

    With the explorer's defaults (a member-leader withdrawal of severity 2.0 at session 5,
    repair quality 0.8): the member's OQ at the last session with the repair at session 12
    minus with the repair at session 6, one decimal.

    Parameters
    ----------
    answer : number or str or None
        The learner's answer; None (or empty text) while nothing was answered.
    """
    from .repair import repair_contrast

    late = repair_contrast(repair_session=12).summary()["final_oq_with"]
    early = repair_contrast(repair_session=6).summary()["final_oq_with"]
    return _check_number(answer, late - early, 1, "read the OQ at the last session with the repair ('with the repair') at 12, then at 6, and subtract.",
                         tolerance=0.15)  # fmt: skip


# --- notebook 05: feedback and the therapist ------------------------------------------------
__all__ += ["check_commitment_effect", "check_feedback_subgroup", "feedback_box_trial"]

_FEEDBACK_SUBGROUPS = ("not on track", "on track", "ruptured", "never ruptured")


def feedback_box_trial(**settings: Any):  # -> gqkit.Trial
    """Notebook 05's trial in a box: 100 groups per arm, feedback off vs on, seed 1 (cached).

    Parameters
    ----------
    **settings
        Settings shared by both arms (as for :func:`gqkit.trial`), e.g. ``commitment=0.0``.
    """
    key = tuple(sorted(settings.items()))
    if key not in _FEEDBACK_TRIALS:
        from .trials import trial

        arms = {"no feedback": {"feedback": False}, "feedback": {"feedback": True}}
        _FEEDBACK_TRIALS[key] = trial(arms, n_groups=100, seed=1, progress=False, **settings)
    return _FEEDBACK_TRIALS[key]


_FEEDBACK_TRIALS: dict = {}


def _g(t, subgroup: str) -> float:
    e = t.effects
    return float(e[(e["measure"] == "hedges_g change") & (e["subgroup"] == subgroup)]["estimate"].iloc[0])


def check_feedback_subgroup(answer: str | None) -> Feedback:
    """Exercise (notebook 05): which subgroup gains most from feedback (largest Hedges g of change)?

    Computed from :func:`feedback_box_trial`; the answer is a subgroup name of ``trial.effects``.

    Parameters
    ----------
    answer : str or None
        The learner's answer; None (or empty text) while nothing was answered.
    """
    if _unanswered(answer):
        return Feedback(None, f"replace None with one of {', '.join(repr(s) for s in _FEEDBACK_SUBGROUPS)}.")
    given = _words(answer).removesuffix(" members")
    if given not in _FEEDBACK_SUBGROUPS:
        return Feedback(False, f"answer with one of {', '.join(repr(s) for s in _FEEDBACK_SUBGROUPS)}, not {answer!r}.")
    t = feedback_box_trial()
    gs = {s: _g(t, s) for s in _FEEDBACK_SUBGROUPS}
    best = max(gs, key=gs.__getitem__)
    if given == best:
        return Feedback(True, f"g = {gs[best]:.2f} for members {best}, against {_g(t, 'all'):.2f} for everyone: "
                              "the alert reaches the therapist exactly for the members who need a change of course.")  # fmt: skip
    return Feedback(False, f"g is {gs[given]:.2f} for '{given}'. Filter trial.effects to measure == 'hedges_g change' and compare the subgroups.")


def check_commitment_effect(answer: float | None, commitment: float = 0.0) -> Feedback:
    """Exercise (notebook 05): Hedges g of change for not-on-track members when therapists' commitment is near 0.

    The trial in a box (:func:`feedback_box_trial`) with ``commitment=0.0``, two decimals.

    Parameters
    ----------
    answer : number or str or None
        The learner's answer; None (or empty text) while nothing was answered.
    commitment : float
        The therapists' mean commitment to measurement-based care in the trial.
    """
    t = feedback_box_trial(commitment=commitment)
    return _check_number(answer, _g(t, "not on track"), 2,
                         f"run the trial in a box again with commitment={commitment} and read the 'not on track' row of measure 'hedges_g change'.",
                         tolerance=0.015)  # fmt: skip


# --- notebook 06: cultural ruptures ---------------------------------------------------------
__all__ += ["check_addressing_facet", "check_shamed_role", "check_unaddressed_share", "culture_cohort"]

_ROLE_NAMES = {"target": "the member targeted", "source": "the member who made the remark", "bystander": "the bystanders"}
_ROLE_WORDS = {
    "target": ("target", "targeted", "member targeted", "targeted member"),
    "source": ("source", "made the remark", "made a remark", "member who made the remark", "remark maker", "the remark maker"),
    "bystander": ("bystander", "bystanders", "witness", "witnesses"),
}
_FACETS = ("humility", "comfort", "opportunities")


def _words(answer: object) -> str:
    """An answer as plain lower-case words: no quotes, dashes or underscores, no leading 'the'."""
    text = " ".join(str(answer).strip().strip("'\"").lower().replace("-", " ").replace("_", " ").split())
    return text[4:] if text.startswith("the ") else text


def culture_cohort() -> Cohort:
    """The cohort of notebook 06: 400 groups of the default model (random ruptures and microaggressions), seed 2014."""
    return simulate(n_groups=400, seed=2014)


def check_unaddressed_share(answer: float | None, cohort: Cohort | None = None) -> Feedback:
    """Exercise (notebook 06): the share of the cohort's microaggressions the leader never addressed, two decimals.

    Parameters
    ----------
    answer : number or str or None
        The learner's answer; None (or empty text) while nothing was answered.
    cohort : Cohort, optional
        Default: :func:`culture_cohort`.

    Examples
    --------
    >>> check_unaddressed_share(None).correct is None
    True
    """
    from .culture import addressed_share

    if _unanswered(answer):
        return Feedback(None, "replace None with your answer and run the cell again.")
    truth = 1 - addressed_share(cohort or culture_cohort())
    return _check_number(answer, truth, 2, "count the rows of microaggressions(cohort) whose response is 'not addressed' and divide by all rows.",
                         share=True)  # fmt: skip


def check_shamed_role(answer: str | None) -> Feedback:
    """Exercise (notebook 06): whose bond with the group ends lowest after a shaming response, against an addressed one?

    The explorer's start (a member's remark, the leader's orientation at 0.6, 0.6, 0.5): for
    each role, the bond with the group at the end with ``response="shaming"`` minus with
    ``response="addressed"`` (:func:`gqkit.culture.scenario`); the answer is the role with the
    largest drop: ``"target"``, ``"source"`` (the member who made the remark) or ``"bystander"``.

    Parameters
    ----------
    answer : str or None
        The learner's answer; None (or empty text) while nothing was answered.

    Examples
    --------
    >>> bool(check_shamed_role("bystander"))
    False
    """
    from .culture import scenario

    if _unanswered(answer):
        return Feedback(None, "replace None with 'target', 'source' (the member who made the remark) or 'bystander'.")
    given = next((role for role, words in _ROLE_WORDS.items() if _words(answer) in words), None)
    if given is None:
        return Feedback(False, f"answer 'target', 'source' or 'bystander', not {answer!r}.")
    end = {r: scenario(response=r).summary()["end"].xs("cohesion", level="measure") for r in ("shaming", "addressed")}
    drop = end["shaming"] - end["addressed"]
    worst = drop.idxmin()
    if given == worst:
        return Feedback(True, f"{_ROLE_NAMES[worst]}: bond with the group {-drop[worst]:.2f} points lower at the end when the leader "
                              "shames rather than addresses the remark; a shaming response is a new rupture of its own.")  # fmt: skip
    return Feedback(False, f"{_ROLE_NAMES[given]}: {-drop[given]:.2f} points lower. Compare the bond with the group at the end for "
                           "response 'shaming' and 'addressed', role by role.")  # fmt: skip


def check_addressing_facet(answer: str | None, value: float = 0.95) -> Feedback:
    """Exercise (notebook 06): which facet of multicultural orientation, raised alone to ``value``, most raises the share addressed?

    With the leader deciding (:func:`gqkit.culture.scenario` with ``response=None``), each of
    humility, comfort and opportunities in turn at ``value``, the others at their start.

    Parameters
    ----------
    answer : str or None
        The learner's answer; None (or empty text) while nothing was answered.
    value : float
        The value each facet is raised to, alone.

    Examples
    --------
    >>> check_addressing_facet(None).correct is None
    True
    """
    from .culture import scenario

    if _unanswered(answer):
        return Feedback(None, "replace None with 'humility', 'comfort' or 'opportunities'.")
    given = _words(answer).removeprefix("cultural ")
    if given not in _FACETS:
        return Feedback(False, f"answer 'humility', 'comfort' or 'opportunities', not {answer!r}.")
    shares = {}
    for facet in _FACETS:
        setting: dict[str, Any] = {facet: value}
        shares[facet] = scenario(**setting).responses["addressed"]
    best = max(shares.values())
    if shares[given] == best:
        return Feedback(True, f"at {value} {given} gets {best:.0%} addressed (the start: {scenario().responses['addressed']:.0%}); "
                              "it decides whether the leader takes the moment up at all.")  # fmt: skip
    return Feedback(False, f"at {value} {given} gets {shares[given]:.0%} addressed. Leave the response to the leader, move one facet "
                           "at a time and read the share addressed above the table.")  # fmt: skip


# --- notebook 07: research sandbox ----------------------------------------------------------
__all__ += ["check_level_recall_gap", "check_own_threshold", "check_peeking"]


def _research() -> Cohort:
    from .examples import load_example

    return load_example("research")


_OWN_SWEEPS: dict[tuple, tuple[Rule, Cohort | None, pd.DataFrame]] = {}  # the sweeps check_own_threshold ran, by rule, values and scope


def check_own_threshold(answer: float | None, rule: Rule, *, cohort: Cohort | None = None, param: str | None = None,
                        values: list[float] | None = None, target: float = 0.5) -> Feedback:
    """Exercise (notebook 07): which value of your rule's threshold finds at least ``target`` of the ruptures with the best precision?

    The sweep of notebook 07: ``sweep(rule, param, values, cohort, scope=...)``
    (:func:`gqkit.evaluate.sweep`), scored on the ruptures of the level the rule
    claims (all ruptures when it claims none), window 0-3. The answer is one of the values
    swept, written as a number (``0.65``, ``"0,65"``, ``".65"``).

    Parameters
    ----------
    answer : number or None
        The learner's choice.
    rule : Rule
        The rule swept, e.g. notebook 07's ``mine``.
    cohort : Cohort, optional
        Default: ``load_example("research")``.
    param : str, optional
        The parameter swept; default: the first of :meth:`gqkit.detect.Rule.numeric_params`
        (``"params__drop"`` for notebook 07's ``mine``).
    values : list, optional
        The values swept; default: :func:`gqkit.evaluate.sweep_values`.
    target : float
        The recall the choice must reach.

    Examples
    --------
    >>> from gqkit.detect import ChangeAlert
    >>> check_own_threshold(None, ChangeAlert()).correct is None
    True
    """
    from .evaluate import sweep, sweep_values

    if _unanswered(answer):
        return Feedback(None, "replace None with one of the values of the sweep, e.g. 1.0.")
    param = param or next(iter(rule.numeric_params()))
    values = list(values) if values is not None else sweep_values(rule, param)
    try:
        given, percent = _as_number(answer)
    except ValueError:
        return Feedback(False, f"expected a number (one of the values swept: {', '.join(f'{v:g}' for v in values)}), got {answer!r}.")
    near = [v for v in values if abs(v - given) <= 0.005 + 1e-9]
    if percent or not near:
        return Feedback(False, f"answer with one of the values of {param} swept: {', '.join(f'{v:g}' for v in values)}; not {answer!r}.")
    level = getattr(rule, "level", "all")
    scope = level if level in LEVELS else "overall"  # the ruptures of the level the rule claims, the only ones it can find
    key = (repr(rule), param, tuple(values), scope)
    cached = _OWN_SWEEPS.get(key)
    if cached is None or cached[0] != rule or cached[1] is not cohort:  # rule and cohort are kept with the sweep: no id is reused meanwhile
        cached = _OWN_SWEEPS[key] = (rule, cohort, sweep(rule, param, values, cohort or _research(), scope=scope).set_index("value"))
    curve = cached[2]
    reach = curve[curve["recall"] >= target]
    where = "all ruptures" if scope == "overall" else f"the {LEVEL_NAMES[scope]} ruptures"
    if reach.empty:
        return Feedback(False, f"no value of {param} reaches a recall of {target:g} on {where}: the best is {curve['recall'].max():.2f}.")
    best = reach["precision"].idxmax()
    row = curve.loc[near[0]]
    if near[0] == best:
        return Feedback(True, f"{param} = {best:g} finds {row['recall']:.0%} of {where} with precision {row['precision']:.2f}; "
                              "no other value that finds as many is right as often.")  # fmt: skip
    if row["recall"] < target:
        return Feedback(False, f"at {param} = {near[0]:g} the recall is {row['recall']:.2f}, below {target:g}: read the sweep's recall column.")
    return Feedback(False, f"at {param} = {near[0]:g} the recall is {row['recall']:.2f} (enough) but the precision only {row['precision']:.2f}: "
                           "another value that reaches the recall is right more often.")  # fmt: skip


def _check_names() -> dict[str, str]:
    """How a learner may name each conformance check of :data:`gqkit.rule_checks.CHECKS` -> its name."""
    from .rule_checks import CHECKS

    names = {}
    for name in CHECKS:
        words = " ".join(_tokens(name))
        for alias in (words, words.rstrip("s"), f"{words} check", f"the {words} check", f"{words} test"):
            names[" ".join(_tokens(alias))] = name
    names.update({"causal": "causality", "not causal": "causality", "the rule is not causal": "causality", "causal check": "causality",
                  "batch": "batch independence", "batch dependence": "batch independence", "edge case": "edge cases"})  # fmt: skip
    return names


def _failed_checks(rule: Rule) -> list[str]:
    """The conformance checks ``rule`` fails, on :func:`gqkit.check_rule`'s default scores."""
    from .rule_checks import CHECKS

    scores = simulate(n_groups=3, seed=12).scores()
    failed = []
    for name, check in CHECKS.items():
        try:
            check(rule, scores)
        except AssertionError:
            failed.append(name)
    return failed


def check_peeking(answer: str | None, peeking: Rule, honest: Rule | None = None) -> Feedback:
    """Exercise (notebook 07): which conformance check fails for a rule that peeks at later sessions, and not for its honest twin?

    Runs every check of :data:`gqkit.rule_checks.CHECKS` on both rules (the scores
    :func:`gqkit.check_rule` uses by default); the answer names a check that ``peeking`` fails
    and ``honest`` passes, by its name in any case (``"causality"``, ``"the causality
    check"``, ``"causal"``).

    Parameters
    ----------
    answer : str or None
        The learner's answer.
    peeking : Rule
        The rule that looks at later sessions (notebook 07: a change alert on centred averages).
    honest : Rule, optional
        The same rule made causal (a trailing average); default: none, so every check
        ``peeking`` fails counts.

    Examples
    --------
    >>> from gqkit.detect import ChangeAlert
    >>> check_peeking(None, ChangeAlert()).correct is None
    True
    """
    if _unanswered(answer):
        return Feedback(None, "replace None with the name of a check, e.g. 'online'.")
    names = _check_names()
    given = names.get(" ".join(_tokens(answer)))
    if given is None:
        return Feedback(False, f"answer with the name of one check of check_rule ({', '.join(sorted(set(names.values())))}), not {answer!r}.")
    failed = _failed_checks(peeking)
    passed_by_honest = set(names.values()) - set(_failed_checks(honest)) if honest is not None else set(names.values())
    caught = [name for name in failed if name in passed_by_honest]
    if given in caught:
        return Feedback(True, f"'{given}' fails: scores after a session changed alerts raised by then, so the rule used data it could not have had. "
                              "The trailing average keeps the contract.")  # fmt: skip
    if given in failed:
        return Feedback(False, f"'{given}' fails for the honest twin too, so it is not what peeking breaks.")
    if not caught:
        return Feedback(False, "neither rule fails a check that the other passes: did you pass the centred rule first?")
    return Feedback(False, f"'{given}' passes for the peeking rule. Run check_rule on it and read which check it names.")


def check_level_recall_gap(answer: float | None, rule: Rule, *, builtin: Rule | None = None, cohort: Cohort | None = None) -> Feedback:
    """Exercise (notebook 07): your rule's recall among the ruptures of its level minus a built-in's watching the same facets.

    On ``research`` (window 0-3), from :func:`gqkit.evaluate.evaluate`'s row for the level
    ``rule`` claims; the built-in is by default the change alert watching the same scales at
    the same level, at its defaults. Two decimals; a share may come as a percentage.

    Parameters
    ----------
    answer : number or None
        The learner's answer (negative when the built-in finds more).
    rule : Rule
        A rule that claims a level (notebook 07: ``mine``, at member-group).
    builtin : Rule, optional
        The rule to compare with; default ``ChangeAlert(level=rule.level, scales=rule.scales)``.
    cohort : Cohort, optional
        Default: ``load_example("research")``.

    Examples
    --------
    >>> from gqkit.detect import ChangeAlert
    >>> check_level_recall_gap(None, ChangeAlert(level="MG")).correct is None
    True
    """
    from .detect import ChangeAlert
    from .evaluate import evaluate

    if _unanswered(answer):
        return Feedback(None, "replace None with your answer and run the cell again.")
    level = getattr(rule, "level", "all")
    if level not in LEVELS:
        return Feedback(False, "this exercise needs a rule that watches one level (MM, ML or MG) and claims it.")
    builtin = builtin or ChangeAlert(level=level, scales=rule.scales)  # type: ignore[attr-defined]  # a rule with a level has scales
    cohort = cohort or _research()
    scores = cohort.scores()
    recall = [evaluate(cohort, r.detect(scores)).set_index(["scope", "key"]).loc[("level", level), "recall"] for r in (rule, builtin)]
    return _check_number(answer, recall[0] - recall[1], 2,
                         f"evaluate each rule on research and subtract the recall in the ('level', '{level}') rows: yours minus the built-in's.",
                         share=True)  # fmt: skip


# --- notebook 08: who with whom (round robins and the Social Relations Model) ---------------
__all__ += ["check_actor_shift", "check_relationship_share", "check_strained_pair", "pair_rupture_group", "srm_cohort", "srm_mystery"]

_QUIET_GROUP: dict[str, Any] = {"rate": {"MM": 0.0, "ML": 0.0, "MG": 0.0}, "microaggression_rate": 0.0}


def pair_rupture_group() -> Cohort:
    """The group of notebook 08: eight members, 16 sessions, no random ruptures; m02 withdraws from m05 from session 6, never repaired (seed 3)."""
    return simulate(seed=3, ruptures=[Rupture(session=6, level="MM", type="withdrawal", member=2, source=5)], **_QUIET_GROUP)


def _mystery_pair_group() -> Cohort:
    return simulate(seed=100, ruptures=[Rupture(session=7, level="MM", type="confrontation", member=6, source=3)], **_QUIET_GROUP)


def srm_mystery():  # -> gqkit.simulation.round_robin.SimulatedRoundRobin
    """Notebook 08's mystery: a quiet group's round robins (every 4th session) with one hidden member-member rupture.

    The truth table is left empty, so no figure outlines the pair; :func:`check_strained_pair`
    knows it.

    Returns
    -------
    SimulatedRoundRobin
        :func:`gqkit.round_robin_ratings` of the group, with an empty ``truth``.
    """
    import dataclasses

    from .simulation import round_robin_ratings

    rr = round_robin_ratings(_mystery_pair_group())
    return dataclasses.replace(rr, truth=rr.truth.iloc[0:0])


def _pair_numbers(answer: object) -> list[int] | None:
    """The member numbers an answer names (``"m02>m05"``, ``"2 and 5"``, ``(2, 5)``, ``["m02", "m05"]``); None for a decimal number or no text."""
    if isinstance(answer, (tuple, list, set, frozenset)):
        answer = " ".join(map(str, answer))
    if isinstance(answer, (bool, float)) or not isinstance(answer, (str, int)):
        return None
    text = str(answer).lower()
    if re.search(r"\d\s*\.\s*\d", text):  # a decimal number, not a member
        return None
    return [int(t) for t in re.findall(r"\d+", text)]


def check_strained_pair(answer: str | tuple | None, session: int = 8) -> Feedback:
    """Exercise (notebook 08): which pair of members is strained in the mystery group's round robin?

    The pair of :func:`srm_mystery`'s hidden member-member rupture, in either order and in any
    of the ways a pair is written: ``"m03>m06"``, ``"m06-m03"``, ``"3 and 6"``, ``"m3, m6"``,
    ``(3, 6)`` or ``["m03", "m06"]``.

    Parameters
    ----------
    answer : str or tuple or None
        The learner's answer; None (or empty text) while nothing was answered.
    session : int
        The round robin the feedback quotes (the notebook reads session 8).

    Examples
    --------
    >>> check_strained_pair(None).correct is None
    True
    >>> bool(check_strained_pair("m01 and m02"))
    False
    """
    from .plots import round_robin_slice
    from .srm import srm

    if _unanswered(answer):
        return Feedback(None, "replace None with two members, e.g. 'm02>m05' or '2 and 5'.")
    cohort = _mystery_pair_group()
    n = cohort.attended.shape[1]
    numbers = _pair_numbers(answer)
    if numbers is None or len(numbers) != 2 or numbers[0] == numbers[1] or not all(1 <= m <= n for m in numbers):
        return Feedback(False, f"name two different members of the group (m01 to m{n:02d}), e.g. 'm02>m05' or '2 and 5'; not {answer!r}.")
    rupture = cohort.events[cohort.events["kind"] == "rupture"].iloc[0]
    strained, other = str(rupture["member"]), str(rupture["source"])
    effects = srm(round_robin_slice(srm_mystery(), session=session), groups=(), by=(), missing="impute", min_var=None).relationship
    rel = dict(zip(effects["rater"].astype(str) + ">" + effects["target"].astype(str), effects["relationship"]))
    a, b = (f"m{m:02d}" for m in numbers)
    shown = f"{a}→{b} {rel.get(f'{a}>{b}', float('nan')):+.1f}, {b}→{a} {rel.get(f'{b}>{a}', float('nan')):+.1f}"
    if {a, b} == {strained, other}:
        return Feedback(True, f"{strained} and {other} (session {session}: {shown}). A rupture pulls both of a pair's relationship effects down, "
                              f"here {strained}'s view of {other} most: {strained} is the member strained.")  # fmt: skip
    return Feedback(False, f"{a} and {b}: {shown} at session {session}. Look for the pair whose two cells, i→j and j→i, are both on the "
                           "orange side of the relationship matrix, one of them far out.")  # fmt: skip


def srm_cohort() -> Cohort:
    """The cohort of notebook 08's pooled SRM: 100 groups of the default model (random ruptures included), seed 2."""
    return simulate(n_groups=100, seed=2)


def check_relationship_share(answer: float | None, cohort: Cohort | None = None, session: int = 4, item: str = "bond_a") -> Feedback:
    """Exercise (notebook 08): the share of one item's rating variance that is relationship variance, pooled over the groups.

    ``srm(round_robin_ratings(cohort).ratings, missing="impute")``'s pooled table, the row of
    ``session``, ``item`` and the relationship variance, its ``standardized`` column (the
    relationship variance's share of actor + partner + relationship variance). Two decimals;
    a share may come as a percentage.

    Parameters
    ----------
    answer : number or str or None
        The learner's answer; None (or empty text) while nothing was answered.
    cohort : Cohort, optional
        Default: :func:`srm_cohort`.
    session : int
        The rated session.
    item : str
        The item.

    Examples
    --------
    >>> check_relationship_share(None).correct is None
    True
    """
    from .simulation import round_robin_ratings
    from .srm import srm

    if _unanswered(answer):
        return Feedback(None, "replace None with your answer and run the cell again.")
    pooled = srm(round_robin_ratings(cohort or srm_cohort()).ratings, missing="impute").pooled
    row = pooled[(pooled["session"] == session) & (pooled["item"] == item) & (pooled["component"] == "relationship variance")]
    return _check_number(answer, float(row["standardized"].iloc[0]), 2,
                         f"read the 'standardized' column of the pooled table, in the row of session {session}, item {item} and the relationship variance.",
                         share=True)  # fmt: skip


_FRACTION = re.compile(r"^\s*(\d+(?:[.,]\d+)?)\s*/\s*(\d+(?:[.,]\d+)?)\s*$")


def check_actor_shift(answer: float | None, rater: str = "m02", target: str = "m05", *, session: int = 8, points: float = 1.0) -> Feedback:
    """Exercise (notebook 08): raise one rating by ``points``; by how much does the rater's actor effect move?

    In :func:`pair_rupture_group`'s round robin of ``session`` (each pair's mean over the bond
    items), ``rater``'s rating of ``target`` is raised by ``points`` and :func:`gqkit.srm` run
    again (every effect kept); the answer is the change in ``rater``'s actor effect, two
    decimals (a fraction such as ``"1/8"`` counts too).

    Parameters
    ----------
    answer : number or str or None
        The learner's answer; None (or empty text) while nothing was answered.
    rater, target : str
        The ordered pair whose rating is raised.
    session : int
        The round robin.
    points : float
        How much the rating is raised.

    Examples
    --------
    >>> check_actor_shift(None).correct is None
    True
    >>> bool(check_actor_shift(1.0))
    False
    """
    from .plots import round_robin_slice
    from .simulation import round_robin_ratings
    from .srm import srm

    if _unanswered(answer):
        return Feedback(None, "replace None with your answer and run the cell again.")
    if isinstance(answer, str) and _FRACTION.match(answer):
        top, bottom = (float(x.replace(",", ".")) for x in _FRACTION.match(answer).groups())
        answer = top / bottom if bottom else answer
    one = round_robin_slice(round_robin_ratings(pair_rupture_group()), session=session)
    raised = one.copy()
    cell = (raised["rater"] == rater) & (raised["target"] == target)
    if cell.sum() != 1:
        return Feedback(False, f"{rater} did not rate {target} in session {session}: choose a pair that rated each other.")
    raised.loc[cell, "rating"] += points
    actor = [srm(t, groups=(), by=(), min_var=None).person.set_index("member").loc[rater, "actor"] for t in (one, raised)]
    n = len(set(one["rater"]))
    feedback = _check_number(answer, float(actor[1] - actor[0]), 2,
                             f"run srm on the round robin before and after raising the rating, and subtract {rater}'s actor effects.")  # fmt: skip
    if feedback:
        return Feedback(True, f"{feedback.message} That is 1/{n} of the {points:g} point{'s' if points != 1 else ''}: the rating is one of the "
                              f"{n - 1} in {rater}'s row, and the SRM reads a rater's general tendency from the whole row, so one strained "
                              "pair barely moves it; the rest goes to the pair's relationship effect.")  # fmt: skip
    return feedback
