"""False positives on series without change, and recall on the default model, for every built-in rule.

Run: .venv/bin/python benchmarks/rule_rates.py [n_groups] [seed]

*False-positive members*: the share of members (who attended) with at least one alert in
``n_groups`` simulated groups with no rupture at all (no random ruptures, no microaggressions);
Vittengl et al. (2015) found 4.6-11% false-positive cases for sudden-change rules on series
without change. *Recall*, *precision* and false alarms per 100 member-sessions: on ``n_groups``
default groups (seed + 1), matched to the injected truth with a window of 0-3 sessions.
Each rule at its defaults, and each rupture rule at every level it can watch.
"""

import sys
import time

import pandas as pd

from gqkit import simulate
from gqkit.detect import RULES
from gqkit.evaluate import evaluate

n_groups = int(sys.argv[1]) if len(sys.argv) > 1 else 300
seed = int(sys.argv[2]) if len(sys.argv) > 2 else 5
start = time.perf_counter()
quiet = simulate(n_groups=n_groups, seed=seed, rate={"MM": 0.0, "ML": 0.0, "MG": 0.0}, microaggression_rate=0.0)
cohort = simulate(n_groups=n_groups, seed=seed + 1)
quiet_panel, panel = quiet.panel(), cohort.panel()
facets = set(cohort.instrument.facets)
seen = int((quiet.members["n_attended"] > 0).sum())
rows = []
for name, cls in RULES.items():
    if not cls.finds_ruptures:
        continue
    default = cls()
    for level in dict.fromkeys([default.level, "all", "MM", "ML", "MG"]):
        scales = tuple(s for s in default.scales if (s, level) in facets)
        if not scales:
            continue
        rule = default.replace(level=level, scales=scales) if level != default.level else default
        flagged = rule.detect(quiet_panel)[["group", "member"]].drop_duplicates()
        overall = evaluate(cohort, rule.detect(panel)).set_index(["scope", "key"]).loc[("overall", "all")]
        rows.append({"rule": name, "level": level, "default": level == default.level, "false-positive members": len(flagged) / seen,
                     "recall": overall["recall"], "precision": overall["precision"], "false alarms / 100": overall["false_alarms_per_100"]})  # fmt: skip
pd.set_option("display.width", 200)
print(f"# {n_groups} groups without ruptures (seed {seed}) and {n_groups} default groups (seed {seed + 1}); {time.perf_counter() - start:.0f} s")
print(pd.DataFrame(rows).round(3).to_string(index=False))
