"""Configuration of the generative model: small frozen dataclasses with cited, validated defaults.

Every default names its source in the field's ``metadata["source"]``; ``assumed`` marks a
value that no primary source fixes (each such value is a visible,
configurable default). :func:`describe_defaults` lists them all as a table. Values are on
the instrument's 1-7 answer scale unless said otherwise; OQ values are OQ-45 total points.
"""

from __future__ import annotations

import dataclasses
import math
import numbers
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

import pandas as pd

from ..errors import GQConfigError

__all__ = [
    "GroupDesign",
    "OutcomeModel",
    "ProgressModel",
    "RelationshipModel",
    "RepairModel",
    "RuptureModel",
    "SimulationConfig",
    "TherapistModel",
    "CultureModel",
    "describe_defaults",
]

LEVELS = ("MM", "ML", "MG")
QUALITIES = ("PB", "PW", "NR")
RUPTURE_TYPES = ("withdrawal", "confrontation", "cultural")
RELATIONAL_TYPES = RUPTURE_TYPES[:2]  # the random ruptures of RuptureModel; cultural ones come from CultureModel
RESPONSES = ("not addressed", "addressed", "shaming")  # the leader's response to a microaggression


def _p(default: Any, source: str, check: str = "", **extra: Any) -> Any:
    """A parameter: its default, where that default comes from, and its allowed range."""
    return field(default=default, metadata={"source": source, "check": check, **extra})


_CHECKS = {
    "prob": (lambda v: 0 <= v <= 1, "a probability from 0 to 1"),
    "prob>0": (lambda v: 0 < v <= 1, "a probability above 0, up to 1"),
    "prob<1": (lambda v: 0 <= v < 1, "a probability from 0 up to, but not including, 1"),
    "share": (lambda v: 0 <= v <= 1, "a share from 0 to 1"),
    "pos": (lambda v: v > 0, "a number greater than 0"),
    "nonneg": (lambda v: v >= 0, "a number of at least 0"),
    "real": (lambda v: True, "a finite number"),
    "ar": (lambda v: 0 <= v < 1, "an autocorrelation from 0 up to, but not including, 1"),
    "scale": (lambda v: 1 <= v <= 7, "a value on the 1-7 answer scale"),
    "oq": (lambda v: 0 <= v <= 180, "an OQ-45 total from 0 to 180"),
}


_INT_RANGES = {"int>=1": (1, 10_000), "int>=2": (2, 10_000), "members": (2, 99), "sessions": (2, 1_000)}
"""Whole-number checks: the upper bounds are assumed, so that a typo cannot exhaust memory (no
therapy group has 100 members, and 1,000 weekly sessions are 19 years); member ids m01..m99 keep
two digits."""


def _finite(value: float) -> bool:
    try:
        return math.isfinite(value)
    except OverflowError:  # an int too large for a float
        return False


class _Validated:
    """Fills dict defaults, then checks every field against its metadata on construction."""

    DICT_DEFAULTS: ClassVar[dict[str, dict[str, float | tuple[float, ...]]]] = {}
    if TYPE_CHECKING:  # every subclass is a dataclass; this lets dataclasses.fields(self) type-check
        __dataclass_fields__: ClassVar[dict[str, dataclasses.Field[Any]]]

    def __post_init__(self) -> None:
        for name, default in self.DICT_DEFAULTS.items():
            value = getattr(self, name)
            if value is None:
                object.__setattr__(self, name, dict(default))
            elif not isinstance(value, dict) or set(value) != set(default):
                raise GQConfigError(f"{type(self).__name__}.{name}", value, f"a dict with keys {sorted(default)}")
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            check = f.metadata.get("check", "")
            name = f"{type(self).__name__}.{f.name}"
            if check in _CHECKS:
                ok, expected = _CHECKS[check]
                values = value.values() if isinstance(value, dict) else [value]
                for v in values:
                    if isinstance(v, bool) or not isinstance(v, (int, float)) or not _finite(v) or not ok(v):
                        raise GQConfigError(name, value, expected)
            elif check == "bool":
                if not isinstance(value, bool):
                    raise GQConfigError(name, value, "True or False")
            elif check == "signature":
                valid = all(isinstance(v, (tuple, list)) and len(v) == len(QUALITIES) and all(
                    isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x) for x in v) for v in value.values())
                if not valid:
                    raise GQConfigError(name, value, f"one ({', '.join(QUALITIES)}) triple of numbers per rupture type")
                object.__setattr__(self, f.name, {k: tuple(float(x) for x in v) for k, v in value.items()})
            elif check in _INT_RANGES:
                low, high = _INT_RANGES[check]
                if not (isinstance(value, numbers.Integral) and not isinstance(value, bool) and low <= int(value) <= high):
                    raise GQConfigError(name, value, f"a whole number from {low} to {high:,}")
                object.__setattr__(self, f.name, int(value))
        self._check_more()

    def _check_more(self) -> None:
        """Cross-field checks of a subclass."""


@dataclass(frozen=True)
class GroupDesign(_Validated):
    """Who is in the group and when."""

    n_members: int = _p(8, "assumed: a typical outpatient therapy group of 6-10 members", "members")
    n_sessions: int = _p(16, "assumed: a time-limited group; the GQ feedback trial ran groups of this order (Burlingame et al., 2018)", "sessions")
    enrolment: str = _p("closed", "assumed: closed groups start together; 'rolling' lets members join late")
    late_join_share: float = _p(0.25, "assumed: share of members who join a rolling group late (within its first half)", "share")
    attendance: float = _p(0.88, "assumed: chance a member attends a session", "prob>0")
    dropout_hazard: float = _p(0.025, "assumed; hazard of leaving after the first session, calibrated so that early dropout lands at 15-25% (review in Adm. Policy Ment. Health, 2023)", "prob")
    dropout_decay: float = _p(0.15, "assumed: the hazard falls by this rate per session (hazard x exp(-decay x session)), so dropout is front-loaded: most members who leave do so early (review in Adm. Policy Ment. Health, 2023)", "nonneg")
    groups_per_therapist: int = _p(2, "each therapist leads this many consecutive groups, as in the GQ feedback trial where each led one feedback and one no-feedback group (Burlingame et al., 2018)", "int>=1")
    item_missing: float = _p(0.01, "assumed: chance an attending member skips an item", "prob<1")

    def _check_more(self) -> None:
        if self.enrolment not in ("closed", "rolling"):
            raise GQConfigError("GroupDesign.enrolment", self.enrolment, "'closed' or 'rolling'")


@dataclass(frozen=True)
class RelationshipModel(_Validated):
    """Latent relationship per member x session x level x quality, on the 1-7 scale."""

    DICT_DEFAULTS = {
        "intercept": {"PB": 5.2, "PW": 5.0, "NR": 2.4},
        "growth": {"PB": 0.02, "PW": 0.02, "NR": -0.015},
        "sd_group": {"MM": 0.3, "ML": 0.3, "MG": 0.45},
    }

    intercept: dict = _p(
        None,  # dict defaults are filled from DICT_DEFAULTS
        "assumed: members rate bond and work well above the midpoint and negative relationship low (GQ norms are proprietary)",
        "scale",
    )
    growth: dict = _p(None, "assumed: the alliance strengthens over sessions (small linear growth per session)", "real")
    sd_member: float = _p(0.65, "assumed; calibrated with sd_group so GQ ICCs land in .10-.30 (Kivlighan, Lo Coco & Gullo, 2015)", "nonneg")
    sd_group: dict = _p(None, "assumed: more between-group variance for group-referent (MG) items (Kivlighan, Lo Coco & Gullo, 2015)", "nonneg")
    quality_correlation: float = _p(0.6, "assumed: a member's bond, work and (reversed) negative relationship go together", "share")
    level_correlation: float = _p(0.85, "assumed: members tell relationships apart by quality more than by target (Johnson et al., 2005), so a quality correlates across levels", "share")
    ar: float = _p(0.5, "assumed: session-to-session autocorrelation of a member's deviations", "ar")
    sd_session: float = _p(0.3, "assumed: session-to-session fluctuation", "nonneg")
    sd_item: float = _p(0.45, "assumed; calibrated so subscale alphas land in .85-.95 (an assumed range for the GQ subscales)", "pos")


@dataclass(frozen=True)
class RuptureModel(_Validated):
    """How often ruptures start, of which type, how strong, and what they do to the ratings."""

    DICT_DEFAULTS = {
        "rate": {"MM": 0.01, "ML": 0.0085, "MG": 0.0085},
        "type_share": {"withdrawal": 0.6, "confrontation": 0.4},
        "signatures": {"withdrawal": (-1.0, -0.8, 0.3), "confrontation": (-0.5, -0.5, 1.0), "cultural": (-0.8, -0.5, 0.7)},
        "visibility": {"withdrawal": 0.4, "confrontation": 1.0, "cultural": 1.0},
    }

    rate: dict = _p(
        None,
        "assumed; per member and session, per level, of withdrawal and confrontation ruptures; with the microaggressions "
        "of CultureModel about 4 in 10 members have a rupture over 16 sessions, as 46% of clients did in McLaughlin et al. (2014)",
        "prob",
    )
    type_share: dict = _p(
        None,
        "assumed: shares of the random ruptures of each marker family, withdrawal and confrontation (Safran & Muran, 2000); "
        "cultural ruptures (microaggressions) have their own model, CultureModel",
        "share",
    )
    severity_mean: float = _p(1.2, "assumed: drop in bond and work, in answer-scale points, at onset", "pos")
    severity_sd: float = _p(0.3, "assumed: spread of severities between ruptures", "nonneg")
    persistence: float = _p(0.9, "assumed: share of an unrepaired strain left one session later; declines can last 6 sessions (Gumz et al., 2012)", "ar")
    spillover: float = _p(0.3, "assumed: share of a strain felt at the member's other levels", "share")
    bystander: float = _p(0.2, "assumed: share of a visible rupture felt by the other members on member-group items (Burlingame et al., 2021)", "share")
    severity_min: float = _p(0.2, "assumed: the mildest rupture a random draw gives (answer-scale points)", "pos")
    severity_max: float = _p(4.0, "assumed: the most severe rupture a random draw gives (answer-scale points)", "pos")
    partner_strain: float = _p(0.7, "assumed: the other member of a member-member rupture feels this share of its severity (Burlingame et al., 2021: a member-member rupture touches two members)", "share")
    fade_hazard: float = _p(0.04, "assumed: chance per session that an unrepaired rupture resolves without a visible repair; declines last up to about 6 sessions (Gumz et al., 2012)", "prob")
    signatures: dict = _p(
        None,
        "Signature of each type on (PB, PW, NR) per unit of severity: withdrawal moves away (bond and work drop), "
        "confrontation moves against (negative relationship rises) (Safran & Muran, 2000); cultural carries both "
        "(Owen et al., 2014; Miles et al., 2021). Sizes assumed",
        "signature",
    )
    visibility: dict = _p(
        None,
        "assumed: how visible a rupture of each type is to bystanders (0-1); confrontation and microaggressions happen "
        "in front of the group (Miles et al., 2021), withdrawal is quieter (Safran & Muran, 2000)",
        "share",
    )

    def _check_more(self) -> None:
        if not math.isclose(sum(self.type_share.values()), 1.0, abs_tol=1e-9):
            raise GQConfigError("RuptureModel.type_share", self.type_share, "shares that add up to 1")
        if not self.severity_min < self.severity_max:
            raise GQConfigError("RuptureModel.severity_max", self.severity_max, f"more than severity_min ({self.severity_min})")


@dataclass(frozen=True)
class TherapistModel(_Validated):
    """The leader: use of feedback, multicultural orientation and skill, drawn per therapist.

    Factors are on 0-1 scales; each therapist's value is the mean plus ``spread`` x a normal
    draw, cut to 0-1. A therapist leads ``GroupDesign.groups_per_therapist`` groups.
    """

    commitment: float = _p(0.6, "assumed mean: commitment to measurement-based care; committed therapists get more from feedback (de Jong et al., 2012)", "share")
    openness: float = _p(0.6, "assumed mean: openness to feedback (Chow, 2014)", "share")
    self_doubt: float = _p(0.5, "assumed mean: professional self-doubt, linked to stronger early alliance (Nissen-Lie et al., 2010)", "share")
    humility: float = _p(0.6, "assumed mean: cultural humility (Owen et al., 2011; Davis et al., 2016)", "share")
    comfort: float = _p(0.6, "assumed mean: cultural comfort (Owen et al., 2011)", "share")
    opportunities: float = _p(0.5, "assumed mean: share of cultural opportunities taken (Owen et al., 2016)", "share")
    spread: float = _p(0.15, "assumed: SD between therapists of each factor (values are cut to 0-1); 0 fixes them", "nonneg")
    self_doubt_alliance: float = _p(0.8, "assumed size: self-doubt raises members' early alliance with the leader (answer-scale points per unit of self-doubt above the middle, 0.5; Nissen-Lie et al., 2010)", "real")
    early_sessions: int = _p(6, "assumed: sessions over which that early-alliance effect fades out (Nissen-Lie et al., 2010 measured early alliance)", "int>=1")
    sd_skill: float = _p(0.3, "assumed; calibrated so therapists hold about 5% of outcome variance (Chow et al., 2015: 5.1%): SD between therapists of the improvement rate (OQ points per session)", "nonneg")

    FACTORS = ("commitment", "openness", "self_doubt", "humility", "comfort", "opportunities")


DEFAULT_DIMENSIONS = {
    "identity A": {"visible": True, "marginalised": 0.3},
    "identity B": {"visible": True, "marginalised": 0.2},
    "identity C": {"visible": False, "marginalised": 0.2},
}
MAX_DIMENSIONS = 6


@dataclass(frozen=True)
class CultureModel(_Validated):
    """Identities, microaggressions (cultural ruptures) and how the leader responds to them.

    Every member and the leader hold a privileged or a marginalised position on each identity
    *dimension*. A microaggression targets a member who is marginalised on the dimension it
    touches; it comes from the leader (a member-leader rupture) or from a member privileged on
    that dimension (a member-member rupture), in front of the other members, the bystanders
    (Miles et al., 2021). The leader's response is one of :data:`RESPONSES`, decided by the
    three facets of multicultural orientation (Owen et al., 2011): **opportunities** (whether
    it is addressed at all), **comfort** (how soon, and how deep the dialogue goes) and
    **humility** (how well, whether it shames, and how much harm it buffers). Values of the
    facets are the therapist's (:class:`TherapistModel`); log-odds effects are per unit of a
    facet above its middle, 0.5.
    """

    dimensions: dict = _p(
        None,  # filled with DEFAULT_DIMENSIONS
        "assumed: three abstract identity dimensions (rename them to teach, e.g. race/ethnicity, gender, sexual orientation); "
        "each with the share of members in a marginalised position and whether it can be seen; invisible identities "
        "(e.g. sexual orientation, religion) cannot (Miles et al., 2021)",
    )
    microaggression_rate: float = _p(0.007, "assumed: chance per session that a member in a marginalised position on a dimension is the target of a microaggression on it (one that strains the relationship; Owen et al., 2014 counted any, and 53% of clients reported at least one from their therapist); with the defaults about 1 rupture in 7 is cultural", "prob")
    leader_share: float = _p(0.5, "assumed: share of microaggressions that come from the leader when both the leader and a member could be the source; they happen at the leader level and the member level (Miles et al., 2021)", "share")
    address_now: float = _p(-2.2, "assumed; calibrated with address_later so that about a quarter of microaggressions are ever addressed at default MCO (Owen et al., 2014: about 76% were never discussed): log-odds that the leader addresses it in the session it happens", "real")
    address_later: float = _p(-4.0, "assumed (see address_now): log-odds per later session that the leader brings it up", "real")
    opportunities_effect: float = _p(3.0, "assumed: cultural opportunities taken raise the log-odds of addressing a microaggression, now and later (Owen et al., 2011, 2016)", "real")
    comfort_now: float = _p(2.0, "assumed: cultural comfort raises the log-odds of addressing it in the moment rather than later (Owen et al., 2011)", "real")
    comfort_quality: float = _p(0.3, "assumed: cultural comfort deepens the dialogue: response quality (0-1) per unit of comfort (Owen et al., 2011; Kivlighan & Chapman, 2018)", "real")
    humility_quality: float = _p(0.5, "assumed: cultural humility raises response quality (0-1) per unit of humility (Owen et al., 2011; Davis et al., 2016)", "real")
    shaming: float = _p(0.3, "assumed: chance that addressing a member's microaggression shames the member who made it, times 1 - humility; a shaming response is itself a new rupture (Miles et al., 2021)", "prob")
    humility_buffer: float = _p(0.6, "assumed: humility buffers the harm: a microaggression's severity is scaled by 1 - this x (humility - 0.5) (Davis et al., 2016: perceived humility mediated the link between a rupture's negative emotion and outcome)", "real")
    invisible_effect: float = _p(-0.5, "assumed: a microaggression on an invisible identity is harder to notice: log-odds of addressing it (Miles et al., 2021)", "real")
    rebound: float = _p(0.1, "assumed; calibrated so that targets of addressed microaggressions end with an alliance with the leader like unaffected members' (Owen et al., 2014): share of the severity x response quality the target's relationship rises after a non-shaming response", "nonneg")
    missed_strain: float = _p(0.5, "assumed; calibrated so that targets of unaddressed microaggressions end with an alliance with the leader at least .25 SD below unaffected members' (Owen et al., 2014): while a member's microaggression goes unaddressed, the target's relationship with the leader, who let it pass, carries this share of its strain", "nonneg")
    source_strain: float = _p(0.2, "assumed: share of a member's microaggression's severity that the member who made it feels at once (often unaware of it; Miles et al., 2021)", "share")
    named_strain: float = _p(0.3, "assumed: share of the severity the member who made it loses with the leader and the group when it is named (Miles et al., 2021)", "nonneg")
    source_help: float = _p(0.6, "assumed: share of the severity x response quality a non-shaming response gives back to the member who made it, by helping them manage their reaction (Miles et al., 2021)", "nonneg")
    shame_severity: float = _p(1.5, "assumed: severity of the member-leader rupture a shaming response opens for the member who made the remark (Miles et al., 2021)", "pos")
    bystander_gain: float = _p(0.15, "assumed: share of the severity x response quality by which the bystanders' bond with the group rises after a non-shaming response: a corrective emotional experience for the group (Miles et al., 2021)", "nonneg")
    bystander_shame: float = _p(0.2, "assumed: share of the severity by which everyone but the shamed member loses bond with the group after a shaming response (Miles et al., 2021)", "nonneg")
    norm_setting: bool = _p(False, "assumed: most groups do not model naming identities and power in their first sessions; True turns it on for every group (Miles et al., 2021 recommend it)", "bool")
    norm_sessions: int = _p(3, "the norms are set by modelling in sessions 1-3, growing session by session to full strength (Miles et al., 2021)", "int>=1")
    naming: float = _p(-2.0, "assumed: log-odds that a member names the microaggression themselves", "real")
    norm_naming: float = _p(2.0, "assumed: norm-setting raises the log-odds that a member names it (Miles et al., 2021)", "real")
    named_effect: float = _p(1.5, "assumed: a member naming it raises the log-odds that the leader addresses it in the moment", "real")
    norm_address: float = _p(0.5, "assumed: norm-setting raises the log-odds that the leader addresses it, now and later (Miles et al., 2021)", "real")
    norm_softening: float = _p(0.3, "assumed: under full norms a microaggression's severity is scaled by 1 - this (Miles et al., 2021)", "share")

    def _check_more(self) -> None:
        if self.dimensions is None:
            object.__setattr__(self, "dimensions", {k: dict(v) for k, v in DEFAULT_DIMENSIONS.items()})
        dims = self.dimensions
        expected = (f"1 to {MAX_DIMENSIONS} dimensions, each a label (printable text without ';') mapped to "
                    "{'visible': true or false, 'marginalised': a share from 0 to 1}")  # fmt: skip
        if not isinstance(dims, dict) or not 1 <= len(dims) <= MAX_DIMENSIONS:
            raise GQConfigError("CultureModel.dimensions", dims, expected)
        for label, spec in dims.items():
            ok_label = isinstance(label, str) and label.strip() == label and 0 < len(label) <= 40 and label.isprintable() and ";" not in label
            ok_spec = isinstance(spec, dict) and set(spec) == {"visible", "marginalised"} and isinstance(spec["visible"], bool)
            share = spec.get("marginalised") if isinstance(spec, dict) else None
            ok_share = isinstance(share, (int, float)) and not isinstance(share, bool) and _finite(share) and 0 <= share <= 1
            if not (ok_label and ok_spec and ok_share):
                raise GQConfigError(f"CultureModel.dimensions[{label!r}]", spec, expected)
        object.__setattr__(self, "dimensions", {k: {"visible": v["visible"], "marginalised": float(v["marginalised"])} for k, v in dims.items()})


@dataclass(frozen=True)
class RepairModel(_Validated):
    """Whether and how well the leader repairs a withdrawal or confrontation rupture, session by session.

    A repair *attempt* has a quality (0-1); it *resolves* the rupture with that probability.
    A resolved rupture's strain ends and the bond rebounds above its old level in proportion
    to quality; an attempt that does not resolve changes nothing (a poor attempt is not worse
    than none). Microaggressions have their own response model (:class:`CultureModel`).
    """

    base_logit: float = _p(-2.2, "assumed: without an alert, about 1 in 10 ruptures is addressed per session", "real")
    alert_effect: float = _p(3.0, "assumed: an alert the leader has seen raises the log-odds of an attempt by this, times commitment x openness (de Jong et al., 2012; Chow, 2014)", "real")
    self_doubt_effect: float = _p(0.6, "assumed: self-doubting therapists attend more to strain (Nissen-Lie et al., 2010)", "real")
    progress_effect: float = _p(0.8, "assumed: members doing better than their expected recovery are easier to repair with (log-odds per 14 OQ points ahead of the curve); symptom gains are followed by a better relationship (Tang & DeRubeis, 1999; Falkenström et al., 2013). This makes the observed repair-outcome link larger than repair's own effect, as in observational studies", "real")
    quality_mean: float = _p(0.55, "assumed: mean repair quality (0-1) of an average therapist", "share")
    quality_openness: float = _p(0.5, "assumed: openness to feedback raises repair quality (Chow, 2014)", "real")
    quality_sd: float = _p(0.15, "assumed: spread of repair quality between attempts", "nonneg")
    overshoot: float = _p(0.6, "assumed: a resolved repair of quality 1 leaves the bond this share of the severity above baseline (the V with a higher right arm; Stiles et al., 2004)", "nonneg")
    bonus_persistence: float = _p(0.9, "assumed: share of the repair's gain kept one session later", "ar")


@dataclass(frozen=True)
class ProgressModel(_Validated):
    """OQ progress feedback: an expected recovery curve, not-on-track alerts, clinical support.

    Every member's observed OQ is compared with the curve expected from their first OQ, in
    every group; only in groups with feedback does the leader see the not-on-track (NOT)
    alert and, with a chance of commitment x openness, act on it with clinical support
    (check the alliance, motivation, problem solving; Lambert et al.'s clinical support tools).
    """

    curve: str = _p("log", "assumed: expected recovery is fastest early (a log-linear dose-response curve, as OQ-Analyst's expected recovery curves; Lambert, 2007)")
    expected_gain: float = _p(9.5, "assumed: the OQ points a member is expected to improve over a course (about the mean first-to-last change of the default model)", "nonneg")
    not_margin: float = _p(15.0, "assumed; about the OQ-45 reliable change, calibrated so about 3 in 10 members are ever not on track (group members get NOT alerts often; Alldredge et al., 2020): points above the expected curve that flag a member", "pos")
    support_gain: float = _p(1.6, "assumed; calibrated so NOT members gain g about .25-.60 from feedback (Barkham et al., 2023): OQ points of extra improvement per supported session", "nonneg")
    support_sessions: int = _p(6, "assumed: sessions a round of clinical support lasts", "int>=1")
    support_dropout: float = _p(2.0, "assumed; calibrated to the dropout odds ratio of 1.19 favouring feedback (de Jong et al., 2021): clinical support multiplies the dropout hazard by exp(-this)", "nonneg")
    not_dropout: float = _p(1.2, "assumed: a member not on track is more likely to leave (hazard x exp(this))", "nonneg")

    def _check_more(self) -> None:
        if self.curve not in ("log", "linear"):
            raise GQConfigError("ProgressModel.curve", self.curve, "'log' or 'linear'")


@dataclass(frozen=True)
class OutcomeModel(_Validated):
    """OQ-45-like totals (0-180, higher is worse) per attended session.

    Each session a member improves by their own rate, plus the effect of their stable
    relationship with the leader and the group, plus the effect of this session's
    relationship state (ruptures pull it down, resolved repairs lift it above the member's
    own level): ruptures and repairs reach the outcome only through the relationship.
    """

    baseline_mean: float = _p(80.0, "assumed: a clinical sample above the OQ-45 cutoff of 63/64 (OQ Measures)", "oq")
    baseline_sd: float = _p(18.0, "assumed: spread of intake OQ-45 totals between members", "nonneg")
    improvement: float = _p(1.0, "assumed: expected OQ points of improvement per session", "real")
    sd_member_rate: float = _p(1.1, "assumed: between-member SD of the improvement rate", "nonneg")
    sd_group_rate: float = _p(0.03, "assumed; with TherapistModel.sd_skill calibrated so the outcome ICC across groups lands near .06 (Kivlighan et al., 2020)", "nonneg")
    alliance_effect: float = _p(0.05, "assumed; calibrated to alliance-outcome r = .17 (Alldredge et al., 2021): OQ points per session per answer-scale point of a member's stable alliance with the leader", "real")
    cohesion_effect: float = _p(0.35, "assumed; calibrated to cohesion-outcome r = .26 (Burlingame, McClendon & Yang, 2018): the same for the member's stable bond with the group", "real")
    state_effect: float = _p(2.5, "assumed; calibrated to repaired-vs-unrepaired r = .29 (Eubanks, Muran & Safran, 2018): OQ points per session per answer-scale point the relationship stands above or below the member's own level, session by session (within-person alliance effects: Falkenström et al., 2013)", "real")
    sd_session: float = _p(5.0, "OQ-45 reliable change of 14 points implies a measurement SD near 5 (14 = 1.96 x sqrt(2) x 5)", "nonneg")
    reliable_change: float = _p(14.0, "OQ-45 reliable change index (OQ Measures)", "pos")
    strain_dropout: float = _p(1.0, "assumed: an open rupture multiplies the dropout hazard by exp(this)", "real")


@dataclass(frozen=True)
class SimulationConfig(_Validated):
    """Everything the simulator needs, grouped by part of the model.

    Examples
    --------
    >>> cfg = SimulationConfig()
    >>> cfg.design.n_members, cfg.design.n_sessions
    (8, 16)
    >>> SimulationConfig.from_overrides(n_members=6).design.n_members
    6
    """

    design: GroupDesign = field(default_factory=GroupDesign)
    relationship: RelationshipModel = field(default_factory=RelationshipModel)
    rupture: RuptureModel = field(default_factory=RuptureModel)
    therapist: TherapistModel = field(default_factory=TherapistModel)
    repair: RepairModel = field(default_factory=RepairModel)
    outcome: OutcomeModel = field(default_factory=OutcomeModel)
    progress: ProgressModel = field(default_factory=ProgressModel)
    culture: CultureModel = field(default_factory=CultureModel)
    feedback_share: float = _p(0.0, "share of groups run with feedback on (0 = none; 1 = all)", "share")

    PARTS = ("design", "relationship", "rupture", "therapist", "repair", "outcome", "progress", "culture")

    def with_overrides(self, **overrides: Any) -> SimulationConfig:
        """A copy with parameters changed by name, e.g. ``n_members=6`` or ``persistence=0.8``.

        A name must belong to exactly one part; ``part__name`` picks the part explicitly.
        """
        changes: dict[str, dict[str, Any]] = {}
        top: dict[str, Any] = {}
        for key, value in overrides.items():
            if key in {f.name for f in dataclasses.fields(self)} and key not in self.PARTS:
                top[key] = value
                continue
            part, _, name = key.rpartition("__")
            if part and part not in self.PARTS:
                raise GQConfigError(key, value, f"a parameter name, or part__name with a part among {', '.join(self.PARTS)}")
            owners = [part] if part else [p for p in self.PARTS if name in {f.name for f in dataclasses.fields(getattr(self, p))}]
            if len(owners) != 1 or name not in {f.name for f in dataclasses.fields(getattr(self, owners[0]))}:
                raise GQConfigError(key, value, "the name of a simulation parameter (see gqkit.simulation.describe_defaults())")
            changes.setdefault(owners[0], {})[name] = value
        parts = {p: dataclasses.replace(getattr(self, p), **kw) for p, kw in changes.items()}
        return dataclasses.replace(self, **parts, **top)

    @classmethod
    def from_overrides(cls, **overrides: Any) -> SimulationConfig:
        """The default configuration with some parameters changed (see :meth:`with_overrides`)."""
        return cls().with_overrides(**overrides)

    def to_dict(self) -> dict[str, Any]:
        """Plain nested dict (JSON-ready)."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SimulationConfig:
        """Inverse of :meth:`to_dict`: every part and every parameter must be there, and nothing else.

        Raises
        ------
        GQConfigError
            Naming the part or ``part.parameter`` that is missing, unknown or out of range.
        """
        kinds = {"design": GroupDesign, "relationship": RelationshipModel, "rupture": RuptureModel,
                 "therapist": TherapistModel, "repair": RepairModel, "outcome": OutcomeModel, "progress": ProgressModel,
                 "culture": CultureModel}  # fmt: skip
        top = [f.name for f in dataclasses.fields(cls) if f.name not in cls.PARTS]
        _exact_keys("config", data, [*cls.PARTS, *top])
        for p in cls.PARTS:
            _exact_keys(p, data[p], [f.name for f in dataclasses.fields(kinds[p])])
        parts = {p: kinds[p](**data[p]) for p in cls.PARTS}
        return cls(**parts, **{k: data[k] for k in top})


def _exact_keys(name: str, data: object, keys: list[str]) -> None:
    """``data`` is a dict with exactly ``keys``, else a :class:`GQConfigError` naming the first difference."""
    if not isinstance(data, dict):
        raise GQConfigError(name, data, "a section of named parameters (a JSON object)")
    for key in keys:
        if key not in data:
            raise GQConfigError(f"{name}.{key}" if name != "config" else key, "(absent)", "a value: every part and parameter of the configuration")
    for key in data:
        if key not in keys:
            raise GQConfigError(f"{name}.{key}" if name != "config" else key, data[key], f"only the parameters of {name}: {', '.join(keys)}")


def describe_defaults() -> pd.DataFrame:
    """Every simulation parameter with its default and source, as a table.

    Examples
    --------
    >>> table = describe_defaults()
    >>> table.loc[table.parameter == "n_members", "default"].item()
    '8'
    """
    rows = []
    config = SimulationConfig()
    for part in SimulationConfig.PARTS:
        obj = getattr(config, part)
        for f in dataclasses.fields(obj):
            rows.append({"part": part, "parameter": f.name, "default": str(getattr(obj, f.name)), "source": f.metadata.get("source", "")})
    rows.append({"part": "", "parameter": "feedback_share", "default": str(config.feedback_share), "source": "share of groups with feedback on"})
    return pd.DataFrame(rows)
