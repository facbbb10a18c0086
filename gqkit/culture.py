"""Cultural ruptures: microaggressions, the leader's response, and what each role goes through.

The science behind notebook 06 and :class:`gqkit.culture_widgets.ScenarioExplorer`, on a
simulated cohort's truth (``cohort.events``, ``cohort.members``; the model is
:class:`gqkit.simulation.CultureModel`):

- :func:`microaggressions`: one row per microaggression -- its dimension, who made it, whether a
  member named it, and the leader's response (addressed, shaming or not addressed) and when;
- :func:`roles`: one row per microaggression and member who was there -- target, the member who
  made the remark (source), or bystander;
- :func:`addressed_share`: the share of microaggressions the leader ever addressed (Owen et al.,
  2014: about a quarter were discussed);
- :func:`alliance_gap`: how far targets' alliance with the leader ends below unaffected members',
  for addressed and unaddressed microaggressions;
- :func:`scenario`: one scripted microaggression in replicate groups that share every random
  number, with the target's, the remark-maker's and the bystanders' relationship and OQ paths.
"""

from __future__ import annotations

import numbers
import warnings
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

from .errors import GQConfigError
from .repair import QUIET
from .scoring import score_array
from .simulation import Rupture, SimulationConfig, simulate
from .simulation.config import RESPONSES
from .simulation.microaggressions import ROLES, addressed_share, alliance_gap, microaggressions, roles

__all__ = ["MEASURES", "RESPONSES", "ROLES", "Scenario", "addressed_share", "alliance_gap", "microaggressions", "roles", "scenario"]

MEASURES = {
    "alliance": "alliance with the leader (PB and PW, member-leader)",
    "cohesion": "bond with the group (PB, member-group)",
    "oq": "OQ-45 (higher is worse)",
}
"""The paths :func:`scenario` returns for each role."""


@dataclass(frozen=True)
class Scenario:
    """One scripted microaggression, averaged over replicate groups (see :func:`scenario`).

    Made by :func:`scenario`; the fields are kept as attributes of the same names.

    Parameters
    ----------
    rupture : Rupture
        The scripted microaggression.
    sessions : ndarray
        1..n_sessions.
    paths : DataFrame
        Tidy: role, measure (a key of :data:`MEASURES`), session, value (mean over the
        replicate groups, and over bystanders).
    responses : dict
        How often each response happened across the replicates (a share per response).
    n_groups : int
        Replicate groups averaged.
    """

    rupture: Rupture
    sessions: np.ndarray
    paths: pd.DataFrame
    responses: dict[str, float]
    n_groups: int

    def summary(self) -> pd.DataFrame:
        """Per role and measure: mean before the microaggression, and at the end (last two sessions).

        ``change`` = end - before (for the OQ, below zero is improvement).

        Returns
        -------
        DataFrame
            Indexed by (role, measure), roles in the order of :data:`ROLES`; columns before,
            end, change (answer-scale points, OQ-45 points for ``oq``).

        Examples
        --------
        >>> table = scenario(response="addressed").summary()
        >>> list(table.columns), list(table.index.names)
        (['before', 'end', 'change'], ['role', 'measure'])
        """
        p = self.paths
        before = p[p["session"] < self.rupture.session].groupby(["role", "measure"])["value"].mean()
        end = p[p["session"] > self.sessions[-1] - 2].groupby(["role", "measure"])["value"].mean()
        table = pd.DataFrame({"before": before, "end": end})
        table["change"] = table["end"] - table["before"]
        return table.reindex([r for r in ROLES if r in set(p["role"])], level="role")


def scenario(
    *,
    source: str = "member",
    response: str | None = None,
    dimension: str | None = None,
    humility: float = 0.6,
    comfort: float = 0.6,
    opportunities: float = 0.5,
    norm_setting: bool = False,
    onset: int = 5,
    severity: float = 1.5,
    n_groups: int = 16,
    seed: int = 1,
    n_members: int = 8,
    n_sessions: int = 16,
) -> Scenario:
    """A microaggression against member 2 at ``onset``, in quiet replicate groups, by role.

    The same ``n_groups`` groups (same ``seed``: same members, same random numbers) are
    simulated with no random ruptures; only the scripted microaggression and the settings
    differ between calls, so two scenarios differ only by what was changed. The leader's
    multicultural orientation is fixed at the given facets (no spread between therapists).
    Results are cached.

    Parameters
    ----------
    source : {"member", "leader"}, default "member"
        Who makes the remark: member 5 (a member-member rupture) or the leader (member-leader).
    response : {None, "not addressed", "addressed", "shaming"}, default None
        The leader's response; ``None`` lets the simulated leader decide, by their
        multicultural orientation (and then it varies between the replicates). ``"shaming"``
        needs a member source. How *well* it is addressed always comes from humility and
        comfort.
    dimension : str, optional
        The identity dimension (a label of ``CultureModel.dimensions``); default the first.
    humility, comfort, opportunities : float, default 0.6, 0.6 and 0.5
        The leader's multicultural orientation, each 0-1 (the :class:`TherapistModel`
        means; every replicate's leader has exactly these).
    norm_setting : bool, default False
        The group modelled naming identities and power in sessions 1-3
        (``CultureModel.norm_sessions``).
    onset, severity : as for :class:`gqkit.Rupture`, default 5 and 1.5
        ``onset`` from 2 to ``n_sessions`` - 2, so that the summary has sessions before and
        after; ``severity`` in answer-scale points.
    n_groups, seed, n_members, n_sessions : int
        Replicate groups (default 16, at least 1), their seed (default 1) and design
        (default 8 members, at least 5 for a member source; 16 sessions). All parameters
        are keyword only.

    Returns
    -------
    Scenario

    Raises
    ------
    GQConfigError
        For a setting out of range, or a rupture or design the simulator refuses.

    Examples
    --------
    >>> s = scenario(response="addressed")
    >>> sorted(set(s.paths["role"]))
    ['bystander', 'source', 'target']
    >>> s.responses
    {'not addressed': 0.0, 'addressed': 1.0, 'shaming': 0.0}
    """
    if source not in ("member", "leader"):
        raise GQConfigError("source", source, "'member' or 'leader'")
    for name, value in (("humility", humility), ("comfort", comfort), ("opportunities", opportunities)):
        if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0 <= value <= 1:
            raise GQConfigError(name, value, "a value from 0 to 1")
    if isinstance(n_groups, bool) or not isinstance(n_groups, numbers.Integral) or n_groups < 1:
        raise GQConfigError("n_groups", n_groups, "a whole number of at least 1")
    if isinstance(n_sessions, numbers.Integral) and not (isinstance(onset, numbers.Integral) and 2 <= onset <= n_sessions - 2):
        raise GQConfigError("onset", onset, f"a session from 2 to {n_sessions - 2}, so that there are sessions before it and after it")
    dimension = list(SimulationConfig().culture.dimensions)[0] if dimension is None else dimension  # one cache entry per scenario
    rupture = Rupture(session=onset, level="MM" if source == "member" else "ML", type="cultural", member=2,
                      source=5 if source == "member" else None, severity=float(severity), response=response, dimension=dimension)  # fmt: skip
    settings = (float(humility), float(comfort), float(opportunities), bool(norm_setting))
    design = (int(n_groups), int(seed), int(n_members), int(n_sessions))
    paths, responses = _paths(rupture, settings, design)
    return Scenario(rupture, np.arange(1, n_sessions + 1), paths.copy(), dict(responses), int(n_groups))


@lru_cache(maxsize=256)
def _paths(rupture: Rupture, settings: tuple[float, float, float, bool], design: tuple[int, int, int, int]) -> tuple[pd.DataFrame, dict[str, float]]:
    humility, comfort, opportunities, norm_setting = settings
    n_groups, seed, n_members, n_sessions = design
    cohort = simulate(n_groups=n_groups, seed=seed, ruptures=[rupture], n_members=n_members, n_sessions=n_sessions, feedback=False,
                      humility=humility, comfort=comfort, opportunities=opportunities, spread=0.0, norm_setting=norm_setting,
                      **QUIET)  # fmt: skip
    G, M, S, I = cohort.answers.shape
    values, _ = score_array(cohort.answers.reshape(G * M * S, I).astype(float), cohort.instrument)
    values = values.reshape(G, M, S, -1)
    values[~cohort.attended] = np.nan
    facets = cohort.instrument.facets
    alliance = (values[..., facets.index(("PB", "ML"))] + values[..., facets.index(("PW", "ML"))]) / 2
    cohesion = values[..., facets.index(("PB", "MG"))]
    oq = np.full((G, M, S), np.nan)
    o = cohort.outcomes
    oq[pd.Index(cohort.groups["group"]).get_indexer(o["group"]), o["member"].str[1:].astype(int).to_numpy() - 1, o["session"].to_numpy() - 1] = o["oq"]
    target = rupture.member - 1
    who = {"target": [target]}
    if rupture.source is not None:
        who["source"] = [rupture.source - 1]
    who["bystander"] = [m for m in range(M) if m != target and m != (rupture.source or 0) - 1]
    rows = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a session nobody in a role attended stays NaN
        for role, members in who.items():
            for measure, array in (("alliance", alliance), ("cohesion", cohesion), ("oq", oq)):
                rows.append(pd.DataFrame({"role": role, "measure": measure, "session": np.arange(1, S + 1),
                                          "value": np.nanmean(array[:, members], axis=(0, 1))}))  # fmt: skip
    table = microaggressions(cohort)
    mine = table[table["member"] == f"m{rupture.member:02d}"]["response"]
    shares = {r: float((mine == r).mean()) for r in RESPONSES}
    return pd.concat(rows, ignore_index=True), shares
