"""gqkit: see alliance rupture and repair in group therapy.

A sandbox for courses, workshops and researchers: a GQ-structured instrument, validated
import, scoring, simulated groups with known ruptures and repairs, and detection rules.
"""

from .errors import GQConfigError, GQDataError
from .instrument import Instrument
from .io import read_responses, to_wide
from .scoring import norms, rci, reliability, score
from .simulate import Cohort, Rupture, SimulationConfig, simulate
from .examples import list_examples, load_example

__all__ = [
    "Cohort",
    "GQConfigError",
    "GQDataError",
    "Instrument",
    "Rupture",
    "SimulationConfig",
    "list_examples",
    "load_example",
    "norms",
    "rci",
    "read_responses",
    "reliability",
    "score",
    "simulate",
    "to_wide",
]
__version__ = "0.1.0"
