"""Scripted ruptures: the ones a teacher places by hand."""

from __future__ import annotations

import numbers
from dataclasses import dataclass

from ..errors import GQConfigError
from .config import LEVELS, RESPONSES, RUPTURE_TYPES

__all__ = ["Rupture"]

DEFAULT_QUALITY = 0.8
"""The quality of a scripted repair when none is given."""


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
        al., 2021): from the leader at level ML, from another member at level MM.
    member : int
        The member who is strained (1-based number, shown as ``m01``...); for a
        microaggression, its target.
    source : int, optional
        Who the rupture comes from: another member's number, or ``None`` for the leader (ML)
        or the group (MG). For an MM rupture it is the other member of the pair (default:
        the next member, and member 1 after the last); for a microaggression, the member who
        made the remark.
    severity : float, default 1.5
        Drop in bond and work at onset, in answer-scale points, above 0 and at most 6.
    repaired_at : int, optional
        Session at which the leader repairs it; ``None`` leaves it unrepaired. For a
        microaggression addressed (or shamed) by script: the session of the response, which
        may be the onset session (in the moment, the default).
    quality : float, optional
        Quality of that repair, 0-1 (default 0.8, :data:`DEFAULT_QUALITY`); above 0.5 leaves the bond above its old
        level. Not for a microaggression: the quality of a response to one comes from the
        leader's cultural humility and comfort (``CultureModel``), so it must stay ``None``.
    response : {None, "not addressed", "addressed", "shaming"}, default None
        Microaggressions only: the leader's response, fixed by the script; ``None`` lets the
        simulated leader decide (by multicultural orientation). ``"shaming"`` needs a member
        source.
    dimension : str, optional
        Microaggressions only: the identity dimension it touches (a label of
        ``CultureModel.dimensions``; default the first). The target is placed in a
        marginalised position on it, and the source in a privileged one.

    Raises
    ------
    GQConfigError
        For any value outside these rules, naming the field (e.g. ``Rupture.severity``).

    Examples
    --------
    >>> Rupture(session=5, level="ML", type="withdrawal", member=3, repaired_at=7)
    Rupture(session=5, level='ML', type='withdrawal', member=3, source=None, severity=1.5, repaired_at=7, quality=0.8, response=None, dimension=None)
    >>> Rupture(session=4, level="MM", type="cultural", member=2, source=5, response="shaming").quality is None
    True
    >>> Rupture(session=4, level="MM", type="cultural", member=2, source=5, response="addressed").last_session
    4
    """

    session: int
    level: str
    type: str
    member: int
    source: int | None = None
    severity: float = 1.5
    repaired_at: int | None = None
    quality: float | None = None
    response: str | None = None
    dimension: str | None = None

    def __post_init__(self) -> None:
        def whole(name: str, value: object, low: int = 1) -> None:
            if not (isinstance(value, numbers.Integral) and not isinstance(value, bool) and int(value) >= low):
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
        if self.type == "cultural":
            self._check_microaggression()
        else:
            if self.quality is None:
                object.__setattr__(self, "quality", DEFAULT_QUALITY)
            if isinstance(self.quality, bool) or not (isinstance(self.quality, numbers.Real) and 0 <= self.quality <= 1):
                raise GQConfigError("Rupture.quality", self.quality, "a quality from 0 to 1")
            for name in ("response", "dimension"):
                if getattr(self, name) is not None:
                    raise GQConfigError(f"Rupture.{name}", getattr(self, name), "None: only a cultural rupture (a microaggression) has one")
            if self.repaired_at is not None:
                whole("repaired_at", self.repaired_at)
                if self.repaired_at <= self.session:
                    raise GQConfigError("Rupture.repaired_at", self.repaired_at, f"a session after the onset ({self.session})")

    def _check_microaggression(self) -> None:
        if self.level == "MG":
            raise GQConfigError("Rupture.level", self.level, "ML (a microaggression from the leader) or MM (from another member, the source)")
        if self.quality is not None:
            raise GQConfigError("Rupture.quality", self.quality, "None: a response to a microaggression takes its quality from the leader's humility and comfort")
        if self.response is not None and self.response not in RESPONSES:
            raise GQConfigError("Rupture.response", self.response, f"None (the leader decides) or one of {', '.join(map(repr, RESPONSES))}")
        if self.response == "shaming" and self.level != "MM":
            raise GQConfigError("Rupture.response", self.response, "a response the leader can give to their own remark (shaming needs a member who made it: level MM)")
        if self.dimension is not None and not (isinstance(self.dimension, str) and self.dimension):
            raise GQConfigError("Rupture.dimension", self.dimension, "None or the label of an identity dimension")
        if self.repaired_at is not None:
            if self.response not in ("addressed", "shaming"):
                raise GQConfigError("Rupture.repaired_at", self.repaired_at,
                                    "None: only a scripted response (response='addressed' or 'shaming') has a session")  # fmt: skip
            if not (isinstance(self.repaired_at, numbers.Integral) and not isinstance(self.repaired_at, bool) and self.repaired_at >= self.session):
                raise GQConfigError("Rupture.repaired_at", self.repaired_at, f"a session at or after the onset ({self.session})")

    @property
    def last_session(self) -> int:
        """The last session this rupture needs the group to have."""
        return self.repaired_at or self.session

    def check_fits(self, n_members: int, n_sessions: int) -> None:
        """Raise if the group is too small or too short for this rupture.

        Parameters
        ----------
        n_members : int
            Members per simulated group.
        n_sessions : int
            Sessions per simulated group.

        Raises
        ------
        GQConfigError
            Naming ``n_sessions`` when the rupture (or its repair) comes after the last
            session, or ``n_members`` when the member, the source or an MM pair does not fit.
        """
        if self.last_session > n_sessions:
            raise GQConfigError("n_sessions", n_sessions, f"at least {self.last_session} for {self}")
        needed = max(self.member, self.source or 0, 2 if self.level == "MM" else 1)
        if needed > n_members:
            raise GQConfigError("n_members", n_members, f"at least {needed} for {self}")
