"""Canonical simulated datasets: what they are, how to load them, how to make them again.

Each dataset is a :class:`~gqkit.simulation.Cohort` folder under ``gqkit/data/synthetic/``
(``data/synthetic/`` in a checkout points there), with a data card (``README.md``). They ship
inside the package, so :func:`load_example` works offline from a checkout or an installed
wheel. ``make examples`` rebuilds them bit for bit from
the recipes below; a test checks that it does.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import pandas as pd

from .errors import GQConfigError
from .simulation import Cohort, Rupture, SimulationConfig, simulate
from .simulation.cohort import EVENT_COLUMNS

__all__ = ["EXAMPLES", "list_examples", "load_example", "write_example"]


@dataclass(frozen=True)
class Example:
    """The recipe of one canonical dataset (the values of :data:`EXAMPLES`).

    Parameters
    ----------
    name : str
        The dataset's name, also its folder's name and the key in :data:`EXAMPLES`.
    title : str
        A one-line description, shown by :func:`list_examples` and the data card.
    good_for : str
        What the dataset suits, in plain words.
    n_groups : int
        How many groups to simulate.
    seed : int
        The simulation's seed (group *k* uses the *k*-th stream spawned from it).
    overrides : dict, default {}
        Changes to the default configuration, as for
        :meth:`~gqkit.simulation.SimulationConfig.from_overrides`.
    ruptures : tuple of Rupture, default ()
        Scripted ruptures put in every group.
    """

    name: str
    title: str
    good_for: str
    n_groups: int
    seed: int
    overrides: dict = field(default_factory=dict)
    ruptures: tuple[Rupture, ...] = ()

    def make(self) -> Cohort:
        """Simulate the dataset from this recipe.

        Returns
        -------
        Cohort
            The simulated groups, the same on every run.
        """
        return simulate(SimulationConfig.from_overrides(**self.overrides), n_groups=self.n_groups, seed=self.seed, ruptures=self.ruptures)


EXAMPLES = {
    e.name: e
    for e in (
        Example(
            name="classroom",
            title="One group, one scripted rupture at each level, no random ruptures",
            good_for="a first look in class: find the member-member, member-leader and member-group ruptures in the "
            "heatmaps, see a repaired V (with a higher right arm) next to an unrepaired drop",
            n_groups=1,
            seed=20261125,
            overrides={"rate": {"MM": 0.0, "ML": 0.0, "MG": 0.0}, "microaggression_rate": 0.0, "dropout_hazard": 0.0, "attendance": 0.95},
            ruptures=(
                Rupture(session=5, level="MM", type="confrontation", member=2, source=5, severity=1.6, repaired_at=7, quality=0.9),
                Rupture(session=8, level="ML", type="withdrawal", member=3, severity=1.8),
                Rupture(session=11, level="MG", type="withdrawal", member=6, severity=1.6, repaired_at=13, quality=0.85),
            ),
        ),
        Example(
            name="course",
            title="Twelve groups under the default model",
            good_for="course exercises: ruptures of every level and type, repairs, dropout and outcomes across groups",
            n_groups=12,
            seed=2026,
        ),
        Example(
            name="research",
            title="Two hundred groups, half run with feedback (change alerts)",
            good_for="prototyping detection rules and comparing feedback on vs off, with the injected truth to score against",
            n_groups=200,
            seed=7,
            overrides={"feedback_share": 0.5},
        ),
    )
}


def _root() -> Path:
    return Path(str(resources.files("gqkit") / "data" / "synthetic"))


def list_examples() -> pd.DataFrame:
    """The shipped datasets: name, title, groups, what each is good for.

    Returns
    -------
    DataFrame
        One row per dataset of :data:`EXAMPLES`, with columns name, title, n_groups and
        good_for.

    Examples
    --------
    >>> list_examples()["name"].tolist()
    ['classroom', 'course', 'research']
    """
    return pd.DataFrame([{"name": e.name, "title": e.title, "n_groups": e.n_groups, "good_for": e.good_for} for e in EXAMPLES.values()])


def load_example(name: str) -> Cohort:
    """Load a shipped dataset as a :class:`~gqkit.simulation.Cohort` (no network needed).

    Parameters
    ----------
    name : {"classroom", "course", "research"}
        Which dataset (a key of :data:`EXAMPLES`; :func:`list_examples` describes them).

    Returns
    -------
    Cohort
        The dataset as it was written by ``make examples``.

    Raises
    ------
    GQConfigError
        If ``name`` is not a shipped dataset.

    Examples
    --------
    >>> load_example("classroom").events.query("kind == 'rupture'")["level"].tolist()
    ['MM', 'ML', 'MG']
    """
    if name not in EXAMPLES:
        raise GQConfigError("name", name, f"one of {', '.join(EXAMPLES)}")
    return Cohort.from_dir(_root() / name)


def write_example(example: Example, root: Path) -> Path:
    """Simulate ``example`` and write it, with its data card, to ``root / example.name``.

    Parameters
    ----------
    example : Example
        The recipe, usually a value of :data:`EXAMPLES`.
    root : Path
        The folder that receives the dataset's folder; an existing dataset folder of the
        same name is overwritten.

    Returns
    -------
    Path
        The dataset's folder.
    """
    cohort = example.make()
    path = cohort.to_dir(root / example.name, overwrite=True)
    (path / "README.md").write_text(_data_card(example, cohort))
    return path


def _data_card(example: Example, cohort: Cohort) -> str:
    ruptures = "\n".join(f"  - `{r!r}`" for r in example.ruptures) or "  - none"
    events = cohort.events
    design = cohort.config.design
    return f"""# {example.name}: {example.title}

**Good for:** {example.good_for}.

## How it was made
Simulated by gqkit's generative model (`gqkit.simulation`); regenerate with `make examples`
(a test checks that this reproduces these files byte for byte).

- groups: {example.n_groups}; members per group: {design.n_members}; sessions: {design.n_sessions}
- seed: {example.seed} (group *k* uses the *k*-th stream spawned from it)
- changes to the default configuration: `{json.dumps(example.overrides, sort_keys=True)}`
- scripted ruptures (in every group):
{ruptures}
- full configuration: `config.json`; defaults and their sources: `gqkit.simulation.describe_defaults()`

## What is in it
- {int((events.kind == 'rupture').sum())} ruptures, {int((events.kind == 'repair').sum())} repair attempts
  ({int(((events.kind == 'repair') & events.resolved).sum())} of them resolved the rupture) and {int((events.kind == 'fade').sum())} ruptures that faded on their own;
  {int(cohort.members.dropped_out.sum())} of {len(cohort.members)} members dropped out;
  {int(cohort.groups.feedback.sum())} of {cohort.n_groups} groups ran with feedback;
  {int(((events.kind == 'rupture') & (events.type == 'cultural')).sum())} of the ruptures were microaggressions (cultural ruptures),
  {int(((events.kind == 'rupture') & (events.type == 'cultural') & (events.response != 'not addressed')).sum())} of them addressed by the leader.

## Files and columns
- `responses.csv`: one row per attended member-session; group, member, session, then the answer to
  each item (`gq01`...), empty where the member skipped the item. Load the tidy long table with
  `gqkit.load_example("{example.name}").responses`.
- `events.csv`: the injected truth, one row per rupture, per repair attempt and per rupture that faded on its
  own: {", ".join(EVENT_COLUMNS)}. `rupture_id` links them; `resolved` says whether an attempt ended the
  rupture (on a rupture row: whether it ended before the course did); `alert_session` is the first session at
  which the simulated leader saw a feedback alert about that rupture. On the rows of a microaggression (type
  `cultural`), `dimension` is the identity dimension it touched, `response` the leader's response (not addressed,
  addressed or shaming; a repair row is the response) and `member_named` whether a member named it; these cells
  are empty on other rows.
- `outcomes.csv`: group, member, session, oq (OQ-45-like total, 0-180, higher is worse), expected (the recovery
  curve expected from the member's first OQ), not_on_track, supported (clinical support that session).
- `members.csv`: group, member, therapist, marginalised (the identity dimensions on which the member holds a
  marginalised position, joined by `;`), joined, left, dropped_out, baseline_oq, first_oq, final_oq, n_attended,
  n_ruptures, n_attempts (repair attempts), n_repaired, n_faded, not_on_track, not_session, n_supported, and the
  member's roles in microaggressions: n_targeted, n_remarks (made one), n_witnessed (present, with no other role).
- `groups.csv`: group, therapist, feedback, the therapist's factors (0-1, including the three facets of
  multicultural orientation), feedback_rule, leader_marginalised (as for members), norm_setting, seed, spawn_key.
- The identity dimensions are abstract ("identity A" ...) with assumed shares; see `config.json` (`culture`).
- `instrument.csv`: the item key (item, scale, level, answer range); `config.json`: the simulation configuration.

The items are gqkit's illustrative items with the Group Questionnaire's structure, not the GQ's wording.
"""


def main(argv: list[str] | None = None) -> None:
    """Regenerate every dataset (or the ones named) into the package's data folder.

    Parameters
    ----------
    argv : list of str, optional
        Names of datasets to regenerate; default: the command line's arguments, and every
        dataset when there are none.
    """
    names = (argv if argv is not None else sys.argv[1:]) or list(EXAMPLES)
    for name in names:
        print(write_example(EXAMPLES[name], _root()))

