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
from typing import TYPE_CHECKING, Any, ClassVar, TypeGuard

import numpy as np
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


def _number(value: object) -> TypeGuard[float]:
    """A real number (numpy's too), but not a bool; typed as a float, which it behaves as."""
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def _plain(value: numbers.Real) -> int | float:
    """The plain Python int or float of a checked number, so configs stay JSON-ready and compare equal."""
    return int(value) if isinstance(value, numbers.Integral) else float(value)


def _finite(value: float) -> bool:
    try:
        return math.isfinite(value)
    except OverflowError:  # an int too large for a float
        return False


class _Validated:
    """Fills dict defaults, then checks every field against its metadata on construction.

    Numbers may be any real number (numpy's too, not bools); they are stored as plain Python
    ints and floats.
    """

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
                    if not _number(v) or not _finite(v) or not ok(v):
                        raise GQConfigError(name, value, expected)
                plain = {k: _plain(v) for k, v in value.items()} if isinstance(value, dict) else _plain(value)
                object.__setattr__(self, f.name, plain)
            elif check == "bool":
                if not isinstance(value, bool):
                    raise GQConfigError(name, value, "True or False")
            elif check == "signature":
                valid = all(isinstance(v, (tuple, list)) and len(v) == len(QUALITIES) and all(
                    _number(x) and _finite(x) for x in v) for v in value.values())
                if not valid:
                    raise GQConfigError(name, value, f"one ({', '.join(QUALITIES)}) triple of numbers per rupture type")
                object.__setattr__(self, f.name, {k: tuple(float(x) for x in v) for k, v in value.items()})
            elif check in _INT_RANGES:
                low, high = _INT_RANGES[check]
                if not (isinstance(value, numbers.Integral) and _number(value) and low <= int(value) <= high):
                    raise GQConfigError(name, value, f"a whole number from {low} to {high:,}")
                object.__setattr__(self, f.name, int(value))
        self._check_more()

    def _check_more(self) -> None:
        """Cross-field checks of a subclass."""


@dataclass(frozen=True)
class GroupDesign(_Validated):
    """Who is in the group and when.

    Every default's source is in its field's ``metadata["source"]`` (see
    :func:`describe_defaults`); "assumed" marks a value no primary source fixes.

    Parameters
    ----------
    n_members : int, default 8
        Members per group, 2 to 99 (ids ``m01`` ... ``m99``). Assumed: outpatient therapy
        groups typically have 6-10 members.
    n_sessions : int, default 16
        Sessions per course, 2 to 1,000. Assumed: a time-limited group of the order the GQ
        feedback trial ran (Burlingame et al., 2018).
    enrolment : {"closed", "rolling"}, default "closed"
        ``"closed"``: everyone starts at session 1; ``"rolling"``: a share
        ``late_join_share`` joins later, within the first half of the course. Assumed.
    late_join_share : float, default 0.25
        Share (0-1) of members who join a rolling group late; ignored when closed. Assumed.
    attendance : float, default 0.88
        Probability (above 0, up to 1) that an enrolled member attends a session. Assumed.
    dropout_hazard : float, default 0.025
        Probability (0-1) of leaving after the first session, before the effects of strain,
        not-on-track status and clinical support. Assumed; calibrated so that early dropout
        lands at 15-25% (Koementas-de Vos et al., 2023, whose introduction summarises the group studies).
    dropout_decay : float, default 0.15
        Rate (at least 0) at which that hazard falls per session,
        ``hazard x exp(-decay x session)``, so most dropout is early. Assumed (same review).
    groups_per_therapist : int, default 2
        Consecutive groups each therapist leads (at least 1), as in the GQ feedback trial,
        where each therapist led a feedback and a no-feedback group (Burlingame et al., 2018).
    item_missing : float, default 0.01
        Probability (0 up to, not including, 1) that an attending member skips an item. Assumed.
    """

    n_members: int = _p(8, "assumed: a typical outpatient therapy group of 6-10 members", "members")
    n_sessions: int = _p(16, "assumed: a time-limited group; the GQ feedback trial ran groups of this order (Burlingame et al., 2018)", "sessions")
    enrolment: str = _p("closed", "assumed: closed groups start together; 'rolling' lets members join late")
    late_join_share: float = _p(0.25, "assumed: share of members who join a rolling group late (within its first half)", "share")
    attendance: float = _p(0.88, "assumed: chance a member attends a session", "prob>0")
    dropout_hazard: float = _p(0.025, "assumed; hazard of leaving after the first session, calibrated so that early dropout lands at 15-25% (Koementas-de Vos et al., 2023, whose introduction summarises the group studies)", "prob")
    dropout_decay: float = _p(0.15, "assumed: the hazard falls by this rate per session (hazard x exp(-decay x session)), so dropout is front-loaded: most members who leave do so early (Koementas-de Vos et al., 2023, whose introduction summarises the group studies)", "nonneg")
    groups_per_therapist: int = _p(2, "each therapist leads this many consecutive groups, as in the GQ feedback trial where each led one feedback and one no-feedback group (Burlingame et al., 2018)", "int>=1")
    item_missing: float = _p(0.01, "assumed: chance an attending member skips an item", "prob<1")

    def _check_more(self) -> None:
        if self.enrolment not in ("closed", "rolling"):
            raise GQConfigError("GroupDesign.enrolment", self.enrolment, "'closed' or 'rolling'")


@dataclass(frozen=True)
class RelationshipModel(_Validated):
    """Latent relationship per member x session x level x quality, on the 1-7 scale.

    A dict parameter needs exactly the keys of its default; None gives the default.

    Parameters
    ----------
    intercept : dict of str to float, default {"PB": 5.2, "PW": 5.0, "NR": 2.4}
        Mean level of each quality, on the 1-7 answer scale (each 1 to 7). Assumed: bond and
        work well above the midpoint, negative relationship low (GQ norms are proprietary).
    growth : dict of str to float, default {"PB": 0.02, "PW": 0.02, "NR": -0.015}
        Linear change of each quality per session, answer-scale points (any finite number).
        Assumed: the alliance strengthens over a course.
    sd_member : float, default 0.65
        SD (at least 0) between members of their own level, answer-scale points. Assumed;
        calibrated with ``sd_group`` so GQ ICCs land in .10-.30 (Kivlighan, Lo Coco & Gullo, 2015).
    sd_group : dict of str to float, default {"MM": 0.3, "ML": 0.3, "MG": 0.45}
        SD (at least 0) between groups at each level; larger for the group-referent MG items
        (Kivlighan, Lo Coco & Gullo, 2015). Assumed.
    quality_correlation : float, default 0.6
        Correlation (0-1) between a member's bond, work and reversed negative relationship.
        Assumed.
    level_correlation : float, default 0.85
        Correlation (0-1) of one quality across the three levels. Assumed: members tell
        relationships apart by quality more than by target (Johnson et al., 2005).
    ar : float, default 0.5
        Session-to-session autocorrelation (0 up to, not including, 1) of a member's
        deviations. Assumed.
    sd_session : float, default 0.3
        SD (at least 0) of the session-to-session fluctuation, answer-scale points. Assumed.
    sd_item : float, default 0.45
        SD (above 0) of item noise around the latent level, answer-scale points. Assumed;
        calibrated so subscale alphas land in .85-.95 (an assumed range for the GQ).
    """

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
    """How often ruptures start, of which type, how strong, and what they do to the ratings.

    Severities are in answer-scale points. A dict parameter needs exactly the keys of its
    default; None gives the default.

    Parameters
    ----------
    rate : dict of str to float, default {"MM": 0.01, "ML": 0.0085, "MG": 0.0085}
        Probability (0-1) per member and session that a withdrawal or confrontation rupture
        starts at each level. Assumed; with the microaggressions of :class:`CultureModel`
        about 4 in 10 members have a rupture over 16 sessions, close to the 46% of clients in
        McLaughlin et al. (2014).
    type_share : dict of str to float, default {"withdrawal": 0.6, "confrontation": 0.4}
        Shares (0-1, adding up to 1) of the random ruptures of each marker family (Safran &
        Muran, 2000). Assumed.
    severity_mean : float, default 1.2
        Mean drop in bond and work at onset (above 0). Assumed.
    severity_sd : float, default 0.3
        SD (at least 0) of severities between ruptures. Assumed.
    persistence : float, default 0.9
        Share (0 up to, not including, 1) of an unrepaired strain left one session later.
        Assumed; declines can last 6 sessions (Gumz et al., 2012).
    spillover : float, default 0.3
        Share (0-1) of a strain felt at the member's other two levels. Assumed.
    bystander : float, default 0.2
        Share (0-1) of a visible rupture's strain the other members feel on their
        member-group ratings (Burlingame et al., 2021). Assumed.
    severity_min, severity_max : float, default 0.2 and 4.0
        Range (both above 0, min below max) that random severities are cut to. Assumed.
    partner_strain : float, default 0.7
        Share (0-1) of a member-member rupture's severity, and of its repair's gain, that the
        pair's other member feels. Assumed (Burlingame et al., 2021: such a rupture touches
        two members).
    fade_hazard : float, default 0.04
        Probability (0-1) per session that an open, unscripted rupture ends on its own, with
        no visible repair. Assumed; declines last up to about 6 sessions (Gumz et al., 2012).
    signatures : dict of str to (float, float, float), optional
        Change of (PB, PW, NR) per unit of severity for each type; default withdrawal
        (-1.0, -0.8, 0.3), confrontation (-0.5, -0.5, 1.0), cultural (-0.8, -0.5, 0.7).
        Withdrawal moves away, confrontation moves against (Safran & Muran, 2000); cultural
        does both (Owen et al., 2014; Miles et al., 2021). Sizes assumed.
    visibility : dict of str to float, default {"withdrawal": 0.4, "confrontation": 1.0, "cultural": 1.0}
        How visible (0-1) a rupture of each type is to bystanders. Assumed: confrontations
        and microaggressions happen in front of the group (Miles et al., 2021), withdrawal is
        quieter (Safran & Muran, 2000).
    """

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

    Parameters
    ----------
    commitment : float, default 0.6
        Mean commitment (0-1) to measurement-based care; committed therapists get more from
        feedback (de Jong et al., 2012). Mean assumed.
    openness : float, default 0.6
        Mean openness (0-1) to feedback (Chow, 2014). Mean assumed.
    self_doubt : float, default 0.5
        Mean professional self-doubt (0-1), linked to a stronger early alliance
        (Nissen-Lie et al., 2010). Mean assumed.
    humility : float, default 0.6
        Mean cultural humility (0-1) (Owen et al., 2011; Davis et al., 2016). Mean assumed.
    comfort : float, default 0.6
        Mean cultural comfort (0-1) (Owen et al., 2011). Mean assumed.
    opportunities : float, default 0.5
        Mean share (0-1) of cultural opportunities taken (Owen et al., 2016). Mean assumed.
    spread : float, default 0.15
        SD (at least 0) between therapists of each factor; 0 gives every therapist the means.
        Assumed.
    self_doubt_alliance : float, default 0.8
        Lift of the members' early alliance with the leader, answer-scale points per unit
        of self-doubt above 0.5 (any finite number; Nissen-Lie et al., 2010). Size assumed.
    early_sessions : int, default 6
        Sessions (at least 1) over which that lift fades out. Assumed.
    sd_skill : float, default 0.3
        SD (at least 0) between therapists of the improvement rate, OQ points per session.
        Assumed; calibrated so therapists hold about 5% of outcome variance (Chow et al.,
        2015: 5.1%).
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
    facet above its middle, 0.5. "Under full norms" means once norm-setting has reached full
    strength (``norm_setting`` on, from session ``norm_sessions``). Real-valued log-odds and
    quality parameters take any finite number.

    Parameters
    ----------
    dimensions : dict, optional
        Label -> ``{"visible": bool, "marginalised": share 0-1}``: 1 to 6 dimensions, labels
        printable, without ``;`` or surrounding spaces, at most 40 characters. Default
        ``"identity A"`` (visible, 0.3), ``"identity B"`` (visible, 0.2), ``"identity C"``
        (not visible, 0.2). Assumed; rename them to teach. Invisible identities cannot be
        seen (Miles et al., 2021).
    microaggression_rate : float, default 0.007
        Probability (0-1) per session that a member marginalised on a dimension is targeted
        on it. Assumed (Owen et al., 2014 counted any microaggression: 53% of clients
        reported one from their therapist); with the defaults about 1 rupture in 7 is cultural.
    leader_share : float, default 0.5
        Share (0-1) that come from the leader when both the leader and a member could be the
        source (Miles et al., 2021). Assumed.
    address_now : float, default -2.2
        Log-odds that the leader addresses it in its own session. Assumed; calibrated with
        ``address_later`` so about a quarter are ever addressed at default orientation (Owen
        et al., 2014: about 76% were never discussed).
    address_later : float, default -4.0
        Log-odds per later session that the leader brings it up. Assumed.
    opportunities_effect : float, default 3.0
        Log-odds of addressing, now and later, per unit of cultural opportunities (Owen et
        al., 2011, 2016). Assumed.
    comfort_now : float, default 2.0
        Log-odds of addressing it in the moment per unit of cultural comfort (Owen et al.,
        2011). Assumed.
    comfort_quality : float, default 0.3
        Response quality (0-1 scale) per unit of comfort (Owen et al., 2011; Kivlighan &
        Chapman, 2018). Assumed.
    humility_quality : float, default 0.5
        Response quality per unit of humility (Owen et al., 2011; Davis et al., 2016). Assumed.
    shaming : float, default 0.3
        Probability (0-1), times 1 - humility, that addressing a member's remark shames that
        member; shaming opens a new rupture (Miles et al., 2021). Assumed.
    humility_buffer : float, default 0.6
        The felt severity is scaled by ``1 - humility_buffer x (humility - 0.5)`` (Davis et
        al., 2016). Assumed.
    invisible_effect : float, default -0.5
        Log-odds of addressing a microaggression on an invisible dimension (Miles et al.,
        2021). Assumed.
    rebound : float, default 0.1
        After a non-shaming response the target's relationship rises by this x severity x
        quality (at least 0). Assumed; calibrated so targets of addressed microaggressions
        end with an alliance like unaffected members' (Owen et al., 2014).
    missed_strain : float, default 0.5
        Share (at least 0) of a member's unaddressed remark's strain that the target's
        relationship with the leader also carries. Assumed; calibrated so targets of
        unaddressed ones end at least .25 SD lower (Owen et al., 2014).
    source_strain : float, default 0.2
        Share (0-1) of the severity the member who made the remark feels at once (Miles et
        al., 2021). Assumed.
    named_strain : float, default 0.3
        Share (at least 0) of the severity that member loses with the leader and the group
        when it is addressed (Miles et al., 2021). Assumed.
    source_help : float, default 0.6
        Share (at least 0) of severity x quality a non-shaming response gives that member
        back (Miles et al., 2021). Assumed.
    shame_severity : float, default 1.5
        Severity (above 0, answer-scale points) of the member-leader rupture a shaming
        response opens for the member who made the remark (Miles et al., 2021). Assumed.
    bystander_gain : float, default 0.15
        Share (at least 0) of severity x quality by which bystanders' bond with the group
        rises after a non-shaming response (Miles et al., 2021). Assumed.
    bystander_shame : float, default 0.2
        Share (at least 0) of the severity by which everyone present but the shamed member
        loses bond with the group after a shaming response (Miles et al., 2021). Assumed.
    norm_setting : bool, default False
        True: every group models naming identities and power in its first sessions (Miles et
        al., 2021 recommend it). The default is assumed.
    norm_sessions : int, default 3
        Sessions (at least 1) over which the norms grow to full strength (Miles et al., 2021).
    naming : float, default -2.0
        Log-odds that a member names the microaggression. Assumed.
    norm_naming : float, default 2.0
        Log-odds added to naming under full norms (Miles et al., 2021). Assumed.
    named_effect : float, default 1.5
        Log-odds added to addressing it in the moment when a member named it. Assumed.
    norm_address : float, default 0.5
        Log-odds added to addressing, now and later, under full norms (Miles et al., 2021).
        Assumed.
    norm_softening : float, default 0.3
        Under full norms the felt severity is scaled by 1 - this (0-1; Miles et al., 2021).
        Assumed.
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
            ok_share = _number(share) and _finite(share) and 0 <= share <= 1
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
    Log-odds parameters take any finite number.

    Parameters
    ----------
    base_logit : float, default -2.2
        Log-odds per session of an attempt on an open rupture without an alert (about 1 in
        10). Assumed.
    alert_effect : float, default 3.0
        Log-odds added once the leader has seen an alert, times commitment x openness (de Jong
        et al., 2012; Chow, 2014); also raises addressing a microaggression later. Assumed.
    self_doubt_effect : float, default 0.6
        Log-odds per unit of therapist self-doubt above 0.5 (Nissen-Lie et al., 2010). Assumed.
    progress_effect : float, default 0.8
        Log-odds per ``OutcomeModel.reliable_change`` (14) OQ points the member is ahead of
        their expected recovery (Tang & DeRubeis, 1999; Falkenström et al., 2013). Assumed;
        it makes the observed repair-outcome link larger than repair's own effect.
    quality_mean : float, default 0.55
        Mean quality (0-1) of an average therapist's repair, and of a response to a
        microaggression. Assumed.
    quality_openness : float, default 0.5
        Quality per unit of openness above 0.5 (Chow, 2014). Assumed.
    quality_sd : float, default 0.15
        SD (at least 0) of quality between attempts (cut to 0-1). Assumed.
    overshoot : float, default 0.6
        A resolved repair of quality 1 leaves the bond this share (at least 0) of the
        severity above its old level: the V with a higher right arm (Stiles et al., 2004).
        Assumed.
    bonus_persistence : float, default 0.9
        Share (0 up to, not including, 1) of a repair's gain kept one session later. Assumed.
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

    Parameters
    ----------
    curve : {"log", "linear"}, default "log"
        Shape of the expected recovery: fastest early, log-linear as OQ-Analyst's expected
        recovery curves (Lambert, 2007), or even. The default is assumed.
    expected_gain : float, default 9.5
        OQ points (at least 0) a member is expected to improve over the course. Assumed:
        about the default model's mean first-to-last change.
    not_margin : float, default 15.0
        OQ points (above 0) above the expected curve that flag a member not on track.
        Assumed, about the OQ-45 reliable change; calibrated so about 3 in 10 members are
        ever not on track (Alldredge et al., 2020).
    support_gain : float, default 1.6
        Extra OQ points (at least 0) of improvement per supported session. Assumed;
        calibrated so not-on-track members gain g about .25-.60 from feedback (Barkham et
        al., 2023).
    support_sessions : int, default 6
        Sessions (at least 1) a round of clinical support lasts. Assumed.
    support_dropout : float, default 2.0
        Clinical support multiplies the dropout hazard by exp(-this) (at least 0). Assumed;
        calibrated to the dropout odds ratio of 1.19 favouring feedback (de Jong et al., 2021).
    not_dropout : float, default 1.2
        Being not on track multiplies the dropout hazard by exp(this) (at least 0). Assumed.
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

    Parameters
    ----------
    baseline_mean : float, default 80.0
        Mean intake OQ-45 total (0-180). Assumed: a clinical sample above the OQ-45 cutoff of
        63/64 (OQ Measures).
    baseline_sd : float, default 18.0
        SD (at least 0) of intake totals between members. Assumed.
    improvement : float, default 1.0
        Expected OQ points of improvement per session (any finite number). Assumed.
    sd_member_rate : float, default 1.1
        SD (at least 0) of that rate between members. Assumed.
    sd_group_rate : float, default 0.03
        SD (at least 0) of the rate between groups. Assumed; with ``TherapistModel.sd_skill``
        calibrated so the outcome ICC across groups lands near .06 (Kivlighan et al., 2020).
    alliance_effect : float, default 0.05
        OQ points per session per answer-scale point of a member's stable alliance with the
        leader. Assumed; calibrated to an alliance-outcome r of .17 (Alldredge et al., 2021).
    cohesion_effect : float, default 0.35
        The same for the member's stable bond with the group. Assumed; calibrated to a
        cohesion-outcome r of .26 (Burlingame, McClendon & Yang, 2018).
    state_effect : float, default 2.5
        OQ points per session per answer-scale point the relationship stands above or below
        the member's own level that session. Assumed; calibrated to a repaired-vs-unrepaired
        r of .29 (Eubanks, Muran & Safran, 2018; within-person effects: Falkenström et al.,
        2013).
    sd_session : float, default 5.0
        SD (at least 0) of OQ measurement error: a reliable change of 14 implies about 5
        (14 = 1.96 x sqrt(2) x 5).
    reliable_change : float, default 14.0
        OQ-45 points (above 0) of reliable change (OQ Measures); sets reliable improvement and
        deterioration.
    strain_dropout : float, default 1.0
        An open rupture multiplies the dropout hazard by exp(this). Assumed.
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

    Parameters
    ----------
    design : GroupDesign, default GroupDesign()
        Who is in a group and when.
    relationship : RelationshipModel, default RelationshipModel()
        The latent relationship members rate.
    rupture : RuptureModel, default RuptureModel()
        Withdrawal and confrontation ruptures.
    therapist : TherapistModel, default TherapistModel()
        The leaders' factors.
    repair : RepairModel, default RepairModel()
        Repair attempts and their quality.
    outcome : OutcomeModel, default OutcomeModel()
        OQ-45 totals.
    progress : ProgressModel, default ProgressModel()
        Expected recovery, not-on-track alerts and clinical support.
    culture : CultureModel, default CultureModel()
        Identities, microaggressions and the leader's responses.
    feedback_share : float, default 0.0
        Share (0-1) of groups run with feedback, when :func:`gqkit.simulate` is not told
        (its ``feedback=None``).

    Raises
    ------
    GQConfigError
        If a part is not an instance of its class (e.g. a dict given for ``design``; see
        :meth:`from_dict`), or ``feedback_share`` is not a share.

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
    KINDS: ClassVar[dict[str, type]] = {"design": GroupDesign, "relationship": RelationshipModel, "rupture": RuptureModel,
                                        "therapist": TherapistModel, "repair": RepairModel, "outcome": OutcomeModel,
                                        "progress": ProgressModel, "culture": CultureModel}  # fmt: skip
    """The class of each part."""

    def _check_more(self) -> None:
        for part, kind in self.KINDS.items():
            value = getattr(self, part)
            if not isinstance(value, kind):
                raise GQConfigError(part, value, f"a {kind.__name__}, e.g. {kind.__name__}(); for a dict of parameters, {kind.__name__}(**values), "
                                    "or SimulationConfig.from_dict for a whole configuration")  # fmt: skip

    def with_overrides(self, **overrides: Any) -> SimulationConfig:
        """A copy with parameters changed by name, e.g. ``n_members=6`` or ``persistence=0.8``.

        A name must belong to exactly one part; ``part__name`` picks the part explicitly
        (``sd_session`` is in two parts, so it needs ``relationship__sd_session`` or
        ``outcome__sd_session``).

        Parameters
        ----------
        **overrides
            Parameter name (or ``part__name``, or ``feedback_share``) -> new value; each value
            is checked as the part's own constructor checks it.

        Returns
        -------
        SimulationConfig
            A new configuration; this one is unchanged.

        Raises
        ------
        GQConfigError
            For an unknown name, an ambiguous one (the message lists the ``part__name``
            spellings to choose from), or a value out of range.

        Examples
        --------
        >>> SimulationConfig().with_overrides(outcome__sd_session=4.0).outcome.sd_session
        4.0
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
            if len(owners) > 1:
                choices = " or ".join(f"{p}__{name}" for p in owners)
                raise GQConfigError(key, value, f"a name in one part only; {name!r} is ambiguous (in {' and '.join(owners)}), so write {choices}")
            if not owners or name not in {f.name for f in dataclasses.fields(getattr(self, owners[0]))}:
                raise GQConfigError(key, value, "the name of a simulation parameter (see gqkit.simulation.describe_defaults())")
            changes.setdefault(owners[0], {})[name] = value
        parts = {p: dataclasses.replace(getattr(self, p), **kw) for p, kw in changes.items()}
        return dataclasses.replace(self, **parts, **top)

    @classmethod
    def from_overrides(cls, **overrides: Any) -> SimulationConfig:
        """The default configuration with some parameters changed (see :meth:`with_overrides`).

        Parameters
        ----------
        **overrides
            As for :meth:`with_overrides`.

        Returns
        -------
        SimulationConfig
        """
        return cls().with_overrides(**overrides)

    def to_dict(self) -> dict[str, Any]:
        """Plain nested dict (JSON-ready).

        Returns
        -------
        dict
            One key per part (a dict of its parameters) and ``feedback_share``.
        """
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SimulationConfig:
        """Inverse of :meth:`to_dict`: every part and every parameter must be there, and nothing else.

        Parameters
        ----------
        data : dict
            As :meth:`to_dict` returns it, or as read from a cohort's ``config.json`` (lists
            stand for tuples).

        Returns
        -------
        SimulationConfig

        Raises
        ------
        GQConfigError
            Naming the part or ``part.parameter`` that is missing, unknown or out of range.
        """
        kinds = cls.KINDS
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

    Returns
    -------
    DataFrame
        One row per parameter: part, parameter, default (as text), source.

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
