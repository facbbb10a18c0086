"""Simulated therapy groups with injected ruptures and repairs, and the truth about them.

``simulate`` is the entry point; :mod:`.config` holds the cited defaults, :mod:`.model` the
generative story, :mod:`.cohort` the tables it produces.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence

import numpy as np

from ..detect import FEEDBACK_RULE, Rule
from ..errors import GQConfigError
from ..instrument import Instrument, instrument_or_default
from .cohort import EVENT_COLUMNS, EVENT_KINDS, Cohort, build
from .config import (
    CultureModel,
    GroupDesign,
    OutcomeModel,
    ProgressModel,
    RelationshipModel,
    RepairModel,
    RuptureModel,
    SimulationConfig,
    TherapistModel,
    describe_defaults,
)
from .model import check_seed, group_seeds, run
from .round_robin import RoundRobinModel, SimulatedRoundRobin, round_robin_ratings
from .ruptures import Rupture

__all__ = [
    "EVENT_COLUMNS",
    "EVENT_KINDS",
    "Cohort",
    "CultureModel",
    "GroupDesign",
    "OutcomeModel",
    "ProgressModel",
    "RelationshipModel",
    "RepairModel",
    "RoundRobinModel",
    "Rupture",
    "RuptureModel",
    "SimulatedRoundRobin",
    "SimulationConfig",
    "TherapistModel",
    "describe_defaults",
    "group_seeds",
    "round_robin_ratings",
    "simulate",
]


MODEL_SCALE = (1, 7)
"""The answer scale the model works on; :func:`simulate` refuses an instrument on another."""

MAX_GROUPS = 50_000
"""The most groups one call simulates (10,000 groups of 8 x 16 take about 1.2 GB)."""


def simulate(
    config: SimulationConfig | None = None,
    *,
    n_groups: int = 1,
    seed: int | np.random.SeedSequence | Sequence[np.random.SeedSequence] | None = None,
    ruptures: Sequence[Rupture] = (),
    feedback: bool | Rule | None = None,
    instrument: Instrument | None = None,
    **overrides: object,
) -> Cohort:
    """Simulate therapy groups answering the instrument, with ruptures, repairs and outcomes.

    Parameters
    ----------
    config : SimulationConfig, optional
        The model's parameters; default ``SimulationConfig()``, whose defaults cite their
        sources (``describe_defaults()``).
    n_groups : int, default 1
        How many groups, 1 to :data:`MAX_GROUPS` (50,000).
    seed : int, SeedSequence, list of SeedSequence, or None, default None
        A whole number of at least 0; None draws fresh entropy. Same seed, same bytes. Group *k* uses the *k*-th stream spawned from ``seed``
        (:func:`group_seeds`); pass a list of such streams to simulate chosen groups alone
        (group *k* of a large run equals ``simulate(seed=[group_seeds(seed, n)[k]])``).
    ruptures : list or tuple of Rupture, default ()
        Ruptures scripted by hand, placed in every group (on top of the random ones); at
        most one per member and level.
    feedback : bool or Rule, optional
        ``True``: every group runs with feedback from the default rule (:data:`~gqkit.detect.FEEDBACK_RULE`, a change alert);
        a rule: every group runs with feedback from that rule; ``False``: no group does;
        ``None``: the share ``config.feedback_share`` of groups does (default 0). Feedback
        means both the rule's relationship alerts and the OQ not-on-track alerts
        (:class:`ProgressModel`) reach the leader.
    instrument : Instrument, optional
        The item key members answer (e.g. a licensed key from :meth:`Instrument.from_csv`);
        default :meth:`Instrument.default`. Its answers must run from 1 to 7
        (``response_range`` (1, 7)): the model's levels, severities, item noise and the
        detection rules' thresholds are 1-7 answer points, calibrated there, and mapping
        them onto another range would change what they mean. So an instrument on another
        scale is refused, not rescaled (nor its answers cut to its range).
    **overrides
        Parameters changed by name, e.g. ``n_members=6`` (see
        :meth:`SimulationConfig.with_overrides`).

    Returns
    -------
    Cohort

    Raises
    ------
    GQConfigError
        For any argument or override out of range, a scripted rupture that does not fit
        the group, or an ``instrument`` whose answers do not run from 1 to 7.

    Examples
    --------
    >>> c = simulate(seed=1, ruptures=[Rupture(session=4, level="ML", type="withdrawal", member=2, repaired_at=6)])
    >>> c.events.query("cause == 'scripted'")[["session", "kind", "level", "member"]].to_dict("records")
    [{'session': 4, 'kind': 'rupture', 'level': 'ML', 'member': 'm02'}, {'session': 6, 'kind': 'repair', 'level': 'ML', 'member': 'm02'}]
    """
    if config is not None and not isinstance(config, SimulationConfig):
        raise GQConfigError("config", type(config).__name__, "a SimulationConfig (SimulationConfig.from_dict turns a dict into one)")
    if isinstance(ruptures, Rupture) or not isinstance(ruptures, (list, tuple)):
        raise GQConfigError("ruptures", ruptures, "a list of gqkit.Rupture (empty for none)")
    cfg = (config or SimulationConfig()).with_overrides(**overrides)
    if not (isinstance(n_groups, numbers.Integral) and not isinstance(n_groups, bool) and 1 <= n_groups <= MAX_GROUPS):
        raise GQConfigError("n_groups", n_groups, f"a whole number from 1 to {MAX_GROUPS:,} (more in one call would not fit in memory; gqkit.trial runs larger studies in chunks)")
    if isinstance(seed, (list, tuple)):
        if len(seed) != n_groups and n_groups != 1:
            raise GQConfigError("seed", f"{len(seed)} streams", f"one stream per group ({n_groups})")
        if not all(isinstance(s, np.random.SeedSequence) for s in seed):
            raise GQConfigError("seed", seed, "a list of numpy SeedSequence streams")
        seeds = list(seed)
    else:
        check_seed(seed)
        seeds = group_seeds(seed, n_groups)
    if feedback is None:
        rule, share = FEEDBACK_RULE, cfg.feedback_share
    elif isinstance(feedback, bool):
        rule, share = FEEDBACK_RULE, float(feedback)
    elif isinstance(feedback, Rule):
        rule, share = feedback, 1.0 if "feedback_share" not in overrides else cfg.feedback_share
    else:
        raise GQConfigError("feedback", feedback, "True, False, None or a detection rule")
    for r in ruptures:
        if not isinstance(r, Rupture):
            raise GQConfigError("ruptures", r, "a sequence of gqkit.Rupture")
    instrument = instrument_or_default(instrument)
    if instrument.response_range != MODEL_SCALE:
        raise GQConfigError("instrument", f"Instrument with answers {instrument.response_range[0]} to {instrument.response_range[1]}",
                            "an item key answered on the 1-7 scale the model's parameters are calibrated on (response_range=(1, 7))")  # fmt: skip
    result = run(cfg, seeds, instrument, ruptures, rule, share)
    return build(result, cfg, seeds, rule.name, instrument)
