"""Member-member ruptures: DyadDrop (members' GQ scores) beside PairDrop (round-robin relationship effects).

Run: .venv/bin/python benchmarks/dyad_rules.py [n_groups] [seed]

Two cohorts of ``n_groups`` simulated groups of the default model, each with the default round
robin (every 4th session rated, two bond and two conflict items):

* **rupture-free** (``seed``; no random ruptures, no microaggressions): alerts per group, the
  share of members in an alert (for a pair rule, both members of the pair) and, for a pair rule,
  the share of pairs alerted -- all false;
* **default** (``seed + 1``): each rule's alerts matched to the member-member ruptures as
  ``gqkit.evaluate.match_events`` matches them (window 0-3 sessions; a pair alert counts for
  either member, ``gqkit.dyads.member_detections``), with ``gqkit.dyads.compare_dyad_rules``'
  recall among the ruptures a round robin saw, delay from onset and the share of found ruptures
  whose pair the rule named; and, for the pair rules, the pair-level view against the round
  robin's truth (``gqkit.dyads.match_pairs``).

Rules: DyadDrop and PairDrop at their defaults; PairDrop with its threshold raised until it
flags no more members of the rupture-free groups than DyadDrop does (the same false-positive
rate, calibrated on the rupture-free cohort, scored on the default one); and PairDrop at its
defaults on round robins in every 2nd session (twice the burden on members, half the delay);
and, as a sensitivity check on an assumed parameter, PairDrop on round robins in which a rupture
shifts the pair's ratings by 3 or 4 relationship SDs instead of ``RoundRobinModel.shock``'s 2
(the rupture-free groups have no rupture to shift, so their rows repeat PairDrop's).
"""

import sys
import time

import numpy as np
import pandas as pd

from gqkit import RoundRobinModel, round_robin_ratings, simulate
from gqkit.detect import DyadDrop
from gqkit.dyads import PAIR_SEP, PairDrop, compare_dyad_rules, match_pairs, pair_metrics, relationship_panel

n_groups = int(sys.argv[1]) if len(sys.argv) > 1 else 300
seed = int(sys.argv[2]) if len(sys.argv) > 2 else 5
start = time.perf_counter()
quiet = simulate(n_groups=n_groups, seed=seed, rate={"MM": 0.0, "ML": 0.0, "MG": 0.0}, microaggression_rate=0.0)
cohort = simulate(n_groups=n_groups, seed=seed + 1)
n_sessions = cohort.attended.shape[-1]
every_2 = list(range(2, n_sessions + 1, 2))
quiet_rr, quiet_rr2 = round_robin_ratings(quiet), round_robin_ratings(quiet, sessions=every_2)
rr, rr2 = round_robin_ratings(cohort), round_robin_ratings(cohort, sessions=every_2)
quiet_pairs, quiet_pairs2 = relationship_panel(quiet_rr), relationship_panel(quiet_rr2)
pairs, pairs2 = relationship_panel(rr), relationship_panel(rr2)
strong = {shock: round_robin_ratings(cohort, RoundRobinModel(shock=shock)) for shock in (3.0, 4.0)}
seen = int((quiet.members["n_attended"] > 0).sum())


def flagged_members(found: pd.DataFrame) -> pd.DataFrame:
    """(group, member) of everyone an alert names: both members of an alerted pair."""
    ids = found["member"].astype(str)
    if len(found) and ids.str.contains(PAIR_SEP, regex=False).all():
        parts = ids.str.split(PAIR_SEP, regex=False)
        ids = pd.concat([parts.str[0], parts.str[1]], ignore_index=True)
        groups = pd.concat([found["group"], found["group"]], ignore_index=True)
        return pd.DataFrame({"group": groups.astype(str), "member": ids.astype(str)}).drop_duplicates()
    return found[["group", "member"]].astype(str).drop_duplicates()


def false_positives(label: str, found: pd.DataFrame, n_pairs: int | None) -> dict:
    return {"rule": label, "alerts per group": len(found) / n_groups, "members in an alert": len(flagged_members(found)) / seen,
            "pairs alerted": found[["group", "member"]].drop_duplicates().shape[0] / n_pairs if n_pairs else np.nan}  # fmt: skip


# DyadDrop's false-positive member share on the rupture-free groups, and the PairDrop threshold that matches it
dyad_quiet = DyadDrop().detect(quiet.panel())
target = len(flagged_members(dyad_quiet)) / seen
thresholds = np.round(np.arange(1.55, 3.01, 0.05), 2)
matched = next((t for t in thresholds if len(flagged_members(PairDrop(threshold=float(t)).detect(quiet_pairs))) / seen <= target), thresholds[-1])
rules = {
    "dyad_drop": (DyadDrop(), quiet.panel(), cohort.panel(), None),
    "pair_drop": (PairDrop(), quiet_pairs, pairs, rr),
    f"pair_drop threshold={matched} (DyadDrop's FP)": (PairDrop(threshold=float(matched)), quiet_pairs, pairs, rr),
    "pair_drop, rated every 2nd session": (PairDrop(), quiet_pairs2, pairs2, rr2),
    **{f"pair_drop, shock {shock:g} SDs": (PairDrop(), quiet_pairs, relationship_panel(rated), rated) for shock, rated in strong.items()},
}
quiet_rows, found = [], {}
for label, (rule, quiet_panel, panel, _) in rules.items():
    n_pairs = None if isinstance(rule, DyadDrop) else len(quiet_panel.units) // 2
    quiet_rows.append(false_positives(label, rule.detect(quiet_panel), n_pairs))
    found[label] = rule.detect(panel)
# each rule against the round robin it read (the GQ rule against the default one: which ruptures a round robin saw)
table = pd.concat([compare_dyad_rules(cohort, rules[label][3] or rr, {label: found[label]}) for label in found], ignore_index=True)
pair_rows = [{"rule": label, **pair_metrics(match_pairs(rules[label][3], found[label], events=cohort))} for label in found if rules[label][3] is not None]

pd.set_option("display.width", 250)
pd.set_option("display.max_columns", 30)
print(f"# {n_groups} rupture-free groups (seed {seed}) and {n_groups} default groups (seed {seed + 1}); {time.perf_counter() - start:.0f} s")
print("\n## Rupture-free groups: every alert is false")
print(pd.DataFrame(quiet_rows).round(4).to_string(index=False))
print("\n## Default groups, member level (match_events, window 0-3; visible = open in a rated session both members attended)")
print(table.round(3).to_string(index=False))
print("\n## Default groups, pair level (match_pairs against the round robin's truth; delay in sessions from the first rated session that saw it)")
print(pd.DataFrame(pair_rows).round(3).to_string(index=False))
