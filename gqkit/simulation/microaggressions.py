"""What happened to the microaggressions of a simulated cohort, read from its truth tables.

One row per microaggression (:func:`microaggressions`), one row per member who witnessed one
with their role (:func:`roles`), and the two statistics the calibration report checks against
Owen et al. (2014): the share addressed (:func:`addressed_share`) and how targets' alliance with
the leader ends (:func:`alliance_gap`). :mod:`gqkit.culture` builds notebook 06 on them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .cohort import Cohort

__all__ = ["ROLES", "addressed_share", "alliance_gap", "microaggressions", "roles"]

ROLES = ("target", "source", "bystander")
"""The roles a member can have in a microaggression: its target, the member who made it, a witness."""


def microaggressions(cohort: Cohort) -> pd.DataFrame:
    """One row per microaggression (cultural rupture) of a simulated cohort.

    Parameters
    ----------
    cohort : Cohort
        A simulated cohort.

    Returns
    -------
    DataFrame
        group, rupture_id, session (onset), level (ML: from the leader; MM: from a member),
        dimension, visible (the dimension can be seen), member (the target), source (``leader``
        or the member who made it), member_named (a member named it), response (one of
        :data:`~gqkit.simulation.config.RESPONSES`), response_session (empty when not addressed), quality (of the
        response), and resolved (it ended before the course did, by the response or by fading).

    Examples
    --------
    >>> from gqkit import Rupture, simulate
    >>> c = simulate(seed=1, ruptures=[Rupture(session=4, level="MM", type="cultural", member=2, source=5, response="addressed")])
    >>> microaggressions(c).query("member == 'm02'")[["session", "source", "response", "response_session"]].to_dict("records")
    [{'session': 4, 'source': 'm05', 'response': 'addressed', 'response_session': 4}]
    """
    events = cohort.events
    rows = events[(events["kind"] == "rupture") & (events["type"] == "cultural")]
    table = rows[["group", "rupture_id", "session", "level", "dimension", "member", "source", "member_named", "response", "resolved"]].copy()
    visible = {label: spec["visible"] for label, spec in cohort.config.culture.dimensions.items()}
    table.insert(5, "visible", table["dimension"].map(visible).astype(bool))
    answers = events[(events["kind"] == "repair") & (events["type"] == "cultural")].set_index("rupture_id")
    table["response_session"] = table["rupture_id"].map(answers["session"]).astype("Int64")
    table["quality"] = table["rupture_id"].map(answers["quality"]).astype(float)
    order = ["group", "rupture_id", "session", "level", "dimension", "visible", "member", "source", "member_named", "response",
             "response_session", "quality", "resolved"]  # fmt: skip
    return table[order].reset_index(drop=True)


def roles(cohort: Cohort) -> pd.DataFrame:
    """Every member who was there when a microaggression happened, with their role in it.

    Parameters
    ----------
    cohort : Cohort
        A simulated cohort.

    Returns
    -------
    DataFrame
        One row per microaggression and member present at its session: group, rupture_id,
        session, member, role (one of :data:`ROLES`), response (the leader's, to this
        microaggression). A microaggression from the leader has no ``source`` row.

    Examples
    --------
    >>> from gqkit import Rupture, simulate
    >>> from gqkit.repair import QUIET
    >>> c = simulate(seed=1, ruptures=[Rupture(session=4, level="MM", type="cultural", member=2, source=5)], **QUIET)
    >>> roles(c)["role"].value_counts().to_dict()
    {'bystander': 6, 'target': 1, 'source': 1}
    """
    table = microaggressions(cohort)
    group_index = pd.Index(cohort.groups["group"]).get_indexer(table["group"])
    present = cohort.attended[group_index, :, table["session"].to_numpy(int) - 1]  # (microaggressions, members)
    which, member = np.nonzero(present)
    ids = np.array([f"m{m + 1:02d}" for m in range(cohort.attended.shape[1])], dtype=object)
    rows = table.iloc[which][["group", "rupture_id", "session", "member", "source", "response"]].reset_index(drop=True)
    rows["role"] = np.where(ids[member] == rows["member"], "target", np.where(ids[member] == rows["source"], "source", "bystander"))
    rows["member"] = ids[member]
    return rows[["group", "rupture_id", "session", "member", "role", "response"]].astype({"member": str})


def addressed_share(cohort: Cohort) -> float:
    """Share of microaggressions the leader ever addressed (a shaming response counts as addressed).

    Compare Owen et al. (2014): about 76% of microaggressions were never discussed.

    Parameters
    ----------
    cohort : Cohort
        A simulated cohort.

    Returns
    -------
    float
        A share from 0 to 1; NaN without microaggressions.

    Examples
    --------
    >>> from gqkit import Rupture, simulate
    >>> scripted = Rupture(session=4, level="ML", type="cultural", member=2, response="addressed")
    >>> addressed_share(simulate(seed=1, ruptures=[scripted], microaggression_rate=0.0))
    1.0
    """
    response = microaggressions(cohort)["response"]
    return float((response != "not addressed").mean()) if len(response) else float("nan")


def alliance_gap(cohort: Cohort, first_onset: int = 3) -> dict[str, float]:
    """How far targets' alliance with the leader ends from unaffected members', in SD units.

    The statistic behind the calibration rows on Owen et al. (2014): discussed microaggressions
    left the alliance like none, undiscussed ones lowered it. For each member seen at least four
    times, *end* is their alliance with the leader (mean of the PB and PW member-leader scores)
    over their last two attended sessions and *start* the same over sessions 1-2. **Unaffected**
    members had no rupture and made no remark; **targets** had microaggressions as their only
    ruptures, the first at session ``first_onset`` or later (so that the start is before it),
    and all of them addressed (``"addressed"``) or none (``"not addressed"``). Each value is the
    coefficient of being such a target in the regression of end on start, over targets and
    unaffected members (an analysis of covariance, which removes the members' stable
    differences), divided by the SD of end among unaffected members. Below zero: targets end
    lower.

    Parameters
    ----------
    cohort : Cohort
        A simulated cohort (large enough to hold five targets of each kind).
    first_onset : int, default 3
        The earliest session a target's first microaggression may have.

    Returns
    -------
    dict
        ``{"addressed": ..., "not addressed": ...}``, NaN where fewer than 5 such targets.
    """
    scores = cohort.scores()
    ml = scores[(scores["level"] == "ML") & scores["scale"].isin(["PB", "PW"])].dropna(subset=["score"])
    ml = ml.groupby(["group", "member", "session"])["score"].mean().reset_index()
    from_end = ml.groupby(["group", "member"])["session"].rank(ascending=False)
    members = cohort.members.set_index(["group", "member"])
    members = members.join(ml[from_end <= 2].groupby(["group", "member"])["score"].mean().rename("end"))
    members = members.join(ml[ml["session"] <= 2].groupby(["group", "member"])["score"].mean().rename("start"))
    table = microaggressions(cohort)
    per_target = table.assign(addressed=table["response"] != "not addressed").groupby(["group", "member"]).agg(
        all_addressed=("addressed", "all"), any_addressed=("addressed", "any"), onset=("session", "min"))
    members = members.join(per_target)
    members = members[members["n_attended"] >= 4].dropna(subset=["start", "end"])
    unaffected = members[(members["n_ruptures"] == 0) & (members["n_remarks"] == 0)]
    targets = members[(members["n_targeted"] > 0) & (members["n_ruptures"] == members["n_targeted"]) & (members["onset"] >= first_onset)]
    gaps = {}
    for response, chosen in (("addressed", targets["all_addressed"] == True), ("not addressed", targets["any_addressed"] == False)):  # noqa: E712
        group = targets[chosen.fillna(False).astype(bool)]
        if len(group) < 5:
            gaps[response] = float("nan")
            continue
        both = pd.concat([unaffected.assign(target=0.0), group.assign(target=1.0)])
        design = np.column_stack([np.ones(len(both)), both["start"], both["target"]])
        coef = np.linalg.lstsq(design, both["end"].to_numpy(float), rcond=None)[0]
        gaps[response] = float(coef[2] / unaffected["end"].std())
    return gaps
