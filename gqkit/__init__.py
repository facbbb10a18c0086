"""gqkit: see alliance rupture and repair in group therapy.

A sandbox for courses, workshops and researchers: a GQ-structured instrument, validated
import, scoring, and (in later modules) simulation, detection and evaluation.
"""

from .errors import GQConfigError, GQDataError
from .instrument import Instrument
from .io import read_responses, to_wide
from .scoring import norms, rci, reliability, score

__all__ = [
    "GQConfigError",
    "GQDataError",
    "Instrument",
    "norms",
    "rci",
    "read_responses",
    "reliability",
    "score",
    "to_wide",
]
__version__ = "0.1.0"
