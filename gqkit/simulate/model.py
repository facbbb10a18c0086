"""The generative model: groups of members answering the instrument session by session.

One pass over sessions, vectorized over groups and members. Each group draws all of its
random numbers up front from its own stream (``SeedSequence.spawn``), in a fixed layout, so a
group is the same whether it is simulated alone or among 10,000 others.

The story of one session ``t``, in order:

1. who is there (enrolment, attendance, earlier dropout);
2. the leader may repair an open rupture -- more likely after an alert, when committed to and
   open to feedback, and (for cultural ruptures) with a strong multicultural orientation; a
   shaming response to a microaggression opens a new rupture instead;
3. new ruptures begin (random, or scripted by a teacher);
4. each member's latent relationship per level x quality = stable member and group effects +
   growth + autocorrelated noise + the strain of open ruptures (with spill-over to the
   member's other levels and to bystanders' member-group ratings) + what good repairs left;
5. members answer the items (latent + item noise, rounded and cut to the answer scale);
6. the feedback system (a detection rule) sees the scores up to this session and raises alerts;
7. outcomes (OQ-45-like) are measured and move with alliance, cohesion and open ruptures;
8. some members drop out, more often while a rupture is open.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..detect import ChangeAlert, Rule, ScorePanel
from ..errors import GQConfigError
from ..instrument import Instrument
from ..scoring import score_array
from .config import LEVELS, QUALITIES, RUPTURE_TYPES, SIGNATURES, VISIBLE, SimulationConfig, TherapistModel
from .ruptures import Rupture

L, Q = len(LEVELS), len(QUALITIES)
MM, ML, MG = range(L)
PB, PW, NR = range(Q)
CULTURAL = RUPTURE_TYPES.index("cultural")
LEADER, GROUP = -1, -2  # source codes that are not members
QSIGN = np.array([1.0, 1.0, -1.0])  # good direction per quality
SIG = np.array([SIGNATURES[t] for t in RUPTURE_TYPES])  # (types, Q)
VIS = np.array([VISIBLE[t] for t in RUPTURE_TYPES])
PARTNER_STRAIN = 0.7  # assumed: the other member of an MM rupture feels 70% of its severity

# Layout of each group's per-session random numbers.
U_ATTEND, U_ONSET, U_TYPE, U_SOURCE, U_REPAIR, U_SHAME, U_DROP = 0, 1, 4, 7, 10, 13, 16
N_U = 17
Z_AR, Z_SEVERITY, Z_QUALITY, Z_OQ = 0, 9, 12, 15
N_Z = 16
N_STATIC_Z = len(TherapistModel.FACTORS) + L + 1  # therapist, group level effects, group rate


@dataclass
class Draws:
    """All random numbers of a batch of groups, stacked on a leading group axis."""

    static_z: np.ndarray  # (G, N_STATIC_Z)
    member_z: np.ndarray  # (G, M, 3 + Q + L*Q): general factor, baseline OQ, rate, quality factors, specific effects
    static_u: np.ndarray  # (G, 1 + 2M): feedback, late join, join session
    u: np.ndarray  # (G, S, M, N_U)
    z: np.ndarray  # (G, S, M, N_Z)
    item_z: np.ndarray  # (G, S, M, I) float32
    item_u: np.ndarray | None  # (G, S, M, I) float32, only when items can be skipped


def group_seeds(seed: int | np.random.SeedSequence | None, n_groups: int) -> list[np.random.SeedSequence]:
    """One independent seed per group, spawned from ``seed`` (same seed, same streams)."""
    root = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    return list(np.random.SeedSequence(root.entropy, spawn_key=root.spawn_key).spawn(n_groups))


def draw(seeds: Sequence[np.random.SeedSequence], config: SimulationConfig, n_items: int) -> Draws:
    """Draw every random number each group needs, group by group, in a fixed layout.

    The arrays are allocated once and each group's generator fills its slice in place.
    """
    G, M, S = len(seeds), config.design.n_members, config.design.n_sessions
    out = Draws(
        static_z=np.empty((G, N_STATIC_Z)),
        member_z=np.empty((G, M, 3 + Q + L * Q)),
        static_u=np.empty((G, 1 + 2 * M)),
        u=np.empty((G, S, M, N_U)),
        z=np.empty((G, S, M, N_Z)),
        item_z=np.empty((G, S, M, n_items), dtype=np.float32),
        item_u=np.empty((G, S, M, n_items), dtype=np.float32) if config.design.item_missing > 0 else None,
    )
    for g, seed in enumerate(seeds):
        rng = np.random.default_rng(seed)
        rng.standard_normal(out=out.static_z[g])
        rng.standard_normal(out=out.member_z[g])
        rng.random(out=out.static_u[g])
        rng.random(out=out.u[g])
        rng.standard_normal(out=out.z[g])
        rng.standard_normal(out=out.item_z[g], dtype=np.float32)
        if out.item_u is not None:
            rng.random(out=out.item_u[g], dtype=np.float32)
    return out


@dataclass
class Result:
    """Arrays and event lists produced by :func:`run`; :mod:`.cohort` turns them into tables."""

    responses: np.ndarray  # (G, M, S, I) float32, NaN where not answered
    attended: np.ndarray  # (G, M, S) bool
    oq: np.ndarray  # (G, M, S) float, NaN where not attended
    joined: np.ndarray  # (G, M) int, session index
    dropped: np.ndarray  # (G, M) bool
    baseline_oq: np.ndarray  # (G, M)
    therapist: np.ndarray  # (G, factors)
    feedback: np.ndarray  # (G,) bool
    ruptures: pd.DataFrame
    repairs: pd.DataFrame
    alerts: pd.DataFrame


def _scripted(ruptures: Sequence[Rupture], M: int, S: int) -> dict[str, np.ndarray]:
    """Scripted ruptures as (S, M, L) arrays shared by every group."""
    onset = np.zeros((S, M, L), bool)
    repair = np.zeros((S, M, L), bool)
    quality = np.zeros((S, M, L))
    kind = np.zeros((S, M, L), int)
    severity = np.zeros((S, M, L))
    source = np.full((S, M, L), LEADER)
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
        if r.type == "cultural" and lv == MG and r.source is None:
            src = LEADER
        onset[t, m, lv], kind[t, m, lv], severity[t, m, lv], source[t, m, lv] = True, RUPTURE_TYPES.index(r.type), r.severity, src
        blocked[m, lv] = True
        forced[t, m] = True
        last = (r.repaired_at or r.session) - 1
        keep[: last + 1, m] = True
        if lv == MM:
            blocked[src, MM] = True
            keep[: last + 1, src] = True
            forced[t, src] = True
        if r.repaired_at is not None:
            repair[r.repaired_at - 1, m, lv], quality[r.repaired_at - 1, m, lv] = True, r.quality
            forced[r.repaired_at - 1, m] = True
    return dict(onset=onset, repair=repair, quality=quality, kind=kind, severity=severity, source=source, blocked=blocked, forced=forced, keep=keep)


def run(
    config: SimulationConfig,
    seeds: Sequence[np.random.SeedSequence],
    instrument: Instrument,
    ruptures: Sequence[Rupture] = (),
    rule: Rule | None = None,
    feedback_share: float = 0.0,
) -> Result:
    """Simulate one batch of groups; see the module docstring for the story of a session."""
    d, rel, rup, rep, out, th = config.design, config.relationship, config.rupture, config.repair, config.outcome, config.therapist
    G, M, S, I = len(seeds), d.n_members, d.n_sessions, instrument.n_items
    for r in ruptures:
        r.check_fits(M, S)
    rule = rule or ChangeAlert()
    rd = draw(seeds, config, I)
    sc = _scripted(ruptures, M, S)
    low, high = instrument.response_range
    item_level = np.array([LEVELS.index(lv) for lv in instrument.table["level"]])
    item_quality = np.array([QUALITIES.index(q) for q in instrument.table["scale"]])

    # -- who the group is: therapist, stable effects, baseline distress ---------------------
    factors = TherapistModel.FACTORS
    means = np.array([getattr(th, f) for f in factors])
    therapist = np.clip(means + th.spread * rd.static_z[:, : len(factors)], 0, 1)
    T = dict(zip(factors, therapist.T))
    feedback = rd.static_u[:, 0] < feedback_share
    z_group = rd.static_z[:, len(factors) : len(factors) + L]
    sd_group = np.array([rel.sd_group[lv] for lv in LEVELS])
    rho, kappa = rel.quality_correlation, rel.level_correlation
    general = rd.member_z[:, :, 0][:, :, None, None] * QSIGN
    per_quality = rd.member_z[:, :, 3 : 3 + Q][:, :, None, :]
    specific = np.sqrt(kappa) * per_quality + np.sqrt(1 - kappa) * rd.member_z[:, :, 3 + Q :].reshape(G, M, L, Q)
    intercept = np.array([rel.intercept[q] for q in QUALITIES])
    growth = np.array([rel.growth[q] for q in QUALITIES])
    base = (
        intercept
        + rel.sd_member * (np.sqrt(rho) * general + np.sqrt(1 - rho) * specific)
        + (sd_group * z_group)[:, None, :, None] * QSIGN
    )  # (G, M, L, Q)
    baseline_oq = np.clip(out.baseline_mean + out.baseline_sd * rd.member_z[:, :, 1], 0, 180)
    rate = out.improvement + out.sd_member_rate * rd.member_z[:, :, 2] + out.sd_group_rate * rd.static_z[:, -1][:, None]
    late = (rd.static_u[:, 1 : 1 + M] < d.late_join_share) if d.enrolment == "rolling" else np.zeros((G, M), bool)
    join_at = np.where(late, 1 + np.floor(rd.static_u[:, 1 + M :] * max(S // 2 - 1, 1)).astype(int), 0)

    # -- state --------------------------------------------------------------------------
    responses = np.full((G, M, S, I), np.nan, dtype=np.float32)
    attended = np.zeros((G, M, S), bool)
    oq = np.full((G, M, S), np.nan)
    panel = np.full((G * M, S, len(instrument.facets)), np.nan)
    open_now = np.zeros((G * M, S), bool)  # the truth an oracle rule may read
    units = pd.DataFrame({"group": np.repeat(np.arange(G), M), "member": np.tile(np.arange(M), G)})
    ar_state = np.zeros((G, M, L, Q))
    active = np.zeros((G, M, L), bool)
    owner = np.zeros((G, M, L), bool)
    scripted = np.zeros((G, M, L), bool)
    kind = np.zeros((G, M, L), int)
    severity = np.zeros((G, M, L))
    onset = np.zeros((G, M, L), int)
    source = np.full((G, M, L), LEADER)
    rid = np.full((G, M, L), -1)
    seen = np.zeros((G, M, L), bool)
    bonus = np.zeros((G, M, L))
    corrective = np.zeros((G, M))  # lasting change of the improvement rate left by repairs
    dropped = np.zeros((G, M), bool)
    oq_true = baseline_oq.copy()
    n_ruptures = np.zeros(G, int)
    log: dict[str, list[dict[str, np.ndarray]]] = {"ruptures": [], "repairs": [], "alerts": []}
    rates = np.array([rup.rate[lv] for lv in LEVELS])
    type_edges = np.cumsum([rup.type_share[k] for k in RUPTURE_TYPES])[:-1]
    mco = (T["humility"] + T["comfort"] + T["opportunities"]) / 3
    feedback_weight = (T["commitment"] * T["openness"])[:, None, None]
    doubt_term = rep.self_doubt_effect * (T["self_doubt"] - 0.5)[:, None, None]
    cultural_term = rep.mco_effect * (mco - 0.5)[:, None, None]
    shame_chance = rep.shaming * (1 - T["humility"])[:, None, None]
    quality_base = rep.quality_mean + rep.quality_openness * (T["openness"] - 0.5)[:, None, None]
    all_groups = np.arange(G)

    def open_ruptures(new: np.ndarray, t: int, kinds: np.ndarray, sev: np.ndarray, src: np.ndarray, cause: str, is_scripted: bool) -> None:
        """Start ruptures where ``new`` (G, M, L) is True; MM ones also strain the source member."""
        nonlocal n_ruptures
        if not new.any():
            return
        flat = new.reshape(G, -1)
        rank = np.cumsum(flat, axis=1).reshape(G, M, L) - 1
        ids = n_ruptures[:, None, None] + rank
        n_ruptures = n_ruptures + flat.sum(axis=1)
        gg, mm, ll = np.nonzero(new)
        active[gg, mm, ll], owner[gg, mm, ll], scripted[gg, mm, ll] = True, True, is_scripted
        kind[gg, mm, ll], severity[gg, mm, ll], onset[gg, mm, ll] = kinds[gg, mm, ll], sev[gg, mm, ll], t
        source[gg, mm, ll], rid[gg, mm, ll], seen[gg, mm, ll] = src[gg, mm, ll], ids[gg, mm, ll], False
        pair = ll == MM
        pg, pm = gg[pair], src[gg, mm, ll][pair]
        active[pg, pm, MM], owner[pg, pm, MM], scripted[pg, pm, MM] = True, False, is_scripted
        kind[pg, pm, MM], severity[pg, pm, MM], onset[pg, pm, MM] = kind[gg, mm, ll][pair], PARTNER_STRAIN * sev[gg, mm, ll][pair], t
        source[pg, pm, MM], rid[pg, pm, MM], seen[pg, pm, MM] = mm[pair], ids[gg, mm, ll][pair], False
        log["ruptures"].append(dict(group=gg, rupture=ids[gg, mm, ll], session=np.full(len(gg), t), level=ll, type=kinds[gg, mm, ll],
                                    member=mm, source=src[gg, mm, ll], severity=sev[gg, mm, ll], cause=np.full(len(gg), cause)))

    def close(done: np.ndarray, quality: np.ndarray, t: int) -> None:
        """Repair the ruptures whose owner slot is marked in ``done`` (G, M, L)."""
        if not done.any():
            return
        gg, mm, ll = np.nonzero(done)
        q = quality[gg, mm, ll]
        gain = rep.overshoot * (2 * q - 1) * severity[gg, mm, ll]
        bonus[gg, mm, ll] += gain
        np.add.at(corrective, (gg, mm), out.repair_gain * (2 * q - 1))
        active[gg, mm, ll] = False
        pair = ll == MM
        pg, pm = gg[pair], source[gg, mm, ll][pair]
        bonus[pg, pm, MM] += PARTNER_STRAIN * gain[pair]
        active[pg, pm, MM] = False
        log["repairs"].append(dict(group=gg, rupture=rid[gg, mm, ll], session=np.full(len(gg), t), quality=q))

    for t in range(S):
        u, z = rd.u[:, t], rd.z[:, t]
        # 1. who is there
        eligible = (join_at <= t) & ~dropped
        present = eligible & ((u[:, :, U_ATTEND] < d.attendance) | sc["forced"][t])
        here = present[:, :, None]

        # 2. repair attempts on ruptures that began at an earlier session
        candidate = active & owner & here & (onset < t) & ~scripted
        if candidate.any() or sc["repair"][t].any():
            logit = rep.base_logit + rep.alert_effect * seen * feedback_weight + doubt_term + np.where(kind == CULTURAL, cultural_term, 0.0)
            attempt = candidate & (u[:, :, U_REPAIR : U_REPAIR + L] < 1 / (1 + np.exp(-logit)))
            shame = attempt & (kind == CULTURAL) & (source >= 0) & (u[:, :, U_SHAME : U_SHAME + L] < shame_chance)
            quality = np.clip(quality_base + 0.15 * z[:, :, Z_QUALITY : Z_QUALITY + L], 0, 1)
            quality = np.where(sc["repair"][t], sc["quality"][t], quality)
            close((attempt & ~shame) | (sc["repair"][t] & active & owner & scripted), quality, t)
            # a shamed source member ruptures with the leader (Miles et al., 2021)
            sg, sm, sl = np.nonzero(shame)
            target = np.zeros((G, M, L), bool)
            target[sg, source[sg, sm, sl], ML] = True
            target &= ~active & eligible[:, :, None]
            if target.any():
                kinds = np.full((G, M, L), RUPTURE_TYPES.index("withdrawal"))
                sev = np.broadcast_to(rup.severity_mean, (G, M, L)).copy()
                open_ruptures(target, t, kinds, sev, np.full((G, M, L), LEADER), "shaming", False)

        # 3. new ruptures
        free = here & ~active & ~sc["blocked"]
        new = free & (u[:, :, U_ONSET : U_ONSET + L] < rates)
        # at most one new member-member rupture per group and session, with a free partner
        first = np.argmax(new[:, :, MM], axis=1)
        has_mm = new[:, :, MM].any(axis=1)
        new[:, :, MM] = False
        partner_ok = present & ~active[:, :, MM] & ~sc["blocked"][:, MM]
        partner_ok[all_groups, first] = False
        n_ok = partner_ok.sum(axis=1)
        pick = np.floor(u[all_groups, first, U_SOURCE + MM] * np.maximum(n_ok, 1)).astype(int)
        partner = np.argmax(np.cumsum(partner_ok, axis=1) > pick[:, None], axis=1)
        go = has_mm & (n_ok > 0)
        new[all_groups[go], first[go], MM] = True
        kinds = (u[:, :, U_TYPE : U_TYPE + L, None] >= type_edges).sum(-1)
        sev = np.clip(rup.severity_mean + rup.severity_sd * z[:, :, Z_SEVERITY : Z_SEVERITY + L], 0.2, 4.0)
        src = np.empty((G, M, L), int)
        src[:, :, MM] = partner[:, None]
        src[:, :, ML] = LEADER
        other = (np.arange(M)[None, :] + 1 + np.floor(u[:, :, U_SOURCE + MG] * (M - 1)).astype(int)) % M
        leader_said = u[:, :, U_SOURCE + ML] < rup.cultural_leader_share
        src[:, :, MG] = np.where(kinds[:, :, MG] == CULTURAL, np.where(leader_said, LEADER, other), GROUP)
        open_ruptures(new, t, kinds, sev, src, "random", False)
        if sc["onset"][t].any():
            script = np.broadcast_to(sc["onset"][t], (G, M, L)) & eligible[:, :, None]
            open_ruptures(script, t, np.broadcast_to(sc["kind"][t], (G, M, L)), np.broadcast_to(sc["severity"][t], (G, M, L)),
                          np.broadcast_to(sc["source"][t], (G, M, L)), "scripted", True)

        # 4. the latent relationship
        ar_state = rel.ar * ar_state + rel.sd_session * np.sqrt(1 - rel.ar**2) * z[:, :, Z_AR : Z_AR + L * Q].reshape(G, M, L, Q)
        amp = np.where(active, severity * rup.persistence ** (t - onset), 0.0)
        strain = amp[..., None] * SIG[kind]  # (G, M, L, Q)
        felt = strain + rup.spillover * (strain.sum(axis=2, keepdims=True) - strain)
        visible = (strain * (VIS[kind] * here)[..., None]).sum(axis=2)  # (G, M, Q)
        latent = base + growth * t + ar_state + felt + bonus[..., None] * QSIGN
        latent[:, :, MG] += rup.bystander * (visible.sum(axis=1, keepdims=True) - visible)
        bonus *= rep.bonus_persistence

        # 5. answers
        answers = np.rint(latent[:, :, item_level, item_quality] + rel.sd_item * rd.item_z[:, t])
        answers = np.clip(answers, low, high)
        if rd.item_u is not None:
            answers[rd.item_u[:, t] < d.item_missing] = np.nan
        answers[~present] = np.nan
        responses[:, :, t] = answers
        attended[:, :, t] = present

        # 6. feedback: the rule sees the scores up to this session only
        if feedback.any():
            scores, _ = score_array(answers.reshape(G * M, I).astype(float), instrument)
            panel[:, t] = scores
            open_now[:, t] = active.any(axis=-1).reshape(G * M)
            view = ScorePanel(panel[:, : t + 1], units, np.arange(1, t + 2), instrument.facets, truth=open_now[:, : t + 1])
            alert = rule.alerts_now(view).reshape(G, M) & feedback[:, None] & present
            for_rupture = active & alert[:, :, None]
            pm_g, pm_m = np.nonzero(for_rupture[:, :, MM] & ~owner[:, :, MM])
            for_rupture[pm_g, source[pm_g, pm_m, MM], MM] |= active[pm_g, source[pm_g, pm_m, MM], MM]
            newly = for_rupture & owner & ~seen
            ag, am, al = np.nonzero(newly)
            log["alerts"].append(dict(group=ag, rupture=rid[ag, am, al], session=np.full(len(ag), t)))
            seen |= for_rupture & owner

        # 7. outcomes: measured, then moved by this session's work
        alliance = latent[:, :, ML, :PW + 1].mean(axis=-1) - intercept[: PW + 1].mean() - growth[: PW + 1].mean() * t
        cohesion = latent[:, :, MG, PB] - intercept[PB] - growth[PB] * t
        open_strain = (active & (onset < t)).any(axis=-1)
        oq[:, :, t] = np.where(present, np.clip(np.rint(oq_true + out.sd_session * z[:, :, Z_OQ]), 0, 180), np.nan)
        step = rate + corrective + out.alliance_effect * alliance + out.cohesion_effect * cohesion - out.strain_effect * open_strain
        oq_true = np.where(present, np.clip(oq_true - step, 0, 180), oq_true)

        # 8. dropout after the session
        if t < S - 1:
            hazard = np.minimum(d.dropout_hazard * np.exp(out.strain_dropout * open_strain), 1)
            leave = eligible & ~sc["keep"][t + 1 :].any(axis=0) & (u[:, :, U_DROP] < hazard)
            dropped |= leave

    def frame(name: str, columns: tuple[str, ...]) -> pd.DataFrame:
        rows = log[name]
        if not rows:
            return pd.DataFrame({c: np.array([], dtype=int) for c in columns})
        return pd.DataFrame({c: np.concatenate([r[c] for r in rows]) for c in columns})

    return Result(
        responses=responses,
        attended=attended,
        oq=oq,
        joined=join_at,
        dropped=dropped,
        baseline_oq=baseline_oq,
        therapist=therapist,
        feedback=feedback,
        ruptures=frame("ruptures", ("group", "rupture", "session", "level", "type", "member", "source", "severity", "cause")),
        repairs=frame("repairs", ("group", "rupture", "session", "quality")),
        alerts=frame("alerts", ("group", "rupture", "session")),
    )


def check_seed(seed: object) -> None:
    """Raise unless ``seed`` is None, a non-negative whole number or a SeedSequence."""
    ok = seed is None or isinstance(seed, np.random.SeedSequence) or (isinstance(seed, numbers.Integral) and not isinstance(seed, bool) and seed >= 0)
    if not ok:
        raise GQConfigError("seed", seed, "None, a whole number of at least 0, or a numpy SeedSequence")
