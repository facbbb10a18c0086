"""gqkit: see alliance rupture and repair in group therapy.

A sandbox for courses, workshops and researchers: a GQ-structured instrument, validated
import, scoring, simulated groups with known ruptures and repairs, and detection rules.
"""

import sys

from . import simulation as _simulation  # noqa: F401  (loaded so the aliases below cover it)
from .errors import GQConfigError, GQDataError
from .examples import list_examples, load_example
from .instrument import Instrument
from .io import InMemoryFile, read_responses, to_wide
from .round_robin import read_round_robin
from .rule_checks import check_rule
from .scoring import norms, rci, reliability, score
from .simulation import Cohort, RoundRobinModel, Rupture, SimulationConfig, round_robin_ratings, simulate
from .simulation import calibration as _calibration  # noqa: F401  (loaded, like simulation above, for the aliases below)
from .srm import SRMResult, srm
from .trials import Trial, trial

# The package was called ``gqkit.simulate`` until 0.1, which the function ``gqkit.simulate``
# hid. Old imports (``from gqkit.simulate import describe_defaults``,
# ``from gqkit.simulate.calibration import calibration_report``) keep working through these
# aliases; new code imports from ``gqkit.simulation``.
for _name, _module in list(sys.modules.items()):
    if _name == "gqkit.simulation" or _name.startswith("gqkit.simulation."):
        sys.modules.setdefault("gqkit.simulate" + _name[len("gqkit.simulation"):], _module)
del _name, _module

__all__ = [
    "Cohort",
    "GQConfigError",
    "GQDataError",
    "InMemoryFile",
    "Instrument",
    "RoundRobinModel",
    "Rupture",
    "SRMResult",
    "SimulationConfig",
    "Trial",
    "check_rule",
    "list_examples",
    "load_example",
    "norms",
    "rci",
    "read_responses",
    "read_round_robin",
    "reliability",
    "round_robin_ratings",
    "score",
    "simulate",
    "srm",
    "to_wide",
    "trial",
]
__version__ = "0.1.0"
