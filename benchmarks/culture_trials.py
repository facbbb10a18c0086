"""Controlled trials of the cultural-rupture mechanisms: effect sizes by role.

Run: .venv/bin/python benchmarks/culture_trials.py [n_groups] [seed]

Each row is a two-arm :func:`gqkit.trial` on shared seeds that changes one thing: an MCO facet
low (0.2) vs high (0.9) with no spread between therapists, norm-setting off vs on, or -- with a
scripted microaggression in every group (member 2 targeted by member 5 in session 5) -- a
shaming response vs the recommended (non-shaming) one. Hedges' g of pre-post OQ change (positive:
the second arm improved more) with its 95% interval, for members targeted by a microaggression,
members who made one, and bystanders (who witnessed one and had no other role).
"""

import sys
import time

import pandas as pd

from gqkit import Rupture, trial

n_groups = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
seed = int(sys.argv[2]) if len(sys.argv) > 2 else 2026
SCRIPT = dict(session=5, level="MM", type="cultural", member=2, source=5)
CONTRASTS = {
    "opportunities 0.2 -> 0.9": ({"opportunities": 0.2}, {"opportunities": 0.9}, {"spread": 0.0}),
    "comfort 0.2 -> 0.9": ({"comfort": 0.2}, {"comfort": 0.9}, {"spread": 0.0}),
    "humility 0.2 -> 0.9": ({"humility": 0.2}, {"humility": 0.9}, {"spread": 0.0}),
    "norm-setting off -> on": ({"norm_setting": False}, {"norm_setting": True}, {}),
    "shaming -> recommended response (scripted)": ({"ruptures": [Rupture(**SCRIPT, response="shaming")]},
                                                   {"ruptures": [Rupture(**SCRIPT, response="addressed")]}, {}),
}
rows = []
start = time.perf_counter()
for name, (low, high, common) in CONTRASTS.items():
    t = trial({"low": low, "high": high}, n_groups=n_groups, seed=seed, progress=False, **common)
    g = t.effects[t.effects["measure"] == "hedges_g change"].set_index("subgroup")
    summary = t.arm_summary().set_index("arm")
    for role in ("targeted", "made a remark", "bystander", "all"):
        r = g.loc[role]
        rows.append({"contrast": name, "role": role, "g": r["estimate"], "ci_low": r["ci_low"], "ci_high": r["ci_high"],
                     "n": int(r["n_arm"] + r["n_reference"])})
pd.set_option("display.width", 200)
print(f"# {n_groups} groups per arm, seed {seed} ({time.perf_counter() - start:.0f} s)")
print(pd.DataFrame(rows).round(3).to_string(index=False))
