"""Figures: thin layers over tidy tables (seaborn style: long data in, column names as arguments).

Every function draws on ``ax`` (a new one when omitted) and returns it. Colours are colour-blind
safe: the ``cividis`` map for scores (reversed for a scale on which higher is worse, so dark is
the bad end on every scale) and the Okabe-Ito palette for markers. One module per subject:

* :mod:`gqkit.plots.scores`: member x session heatmaps and trajectories with rupture and repair marks;
* :mod:`gqkit.plots.detection`: a rule's alerts over the truth, and its threshold sweep;
* :mod:`gqkit.plots.outcomes`: repair paths, outcomes by rupture status, a trial's change by arm;
* :mod:`gqkit.plots.round_robin`: round-robin matrices and their Social Relations Model decomposition.

Everything is importable from ``gqkit.plots`` itself.
"""

from .alerts import ALERT_COLOURS, ALERT_STYLES, alert_heatmaps, mark_alerts
from .detection import OUTCOME_STYLES, detection_grid, sweep_curve
from .outcomes import NOT_AT_RISK_COLOUR, STATUS_COLOURS, repair_paths, status_outcomes, trial_change
from .round_robin import RELATIONSHIP_COLORMAP, SRM_PANELS, round_robin_matrix, round_robin_slice, srm_decomposition
from .scores import (
    MARK_STYLES,
    MEMBER_COLOURS,
    REPAIR_COLOUR,
    RUPTURE_COLOUR,
    SCORE_COLORMAP,
    heatmap,
    heatmap_grid,
    level_heatmaps,
    mark_heatmap,
    scale_colormap,
    trajectories,
)

__all__ = [
    "ALERT_COLOURS",
    "ALERT_STYLES",
    "MARK_STYLES",
    "MEMBER_COLOURS",
    "NOT_AT_RISK_COLOUR",
    "OUTCOME_STYLES",
    "RELATIONSHIP_COLORMAP",
    "REPAIR_COLOUR",
    "RUPTURE_COLOUR",
    "SCORE_COLORMAP",
    "SRM_PANELS",
    "STATUS_COLOURS",
    "alert_heatmaps",
    "detection_grid",
    "heatmap",
    "heatmap_grid",
    "level_heatmaps",
    "mark_alerts",
    "mark_heatmap",
    "repair_paths",
    "round_robin_matrix",
    "round_robin_slice",
    "scale_colormap",
    "srm_decomposition",
    "status_outcomes",
    "sweep_curve",
    "trajectories",
    "trial_change",
]
