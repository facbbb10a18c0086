"""Scripted ruptures: the ones a teacher places by hand."""

from __future__ import annotations

import numbers
from dataclasses import dataclass

from ..errors import GQConfigError
from .config import LEVELS, RUPTURE_TYPES

__all__ = ["Rupture"]


def member_id(number: int) -> str:
    """The id of member ``number`` (1-based) in a simulated group: ``m01``, ``m02``, ..."""
    return f"m{number:02d}"


@dataclass(frozen=True)
class Rupture:
    """A rupture placed by hand, in every simulated group.

    Parameters
    ----------
    session : int
        Session (from 1) at which it begins.
    level : {"MM", "ML", "MG"}
        Member-member, member-leader or member-group.
    type : {"withdrawal", "confrontation", "cultural"}
        Withdrawal moves away (bond and work drop), confrontation moves against (negative
        relationship rises) (Safran & Muran, 2000); cultural is a microaggression (Miles et
        al., 2021).
    member : int
        The member who is strained (1-based number, shown as ``m01``...).
    source : int, optional
        Who the rupture comes from: another member's number, or ``None`` for the leader (ML)
        or the group (MG). For an MM rupture it is the other member of the pair (default:
        the next member).
    severity : float
        Drop in bond and work at onset, in answer-scale points.
    repaired_at : int, optional
        Session at which the leader repairs it; ``None`` leaves it unrepaired.
    quality : float
        Quality of that repair, 0-1; above 0.5 leaves the bond above its old level.

    Examples
    --------
    >>> Rupture(session=5, level="ML", type="withdrawal", member=3, repaired_at=7)
    Rupture(session=5, level='ML', type='withdrawal', member=3, source=None, severity=1.5, repaired_at=7, quality=0.8)
    """

    session: int
    level: str
    type: str
    member: int
    source: int | None = None
    severity: float = 1.5
    repaired_at: int | None = None
    quality: float = 0.8

    def __post_init__(self) -> None:
        def whole(name: str, value: object, low: int = 1) -> None:
            if not (isinstance(value, numbers.Integral) and not isinstance(value, bool) and value >= low):
                raise GQConfigError(f"Rupture.{name}", value, f"a whole number of at least {low}")

        whole("session", self.session)
        whole("member", self.member)
        if self.level not in LEVELS:
            raise GQConfigError("Rupture.level", self.level, f"one of {', '.join(LEVELS)}")
        if self.type not in RUPTURE_TYPES:
            raise GQConfigError("Rupture.type", self.type, f"one of {', '.join(RUPTURE_TYPES)}")
        if self.source is not None:
            whole("source", self.source)
            if self.source == self.member:
                raise GQConfigError("Rupture.source", self.source, "a member other than the strained one")
        if self.level == "ML" and self.source is not None:
            raise GQConfigError("Rupture.source", self.source, "None: a member-leader rupture comes from the leader")
        if not (isinstance(self.severity, numbers.Real) and 0 < self.severity <= 6):
            raise GQConfigError("Rupture.severity", self.severity, "a drop from 0 to 6 answer-scale points")
        if self.repaired_at is not None:
            whole("repaired_at", self.repaired_at)
            if self.repaired_at <= self.session:
                raise GQConfigError("Rupture.repaired_at", self.repaired_at, f"a session after the onset ({self.session})")
        if not (isinstance(self.quality, numbers.Real) and 0 <= self.quality <= 1):
            raise GQConfigError("Rupture.quality", self.quality, "a quality from 0 to 1")

    @property
    def last_session(self) -> int:
        """The last session this rupture needs the group to have."""
        return self.repaired_at or self.session

    def check_fits(self, n_members: int, n_sessions: int) -> None:
        """Raise if the group is too small or too short for this rupture."""
        if self.last_session > n_sessions:
            raise GQConfigError("n_sessions", n_sessions, f"at least {self.last_session} for {self}")
        needed = max(self.member, self.source or 0, 2 if self.level == "MM" else 1)
        if needed > n_members:
            raise GQConfigError("n_members", n_members, f"at least {needed} for {self}")
