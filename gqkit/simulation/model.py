"""The generative model: groups of members answering the instrument session by session.

The model is a pipeline. :func:`setup` fixes what does not change during a course (the
:class:`World`: therapists, members' stable relationship and distress, who joins when) and
:func:`run` then applies the steps of a session, in this order, to an explicit
:class:`State`, for every session:

1. :func:`attend` -- who is there (enrolment, attendance, earlier dropout);
2. :func:`repair` -- the leader may attempt to repair an open withdrawal or confrontation
   rupture: more likely after an alert the leader has seen, when committed to and open to
   feedback, when self-doubting, and with a member who is doing better than expected; an
   attempt resolves the rupture with a chance equal to its quality;
3. :func:`fade` -- an unrepaired rupture may resolve on its own, without a visible repair;
4. :func:`new_ruptures` -- new withdrawal and confrontation ruptures begin (random, or
   scripted by a teacher);
5. :func:`microaggressions` -- cultural ruptures begin: a member in a marginalised position
   on an identity dimension is targeted by the leader or by a member privileged on it, in
   front of the bystanders (random, or scripted);
6. :func:`respond` -- the leader's response to open microaggressions: addressed in the
   moment, later, or never (the facets of multicultural orientation, norm-setting, a member
   naming it), and if addressed, well or shamingly; each role -- target, the member who made
   the remark, bystanders -- feels the response its own way;
7. :func:`relationship` -- each member's latent relationship per level x quality = stable
   member and group effects + growth + autocorrelated noise + the strain of open ruptures
   (spilling to the member's other levels and to bystanders' member-group ratings) + what
   resolved repairs left + the early lift a self-doubting leader gives;
8. :func:`answer` -- members answer the items (latent + item noise, rounded, cut to the scale);
9. :func:`relationship_feedback` -- in groups with feedback, a detection rule sees the scores
   up to this session and its alerts reach the leader;
10. :func:`measure_outcome` -- members fill in the OQ;
11. :func:`progress_feedback` -- each member's OQ is compared with the recovery curve expected
    from their first OQ; in groups with feedback the leader sees not-on-track alerts and may
    act on them with clinical support;
12. :func:`improve` -- the session's work moves the true OQ: the member's own rate, their
    stable alliance and cohesion, this session's relationship state (ruptures and repairs
    reach the outcome only here) and clinical support;
13. :func:`dropout` -- some members leave: most often early, while a rupture is open or while
    not on track, less often under clinical support.

A new mechanism is one more step function and one more named random stream
(:mod:`.streams`): each mechanism draws from its own stream per group, so adding one leaves
every other mechanism's numbers alone, and a group is the same simulated alone or among
10,000 others.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import ndtri

from ..detect import FEEDBACK_RULE, Rule, ScorePanel
from ..errors import GQConfigError
from ..instrument import Instrument
from ..scoring import score_array
from .config import LEVELS, QUALITIES, RELATIONAL_TYPES, RUPTURE_TYPES, SimulationConfig, TherapistModel
from .ruptures import Rupture
from .streams import Draw, draw_streams, group_seeds, stream_seed

__all__ = ["GROUP", "LEADER", "Result", "check_seed", "group_seeds", "run", "therapist_index"]

L, Q = len(LEVELS), len(QUALITIES)
MM, ML, MG = range(L)
PB, PW, NR = range(Q)
CULTURAL = RUPTURE_TYPES.index("cultural")
WITHDRAWAL = RUPTURE_TYPES.index("withdrawal")
LEADER, GROUP = -1, -2  # source codes that are not members
QSIGN = np.array([1.0, 1.0, -1.0])  # good direction per quality
N_FACTORS = len(TherapistModel.FACTORS)


# -- the random streams ------------------------------------------------------------------
def layout(config: SimulationConfig, n_items: int) -> dict[str, Draw]:
    """The named streams a group draws from, with their shapes (see :mod:`.streams`)."""
    M, S = config.design.n_members, config.design.n_sessions
    D = len(config.culture.dimensions)
    per_slot = Draw((S, M, L))
    streams = {
        "arm": Draw((1,)),  # feedback on or off, when only a share of groups has it
        "group": Draw((L + 1,), "normal"),  # group effect per level, group improvement rate
        "members": Draw((M, 3 + Q + L * Q), "normal"),  # general factor, intake OQ, rate, quality factors, specific effects
        "enrolment": Draw((2 * M,)),  # joins late?, when
        "attendance": Draw((S, M)),
        "onset": per_slot,
        "rupture_type": per_slot,
        "source": per_slot,
        "severity": Draw((S, M, L), "normal"),
        "repair": per_slot,
        "repair_quality": Draw((S, M, L), "normal"),
        "resolve": per_slot,
        "identity": Draw((M, D)),  # each member's positions (the leader's come with the therapist)
        "microaggression": Draw((S, M, D + 2)),  # targeted on each dimension?; then: the leader or a member, which member
        "response": Draw((S, M, L, len(RESPONSE_DRAWS))),  # see RESPONSE_DRAWS
        "fade": per_slot,
        "relationship": Draw((S, M, L * Q), "normal"),
        "items": Draw((S, M, n_items), "normal", np.float32),
        "oq": Draw((S, M), "normal"),
        "support": Draw((S, M)),
        "dropout": Draw((S, M)),
    }
    if config.design.item_missing > 0:
        streams["item_missing"] = Draw((S, M, n_items), "uniform", np.float32)
    return streams


RESPONSE_DRAWS = ("named", "address", "shame", "quality")
"""What the ``response`` stream holds per slot: a member names it; the leader addresses it; shames;
the response's quality (a uniform turned normal)."""


def therapist_index(seed: np.random.SeedSequence, groups_per_therapist: int) -> int:
    """Which therapist leads the group with this seed: groups k, k+1, ... share one.

    Parameters
    ----------
    seed : SeedSequence
        A group's seed from :func:`group_seeds`; the last entry of its spawn key is the
        group's number.
    groups_per_therapist : int
        ``GroupDesign.groups_per_therapist``.

    Returns
    -------
    int
        The therapist's 0-based number (0 for a seed with no spawn key).

    Examples
    --------
    >>> [therapist_index(s, 2) for s in group_seeds(5, 5)]
    [0, 0, 1, 1, 2]
    """
    return seed.spawn_key[-1] // groups_per_therapist if seed.spawn_key else 0


def therapist_draws(seeds: Sequence[np.random.SeedSequence], groups_per_therapist: int, n_dimensions: int) -> tuple[np.ndarray, np.ndarray]:
    """Per group, from its therapist's streams: (G, factors + 1) normal draws and (G, dimensions) uniform ones.

    A therapist's stream is the ``"therapist"`` stream of the first group they lead (factors and
    skill first, then identity), so a group simulated alone still gets its therapist.
    """
    first = [
        np.random.SeedSequence(s.entropy, spawn_key=(*s.spawn_key[:-1], therapist_index(s, groups_per_therapist) * groups_per_therapist))
        if s.spawn_key else s
        for s in seeds
    ]
    rngs = [np.random.default_rng(stream_seed(s, "therapist")) for s in first]
    factors = np.stack([rng.standard_normal(N_FACTORS + 1) for rng in rngs])
    identity = np.stack([rng.random(n_dimensions) for rng in rngs])
    return factors, identity


# -- the world: what a course fixes before its first session -----------------------------
@dataclass
class World:
    """Everything fixed for a run: config, instrument, draws, therapists, members, the script."""

    config: SimulationConfig
    instrument: Instrument
    draws: dict[str, np.ndarray]
    script: dict[str, np.ndarray]
    rule: Rule
    therapist: np.ndarray  # (G, factors), 0-1
    therapist_id: np.ndarray  # (G,) int
    feedback: np.ndarray  # (G,) bool
    base: np.ndarray  # (G, M, L, Q) each member's own level of the relationship
    stable_alliance: np.ndarray  # (G, M) member's own alliance with the leader, above the intercept
    stable_cohesion: np.ndarray  # (G, M) member's own bond with the group, above the intercept
    rate: np.ndarray  # (G, M) OQ points of improvement per session
    baseline_oq: np.ndarray  # (G, M)
    join_at: np.ndarray  # (G, M) session index
    item_level: np.ndarray
    item_quality: np.ndarray
    signature: np.ndarray  # (types, Q)
    visibility: np.ndarray  # (types,)
    marginalised: np.ndarray  # (G, M + 1, dimensions) bool; row M is the leader
    invisible: np.ndarray  # (dimensions,) bool

    @property
    def shape(self) -> tuple[int, int, int, int]:
        """(groups, members, sessions, items)."""
        G, M = self.base.shape[:2]
        return G, M, self.config.design.n_sessions, self.instrument.n_items

    def factor(self, name: str) -> np.ndarray:
        """One therapist factor per group, shaped to broadcast over (G, M, L)."""
        return self.therapist[:, TherapistModel.FACTORS.index(name)][:, None, None]


RESPONSE_CODES = {None: -1, "not addressed": 0, "addressed": 1, "shaming": 2}  # -1: the leader decides


def _scripted(ruptures: Sequence[Rupture], M: int, S: int, dimensions: Sequence[str]) -> dict[str, np.ndarray]:
    """Scripted ruptures as (S, M, L) arrays shared by every group.

    A scripted repair (``repair``, with its ``quality``) of a withdrawal or confrontation
    rupture, or a scripted response (``respond``) to a microaggression, happens at
    ``Rupture.repaired_at``; a microaggression addressed without a session is addressed in the
    moment, with the quality the leader's humility and comfort give.
    """
    onset = np.zeros((S, M, L), bool)
    repair = np.zeros((S, M, L), bool)
    respond = np.zeros((S, M, L), bool)
    quality = np.zeros((S, M, L))
    kind = np.zeros((S, M, L), int)
    severity = np.zeros((S, M, L))
    source = np.full((S, M, L), LEADER)
    response = np.full((M, L), -1)
    dimension = np.full((M, L), -1)
    position = np.full((M + 1, len(dimensions)), -1)  # forced identity positions: 1 marginalised, 0 privileged
    blocked = np.zeros((M, L), bool)  # slots kept free of random ruptures
    forced = np.zeros((S, M), bool)  # must attend
    keep = np.zeros((S, M), bool)  # may not drop out before this session
    seen: set[tuple[int, int]] = set()
    for r in ruptures:
        t, m, lv = r.session - 1, r.member - 1, LEVELS.index(r.level)
        if (m, lv) in seen:
            raise GQConfigError("ruptures", r, "at most one scripted rupture per member and level")
        seen.add((m, lv))
        src = (r.source - 1) if r.source is not None else ((m + 1) % M if lv == MM else (LEADER if lv == ML else GROUP))
        onset[t, m, lv], kind[t, m, lv], severity[t, m, lv], source[t, m, lv] = True, RUPTURE_TYPES.index(r.type), r.severity, src
        blocked[m, lv] = True
        forced[t, m] = True
        last = r.last_session - 1
        keep[: last + 1, m] = True
        if lv == MM:
            blocked[src, MM] = True
            keep[: last + 1, src] = True
            forced[t, src] = True
        if r.type == "cultural":
            if r.dimension is not None and r.dimension not in dimensions:
                raise GQConfigError("Rupture.dimension", r.dimension, f"None or one of the configured dimensions: {', '.join(map(repr, dimensions))}")
            d = dimensions.index(r.dimension) if r.dimension is not None else 0
            dimension[m, lv], response[m, lv] = d, RESPONSE_CODES[r.response]
            position[m, d] = 1
            position[M if src == LEADER else src, d] = 0
            if r.response in ("addressed", "shaming"):
                respond[last, m, lv] = True
                forced[last, m] = True
        elif r.repaired_at is not None:
            repair[r.repaired_at - 1, m, lv], quality[r.repaired_at - 1, m, lv] = True, r.quality
            forced[r.repaired_at - 1, m] = True
    return dict(onset=onset, repair=repair, respond=respond, quality=quality, kind=kind, severity=severity, source=source, response=response,
                dimension=dimension, position=position, blocked=blocked, forced=forced, keep=keep)  # fmt: skip


def setup(config: SimulationConfig, seeds: Sequence[np.random.SeedSequence], instrument: Instrument,
          ruptures: Sequence[Rupture], rule: Rule, feedback_share: float) -> World:  # fmt: skip
    """Draw every random number and fix the course: therapists, members, enrolment."""
    d, rel, out, th = config.design, config.relationship, config.outcome, config.therapist
    G, M, S = len(seeds), d.n_members, d.n_sessions
    draws = draw_streams(seeds, layout(config, instrument.n_items))

    t_draws, leader_identity = therapist_draws(seeds, d.groups_per_therapist, len(config.culture.dimensions))
    means = np.array([getattr(th, f) for f in TherapistModel.FACTORS])
    therapist = np.clip(means + th.spread * t_draws[:, :N_FACTORS], 0, 1)
    skill = t_draws[:, N_FACTORS]

    members, group = draws["members"], draws["group"]
    rho, kappa = rel.quality_correlation, rel.level_correlation
    general = members[:, :, 0][:, :, None, None] * QSIGN
    per_quality = members[:, :, 3 : 3 + Q][:, :, None, :]
    specific = np.sqrt(kappa) * per_quality + np.sqrt(1 - kappa) * members[:, :, 3 + Q :].reshape(G, M, L, Q)
    intercept = np.array([rel.intercept[q] for q in QUALITIES])
    sd_group = np.array([rel.sd_group[lv] for lv in LEVELS])
    base = intercept + rel.sd_member * (np.sqrt(rho) * general + np.sqrt(1 - rho) * specific) + (sd_group * group[:, :L])[:, None, :, None] * QSIGN

    script = _scripted(ruptures, M, S, list(config.culture.dimensions))
    shares = np.array([spec["marginalised"] for spec in config.culture.dimensions.values()])
    identity = np.concatenate([draws["identity"], leader_identity[:, None]], axis=1)
    marginalised = np.where(script["position"] >= 0, script["position"] == 1, identity < shares)

    late = (draws["enrolment"][:, :M] < d.late_join_share) if d.enrolment == "rolling" else np.zeros((G, M), bool)
    join_at = np.where(late, 1 + np.floor(draws["enrolment"][:, M:] * max(S // 2 - 1, 1)).astype(int), 0)
    rate = out.improvement + out.sd_member_rate * members[:, :, 2] + out.sd_group_rate * group[:, L][:, None] + th.sd_skill * skill[:, None]
    return World(
        config=config,
        instrument=instrument,
        draws=draws,
        script=script,
        rule=rule,
        therapist=therapist,
        therapist_id=np.array([therapist_index(s, d.groups_per_therapist) for s in seeds]),
        feedback=draws["arm"][:, 0] < feedback_share,
        base=base,
        stable_alliance=(base[:, :, ML, :NR] - intercept[:NR]).mean(axis=-1),
        stable_cohesion=base[:, :, MG, PB] - intercept[PB],
        rate=rate,
        baseline_oq=np.clip(out.baseline_mean + out.baseline_sd * members[:, :, 1], 0, 180),
        join_at=join_at,
        item_level=np.array([LEVELS.index(lv) for lv in instrument.table["level"]]),
        item_quality=np.array([QUALITIES.index(q) for q in instrument.table["scale"]]),
        signature=np.array([config.rupture.signatures[t] for t in RUPTURE_TYPES]),
        visibility=np.array([config.rupture.visibility[t] for t in RUPTURE_TYPES]),
        marginalised=marginalised,
        invisible=np.array([not spec["visible"] for spec in config.culture.dimensions.values()]),
    )


# -- the state: what changes from session to session ------------------------------------
@dataclass
class State:
    """Everything that changes during a course, plus what has been recorded so far.

    Rupture *slots* are (group, member, level) arrays: a member has at most one open rupture
    per level. The ``owner`` slot is the member the rupture is about; in a member-member
    rupture the other member's slot is strained too (``owner`` False there).
    """

    G: int
    M: int
    S: int
    I: int
    n_facets: int

    def __post_init__(self) -> None:
        G, M, S, I = self.G, self.M, self.S, self.I
        slots = (G, M, L)
        self.present = np.zeros((G, M), bool)
        self.eligible = np.zeros((G, M), bool)
        self.dropped = np.zeros((G, M), bool)
        self.active = np.zeros(slots, bool)
        self.owner = np.zeros(slots, bool)
        self.scripted = np.zeros(slots, bool)
        self.seen = np.zeros(slots, bool)
        self.kind = np.zeros(slots, int)
        self.onset = np.zeros(slots, int)
        self.source = np.full(slots, LEADER)
        self.rid = np.full(slots, -1)
        self.severity = np.zeros(slots)  # as felt: a microaggression's is buffered by humility and norms
        self.bonus = np.zeros(slots)
        self.dimension = np.full(slots, -1)  # a microaggression's identity dimension
        self.named = np.zeros(slots, bool)  # a member named the microaggression
        self.addressed = np.zeros(slots, bool)  # the leader has responded to the microaggression
        self.n_ruptures = np.zeros(G, int)
        self.ar = np.zeros((G, M, L, Q))
        self.latent = np.zeros((G, M, L, Q))
        self.oq_true = np.zeros((G, M))
        self.oq_now = np.full((G, M), np.nan)
        self.first_oq = np.full((G, M), np.nan)
        self.first_at = np.full((G, M), -1)
        self.not_now = np.zeros((G, M), bool)
        self.support = np.zeros((G, M), int)  # sessions of clinical support left
        # records
        self.responses = np.full((G, M, S, I), np.nan, dtype=np.float32)
        self.attended = np.zeros((G, M, S), bool)
        self.oq = np.full((G, M, S), np.nan)
        self.expected = np.full((G, M, S), np.nan)
        self.not_on_track = np.zeros((G, M, S), bool)
        self.supported = np.zeros((G, M, S), bool)
        self.panel = np.full((G * M, S, self.n_facets), np.nan)
        self.open_now = np.zeros((G * M, S), bool)  # the truth an oracle rule may read
        self.log: dict[str, list[dict[str, np.ndarray]]] = {"ruptures": [], "attempts": [], "fades": [], "alerts": []}


def norm_strength(w: World, t: int) -> float:
    """How far the group's norms for naming identities and power are set at session index ``t`` (0-1)."""
    cul = w.config.culture
    return min((t + 1) / cul.norm_sessions, 1.0) if cul.norm_setting else 0.0


def sigmoid(x: np.ndarray | float) -> np.ndarray | float:
    return 1 / (1 + np.exp(-x))


def open_ruptures(w: World, st: State, new: np.ndarray, t: int, kinds: np.ndarray, severity: np.ndarray, source: np.ndarray, cause: str,
                  scripted: bool, dimension: np.ndarray | None = None) -> None:  # fmt: skip
    """Start ruptures where ``new`` (G, M, L) is True; member-member ones also strain the source.

    A microaggression (``kinds`` cultural, with its ``dimension``) is felt less with a humble
    leader and under the group's norms; a member may name it at once; the member who made it
    feels ``CultureModel.source_strain`` of it, the other member of any other member-member
    rupture ``RuptureModel.partner_strain``.
    """
    if not new.any():
        return
    G, cul = st.G, w.config.culture
    flat = new.reshape(G, -1)
    rank = np.cumsum(flat, axis=1).reshape(new.shape) - 1
    ids = st.n_ruptures[:, None, None] + rank
    st.n_ruptures = st.n_ruptures + flat.sum(axis=1)
    gg, mm, ll = np.nonzero(new)
    kk, sev, src, rr = kinds[gg, mm, ll], severity[gg, mm, ll], source[gg, mm, ll], ids[gg, mm, ll]
    cultural = kk == CULTURAL
    dim = dimension[gg, mm, ll] if dimension is not None else np.full(len(gg), -1)
    norms = norm_strength(w, t)
    humility = w.factor("humility")[gg, 0, 0]
    felt = np.where(cultural, sev * (1 - cul.humility_buffer * (humility - 0.5)) * (1 - cul.norm_softening * norms), sev)
    named = cultural & (response_draw(w, "named", t)[gg, mm, ll] < sigmoid(cul.naming + cul.norm_naming * norms))
    pair = ll == MM
    partner_share = np.where(cultural, cul.source_strain, w.config.rupture.partner_strain)[pair]
    for g, m, lv, owner, s, other in ((gg, mm, ll, True, felt, src), (gg[pair], src[pair], ll[pair], False, partner_share * felt[pair], mm[pair])):
        k, r = (kk, rr) if owner else (kk[pair], rr[pair])
        st.active[g, m, lv], st.owner[g, m, lv], st.scripted[g, m, lv], st.seen[g, m, lv] = True, owner, scripted, False
        st.kind[g, m, lv], st.severity[g, m, lv], st.onset[g, m, lv], st.source[g, m, lv], st.rid[g, m, lv] = k, s, t, other, r
        st.dimension[g, m, lv], st.named[g, m, lv], st.addressed[g, m, lv] = (dim, named, False) if owner else (dim[pair], named[pair], False)
    st.log["ruptures"].append(dict(group=gg, rupture=rr, session=np.full(len(gg), t), level=ll, type=kk, member=mm, source=src,
                                   severity=sev, cause=np.full(len(gg), cause), dimension=dim, named=named))  # fmt: skip


def close(w: World, st: State, done: np.ndarray, gain: np.ndarray, partner_gain: np.ndarray | None = None) -> None:
    """End the ruptures whose owner slot is marked in ``done``; add ``gain`` (G, M, L) to the bond.

    The other member of a member-member rupture gains ``partner_gain`` (default:
    ``RuptureModel.partner_strain`` x ``gain``).
    """
    gg, mm, ll = np.nonzero(done)
    pair = ll == MM
    pg, pm = gg[pair], st.source[gg, mm, ll][pair]
    partner_gain = w.config.rupture.partner_strain * gain if partner_gain is None else partner_gain
    st.bonus[gg, mm, ll] += gain[gg, mm, ll]
    st.bonus[pg, pm, MM] += partner_gain[gg, mm, ll][pair]
    st.active[gg, mm, ll] = False
    st.active[pg, pm, MM] = False


# -- the steps of a session --------------------------------------------------------------
def attend(w: World, st: State, t: int) -> None:
    """1. Who is there: joined, not dropped out, and came (or must come, for a script)."""
    st.eligible = (w.join_at <= t) & ~st.dropped
    st.present = st.eligible & ((w.draws["attendance"][:, t] < w.config.design.attendance) | w.script["forced"][t])


def repair(w: World, st: State, t: int) -> None:
    """2. Repair attempts on withdrawal and confrontation ruptures that began at an earlier session."""
    rep, dr = w.config.repair, w.draws
    relational = st.active & st.owner & (st.kind != CULTURAL)
    candidate = relational & st.present[:, :, None] & (st.onset < t) & ~st.scripted
    script = w.script["repair"][t] & relational & st.scripted
    if not (candidate.any() or script.any()):
        return
    use = w.factor("commitment") * w.factor("openness")
    ahead = np.where(st.first_at >= 0, expected_recovery(st.first_oq, t - st.first_at, st.S, w.config) - st.oq_true, 0.0)
    logit = (rep.base_logit + rep.alert_effect * st.seen * use + rep.self_doubt_effect * (w.factor("self_doubt") - 0.5)
             + rep.progress_effect * (ahead / w.config.outcome.reliable_change)[:, :, None])  # fmt: skip
    attempt = candidate & (dr["repair"][:, t] < sigmoid(logit))
    quality = np.clip(rep.quality_mean + rep.quality_openness * (w.factor("openness") - 0.5) + rep.quality_sd * dr["repair_quality"][:, t], 0, 1)
    quality = np.where(script, w.script["quality"][t], quality)
    resolved = (attempt & (dr["resolve"][:, t] < quality)) | script
    attempt |= script
    log_attempts(st, attempt, t, quality, resolved, np.zeros_like(attempt))
    close(w, st, resolved, rep.overshoot * quality * st.severity)


def log_attempts(st: State, attempt: np.ndarray, t: int, quality: np.ndarray, resolved: np.ndarray, shamed: np.ndarray) -> None:
    gg, mm, ll = np.nonzero(attempt)
    st.log["attempts"].append(dict(group=gg, rupture=st.rid[gg, mm, ll], session=np.full(len(gg), t), quality=quality[gg, mm, ll],
                                   resolved=resolved[gg, mm, ll], shamed=shamed[gg, mm, ll]))  # fmt: skip


def fade(w: World, st: State, t: int) -> None:
    """3. An open, unscripted rupture may resolve on its own, with no visible repair."""
    faded = st.active & st.owner & ~st.scripted & (st.onset < t) & (w.draws["fade"][:, t] < w.config.rupture.fade_hazard)
    if faded.any():
        gg, mm, ll = np.nonzero(faded)
        st.log["fades"].append(dict(group=gg, rupture=st.rid[gg, mm, ll], session=np.full(len(gg), t)))
        close(w, st, faded, np.zeros(faded.shape))


def new_ruptures(w: World, st: State, t: int) -> None:
    """4. Random withdrawal and confrontation ruptures begin in free slots; scripted ones where the script says."""
    rup, dr, sc = w.config.rupture, w.draws, w.script
    G, M = st.G, st.M
    groups = np.arange(G)
    u_source = dr["source"][:, t]
    free = st.present[:, :, None] & ~st.active & ~sc["blocked"]
    new = free & (dr["onset"][:, t] < np.array([rup.rate[lv] for lv in LEVELS]))
    # at most one new member-member rupture per group and session, with a free partner
    first = np.argmax(new[:, :, MM], axis=1)
    has_mm = new[:, :, MM].any(axis=1)
    new[:, :, MM] = False
    partner_ok = st.present & ~st.active[:, :, MM] & ~sc["blocked"][:, MM]
    partner_ok[groups, first] = False
    n_ok = partner_ok.sum(axis=1)
    pick = np.floor(u_source[groups, first, MM] * np.maximum(n_ok, 1)).astype(int)
    partner = np.argmax(np.cumsum(partner_ok, axis=1) > pick[:, None], axis=1)
    go = has_mm & (n_ok > 0)
    new[groups[go], first[go], MM] = True
    type_edges = np.cumsum([rup.type_share[k] for k in RELATIONAL_TYPES])[:-1]
    kinds = (dr["rupture_type"][:, t][..., None] >= type_edges).sum(-1)
    source = np.empty((G, M, L), int)
    source[:, :, MM] = partner[:, None]
    source[:, :, ML] = LEADER
    source[:, :, MG] = GROUP
    open_ruptures(w, st, new, t, kinds, drawn_severity(w, t), source, "random", False)
    if sc["onset"][t].any():
        shape = (G, M, L)
        script = np.broadcast_to(sc["onset"][t], shape) & st.eligible[:, :, None]
        open_ruptures(w, st, script, t, np.broadcast_to(sc["kind"][t], shape), np.broadcast_to(sc["severity"][t], shape),
                      np.broadcast_to(sc["source"][t], shape), "scripted", True, np.broadcast_to(sc["dimension"], shape))  # fmt: skip


def drawn_severity(w: World, t: int) -> np.ndarray:
    """(G, M, L) severities of ruptures that would begin at session index ``t``."""
    rup = w.config.rupture
    return np.clip(rup.severity_mean + rup.severity_sd * w.draws["severity"][:, t], rup.severity_min, rup.severity_max)


def microaggressions(w: World, st: State, t: int) -> None:
    """5. Random microaggressions: a member marginalised on a dimension is targeted on it.

    The source is the leader (a member-leader rupture) with chance ``leader_share``, or a
    present member privileged on that dimension (a member-member rupture), whichever is free
    and able to; a member targeted on several dimensions in one session gets the one with the
    lowest draw.
    """
    cul = w.config.culture
    M = st.M
    u = w.draws["microaggression"][:, t, :, :-2]  # (G, M, D)
    fire = (u < cul.microaggression_rate) & w.marginalised[:, :M] & st.present[:, :, None]
    if not fire.any():
        return
    dim = np.where(fire, u, np.inf).argmin(axis=-1)
    taken = st.active | w.script["blocked"]
    new = np.zeros_like(st.active)
    source = np.full(new.shape, LEADER)
    dimension = np.full(new.shape, -1)
    for g, m in zip(*np.nonzero(fire.any(axis=-1))):  # a few per thousand member-sessions
        d, (u_leader, u_member) = dim[g, m], w.draws["microaggression"][g, t, m, -2:]
        leader_ok = not (w.marginalised[g, M, d] or taken[g, m, ML])
        members_ok = st.present[g] & ~w.marginalised[g, :M, d] & ~taken[g, :, MM] & ~taken[g, m, MM]
        members_ok[m] = False
        n = int(members_ok.sum())
        if leader_ok and (n == 0 or u_leader < cul.leader_share):
            new[g, m, ML], dimension[g, m, ML] = True, d
            taken[g, m, ML] = True
        elif n:
            other = np.flatnonzero(members_ok)[int(u_member * n)]
            new[g, m, MM], source[g, m, MM], dimension[g, m, MM] = True, other, d
            taken[g, [m, other], MM] = True
    open_ruptures(w, st, new, t, np.full(new.shape, CULTURAL), drawn_severity(w, t), source, "random", False, dimension)


def response_draw(w: World, name: str, t: int) -> np.ndarray:
    """(G, M, L) uniform draws of one part of the ``response`` stream at session index ``t``."""
    return w.draws["response"][:, t, :, :, RESPONSE_DRAWS.index(name)]


def respond(w: World, st: State, t: int) -> None:
    """6. The leader responds to open microaggressions whose target is here.

    Each session a microaggression is open and not yet addressed, the leader addresses it
    with a chance set by cultural opportunities, norm-setting and visibility -- in its own
    session also by cultural comfort and a member naming it; later also by an alert the
    leader has seen. A scripted response happens when the script says. Addressing a member's
    remark shames them with a chance that falls with humility. Then each role feels it:

    - the target: the rupture ends; after a non-shaming response the relationship rebounds
      in proportion to the response's quality (humility, comfort);
    - the member who made it: named, they lose some bond with the leader and the group, and
      a non-shaming response helps them back; a shaming one opens a member-leader rupture;
    - bystanders (everyone else here): their bond with the group rises after a good response
      and falls after a shaming one (the target's too).
    """
    cul, rep = w.config.culture, w.config.repair
    pending = st.active & st.owner & (st.kind == CULTURAL) & ~st.addressed & st.present[:, :, None]
    scripted = pending & st.scripted & (w.script["response"] >= 0)
    script = scripted & w.script["respond"][t]
    free = pending & ~scripted
    if not (free.any() or script.any()):
        return
    humility, comfort = w.factor("humility"), w.factor("comfort")
    norms = norm_strength(w, t)
    now = st.onset == t
    use = w.factor("commitment") * w.factor("openness")
    logit = (np.where(now, cul.address_now + cul.comfort_now * (comfort - 0.5) + cul.named_effect * st.named,
                      cul.address_later + rep.alert_effect * st.seen * use)
             + cul.opportunities_effect * (w.factor("opportunities") - 0.5) + cul.norm_address * norms
             + cul.invisible_effect * w.invisible[np.maximum(st.dimension, 0)])  # fmt: skip
    address = (free & (response_draw(w, "address", t) < sigmoid(logit))) | script
    if not address.any():
        return
    by_member = st.source >= 0
    shame = np.where(script, w.script["response"] == RESPONSE_CODES["shaming"],
                     address & by_member & (response_draw(w, "shame", t) < cul.shaming * (1 - humility)))  # fmt: skip
    quality = np.clip(rep.quality_mean + cul.humility_quality * (humility - 0.5) + cul.comfort_quality * (comfort - 0.5)
                      + rep.quality_sd * ndtri(response_draw(w, "quality", t)), 0, 1)  # fmt: skip
    st.addressed |= address
    log_attempts(st, address, t, quality, address, shame)
    severity = st.severity.copy()
    close(w, st, address, np.where(shame, 0.0, cul.rebound * quality * severity), np.zeros(address.shape))
    # the member who made the remark, and the bystanders
    gg, mm, ll = np.nonzero(address)
    sev, q, shamed, src = severity[gg, mm, ll], quality[gg, mm, ll], shame[gg, mm, ll], st.source[gg, mm, ll]
    group_delta = np.where(shamed, -cul.bystander_shame * sev, cul.bystander_gain * q * sev)
    here = st.present[gg].astype(float)  # (events, M)
    here[np.arange(len(gg)), mm] = np.where(shamed, 1.0, 0.0)  # a shaming response hurts the target's sense of the group too
    by_src = src >= 0
    here[np.flatnonzero(by_src), src[by_src]] = 0.0
    np.add.at(st.bonus[:, :, MG], gg, here * group_delta[:, None])
    source_delta = np.where(shamed, -cul.named_strain * sev, (cul.source_help * q - cul.named_strain) * sev)[by_src]
    for level in (ML, MG):
        np.add.at(st.bonus, (gg[by_src], src[by_src], np.full(by_src.sum(), level)), source_delta)
    # a shamed member ruptures with the leader (Miles et al., 2021)
    target = np.zeros_like(address)
    target[gg[shamed & by_src], src[shamed & by_src], ML] = True
    target &= ~st.active & st.eligible[:, :, None]
    if target.any():
        open_ruptures(w, st, target, t, np.full(target.shape, WITHDRAWAL), np.full(target.shape, cul.shame_severity),
                      np.full(target.shape, LEADER), "shaming", False)  # fmt: skip


def relationship(w: World, st: State, t: int) -> None:
    """7. The latent relationship per member, level and quality at this session."""
    rel, rup, th = w.config.relationship, w.config.rupture, w.config.therapist
    G, M = st.G, st.M
    st.ar = rel.ar * st.ar + rel.sd_session * np.sqrt(1 - rel.ar**2) * w.draws["relationship"][:, t].reshape(G, M, L, Q)
    amp = np.where(st.active, st.severity * rup.persistence ** (t - st.onset), 0.0)
    strain = amp[..., None] * w.signature[st.kind]  # (G, M, L, Q)
    felt = strain + rup.spillover * (strain.sum(axis=2, keepdims=True) - strain)
    missed = st.active[:, :, MM] & st.owner[:, :, MM] & (st.kind[:, :, MM] == CULTURAL) & ~st.addressed[:, :, MM]
    felt[:, :, ML] += w.config.culture.missed_strain * strain[:, :, MM] * missed[..., None]  # the leader let it pass
    visible = (strain * (w.visibility[st.kind] * st.present[:, :, None])[..., None]).sum(axis=2)  # (G, M, Q)
    growth = np.array([rel.growth[q] for q in QUALITIES])
    latent = w.base + growth * t + st.ar + felt + st.bonus[..., None] * QSIGN
    latent[:, :, MG] += rup.bystander * (visible.sum(axis=1, keepdims=True) - visible)
    early = max(0.0, 1 - t / th.early_sessions)  # a self-doubting leader's early lift fades out
    latent[:, :, ML] += (th.self_doubt_alliance * early * (w.factor("self_doubt")[:, :, 0] - 0.5))[:, :, None] * QSIGN
    st.latent = latent
    st.bonus *= w.config.repair.bonus_persistence


def answer(w: World, st: State, t: int) -> None:
    """8. Members who came answer the items: latent + item noise, rounded, cut to the scale."""
    low, high = w.instrument.response_range
    answers = np.rint(st.latent[:, :, w.item_level, w.item_quality] + w.config.relationship.sd_item * w.draws["items"][:, t])
    answers = np.clip(answers, low, high)
    if "item_missing" in w.draws:
        answers[w.draws["item_missing"][:, t] < w.config.design.item_missing] = np.nan
    answers[~st.present] = np.nan
    st.responses[:, :, t] = answers
    st.attended[:, :, t] = st.present


def relationship_feedback(w: World, st: State, t: int) -> None:
    """9. The feedback rule sees the scores up to this session; its alerts reach the leader."""
    if not w.feedback.any():
        return
    G, M, _, I = w.shape
    scores, _ = score_array(st.responses[:, :, t].reshape(G * M, I).astype(float), w.instrument)
    st.panel[:, t] = scores
    st.open_now[:, t] = st.active.any(axis=-1).reshape(G * M)
    units = pd.DataFrame({"group": np.repeat(np.arange(G), M), "member": np.tile(np.arange(M), G)})
    view = ScorePanel(st.panel[:, : t + 1], units, np.arange(1, t + 2), w.instrument.facets, truth=st.open_now[:, : t + 1])
    alert = w.rule.alerts_now(view).reshape(G, M) & w.feedback[:, None] & st.present
    for_rupture = st.active & alert[:, :, None]
    pg, pm = np.nonzero(for_rupture[:, :, MM] & ~st.owner[:, :, MM])  # an alert on the pair's other member
    for_rupture[pg, st.source[pg, pm, MM], MM] |= st.active[pg, st.source[pg, pm, MM], MM]
    see(st, for_rupture & st.owner, t)


def see(st: State, slots: np.ndarray, t: int) -> None:
    """The leader now knows about the ruptures in ``slots``; the first time is logged as an alert."""
    newly = slots & ~st.seen
    ag, am, al = np.nonzero(newly)
    st.log["alerts"].append(dict(group=ag, rupture=st.rid[ag, am, al], session=np.full(len(ag), t)))
    st.seen |= slots


def measure_outcome(w: World, st: State, t: int) -> None:
    """10. Members who came fill in the OQ (true level + measurement error)."""
    out = w.config.outcome
    st.oq_now = np.where(st.present, np.clip(np.rint(st.oq_true + out.sd_session * w.draws["oq"][:, t]), 0, 180), np.nan)
    first = st.present & (st.first_at < 0)
    st.first_at = np.where(first, t, st.first_at)
    st.first_oq = np.where(first, st.oq_now, st.first_oq)
    st.oq[:, :, t] = st.oq_now


def expected_recovery(first_oq: np.ndarray, sessions_since: np.ndarray, n_sessions: int, config: SimulationConfig) -> np.ndarray:
    """The OQ expected ``sessions_since`` sessions after a first OQ of ``first_oq``.

    The curve falls by ``expected_gain`` points over a course, fastest early (``"log"``) or
    evenly (``"linear"``).
    """
    pr = config.progress
    k = np.maximum(sessions_since, 0)
    span = max(n_sessions - 1, 1)
    share = np.log1p(k) / np.log1p(span) if pr.curve == "log" else k / span
    return first_oq - pr.expected_gain * share


def progress_feedback(w: World, st: State, t: int) -> None:
    """11. Not-on-track alerts from the expected recovery curve; with feedback, clinical support."""
    pr = w.config.progress
    expected = expected_recovery(st.first_oq, t - st.first_at, st.S, w.config)
    st.not_now = st.present & (st.first_at < t) & (st.oq_now - expected >= pr.not_margin)
    st.expected[:, :, t] = np.where(st.present, expected, np.nan)
    st.not_on_track[:, :, t] = st.not_now
    if not w.feedback.any():
        return
    use = (w.factor("commitment") * w.factor("openness"))[:, :, 0]
    act = st.not_now & w.feedback[:, None] & (w.draws["support"][:, t] < use)
    st.support = np.where(act, pr.support_sessions, st.support)
    see(st, st.active & st.owner & act[:, :, None], t)  # clinical support checks the alliance


def improve(w: World, st: State, t: int) -> None:
    """12. The session's work moves the true OQ of the members who came (lower is better)."""
    out, rel = w.config.outcome, w.config.relationship
    growth = np.array([rel.growth[q] for q in QUALITIES])
    state = ((st.latent - w.base - growth * t) * QSIGN).mean(axis=(2, 3))  # above (+) or below (-) the member's own level
    supported = (st.support > 0) & st.present
    step = (w.rate + out.alliance_effect * w.stable_alliance + out.cohesion_effect * w.stable_cohesion + out.state_effect * state
            + w.config.progress.support_gain * supported)  # fmt: skip
    st.oq_true = np.where(st.present, np.clip(st.oq_true - step, 0, 180), st.oq_true)
    st.supported[:, :, t] = supported
    st.support = np.where(supported, st.support - 1, st.support)


def dropout(w: World, st: State, t: int) -> None:
    """13. Members leave after the session: front-loaded, more while strained or not on track."""
    d, out, pr = w.config.design, w.config.outcome, w.config.progress
    if t >= st.S - 1:
        return
    open_strain = (st.active & (st.onset < t)).any(axis=-1)
    log_hazard = out.strain_dropout * open_strain + pr.not_dropout * st.not_now - pr.support_dropout * (st.support > 0)
    hazard = np.minimum(d.dropout_hazard * np.exp(-d.dropout_decay * t + log_hazard), 1)
    leave = st.eligible & ~w.script["keep"][t + 1 :].any(axis=0) & (w.draws["dropout"][:, t] < hazard)
    st.dropped |= leave


STEPS = (attend, repair, fade, new_ruptures, microaggressions, respond, relationship, answer, relationship_feedback, measure_outcome, progress_feedback, improve, dropout)


# -- the run -------------------------------------------------------------------------------
@dataclass
class Result:
    """Arrays and event lists produced by :func:`run`; :mod:`.cohort` turns them into tables.

    Shapes use G groups, M members, S sessions and I items; member, session and level
    indices are 0-based, as in the model's arrays.

    Parameters
    ----------
    responses : ndarray of float32, shape (G, M, S, I)
        Item answers, NaN where not answered.
    attended : ndarray of bool, shape (G, M, S)
        True where the member came.
    oq : ndarray of float, shape (G, M, S)
        Observed OQ-45 totals, NaN where not attended.
    expected : ndarray of float, shape (G, M, S)
        The expected recovery curve, NaN where not attended.
    not_on_track : ndarray of bool, shape (G, M, S)
        Flagged not on track that session.
    supported : ndarray of bool, shape (G, M, S)
        Under clinical support that session.
    joined : ndarray of int, shape (G, M)
        Session index at which the member joined.
    dropped : ndarray of bool, shape (G, M)
        The member dropped out.
    baseline_oq : ndarray of float, shape (G, M)
        True OQ-45 at intake.
    therapist : ndarray of float, shape (G, factors)
        The leader's factors (0-1), in the order of ``TherapistModel.FACTORS``.
    therapist_id : ndarray of int, shape (G,)
        The leader's number (:func:`therapist_index`).
    feedback : ndarray of bool, shape (G,)
        The group ran with feedback.
    marginalised : ndarray of bool, shape (G, M + 1, dimensions)
        Marginalised positions; row M is the leader.
    ruptures : DataFrame
        One row per rupture: group, rupture (number within its group), session, level and
        type (indices into ``LEVELS`` and ``RUPTURE_TYPES``), member, source (member index,
        or :data:`LEADER` / :data:`GROUP`), severity, cause, dimension (index, -1 for none),
        named.
    attempts : DataFrame
        One row per repair attempt or response to a microaggression: group, rupture,
        session, quality, resolved, shamed.
    fades : DataFrame
        One row per rupture that ended on its own: group, rupture, session.
    alerts : DataFrame
        One row per alert the leader saw first about a rupture: group, rupture, session.
    """

    responses: np.ndarray  # (G, M, S, I) float32, NaN where not answered
    attended: np.ndarray  # (G, M, S) bool
    oq: np.ndarray  # (G, M, S) float, NaN where not attended
    expected: np.ndarray  # (G, M, S) expected recovery curve, NaN where not attended
    not_on_track: np.ndarray  # (G, M, S) bool
    supported: np.ndarray  # (G, M, S) bool: clinical support this session
    joined: np.ndarray  # (G, M) int, session index
    dropped: np.ndarray  # (G, M) bool
    baseline_oq: np.ndarray  # (G, M)
    therapist: np.ndarray  # (G, factors)
    therapist_id: np.ndarray  # (G,) int
    feedback: np.ndarray  # (G,) bool
    marginalised: np.ndarray  # (G, M + 1, dimensions) bool; row M is the leader
    ruptures: pd.DataFrame
    attempts: pd.DataFrame
    fades: pd.DataFrame
    alerts: pd.DataFrame


def run(
    config: SimulationConfig,
    seeds: Sequence[np.random.SeedSequence],
    instrument: Instrument,
    ruptures: Sequence[Rupture] = (),
    rule: Rule | None = None,
    feedback_share: float = 0.0,
) -> Result:
    """Simulate one batch of groups; see the module docstring for the steps of a session.

    The engine behind :func:`gqkit.simulate`, which checks its arguments first.

    Parameters
    ----------
    config : SimulationConfig
        The model.
    seeds : sequence of SeedSequence
        One seed per group (:func:`group_seeds`).
    instrument : Instrument
        The item key members answer.
    ruptures : sequence of Rupture, default ()
        Scripted ruptures, placed in every group.
    rule : Rule, optional
        The rule whose alerts reach leaders of feedback groups; default
        :data:`~gqkit.detect.FEEDBACK_RULE`.
    feedback_share : float, default 0.0
        Share (0-1) of groups with feedback; a group has it when its ``"arm"`` draw is below.

    Returns
    -------
    Result

    Raises
    ------
    GQConfigError
        If a scripted rupture does not fit the group or two share a member and level.
    """
    for r in ruptures:
        r.check_fits(config.design.n_members, config.design.n_sessions)
    w = setup(config, seeds, instrument, ruptures, rule or FEEDBACK_RULE, feedback_share)
    G, M, S, I = w.shape
    st = State(G, M, S, I, len(instrument.facets))
    st.oq_true = w.baseline_oq.copy()
    for t in range(S):
        for step in STEPS:
            step(w, st, t)

    def frame(name: str, columns: tuple[str, ...]) -> pd.DataFrame:
        rows = st.log[name]
        if not rows:
            return pd.DataFrame({c: np.array([], dtype=int) for c in columns})
        return pd.DataFrame({c: np.concatenate([r[c] for r in rows]) for c in columns})

    return Result(
        responses=st.responses,
        attended=st.attended,
        oq=st.oq,
        expected=st.expected,
        not_on_track=st.not_on_track,
        supported=st.supported,
        joined=w.join_at,
        dropped=st.dropped,
        baseline_oq=w.baseline_oq,
        therapist=w.therapist,
        therapist_id=w.therapist_id,
        feedback=w.feedback,
        marginalised=w.marginalised,
        ruptures=frame("ruptures", ("group", "rupture", "session", "level", "type", "member", "source", "severity", "cause", "dimension", "named")),
        attempts=frame("attempts", ("group", "rupture", "session", "quality", "resolved", "shamed")),
        fades=frame("fades", ("group", "rupture", "session")),
        alerts=frame("alerts", ("group", "rupture", "session")),
    )


def check_seed(seed: object) -> None:
    """Raise unless ``seed`` is None, a non-negative whole number or a SeedSequence.

    Parameters
    ----------
    seed : object
        The value to check.

    Raises
    ------
    GQConfigError
        For anything else (True and False included).
    """
    ok = seed is None or isinstance(seed, np.random.SeedSequence) or (isinstance(seed, numbers.Integral) and not isinstance(seed, bool) and int(seed) >= 0)
    if not ok:
        raise GQConfigError("seed", seed, "a whole number of at least 0 (the same seed gives the same groups), or None for a new one each time")
