"""Named random streams: each mechanism of the model draws from its own stream, per group.

A group's seed (one :class:`numpy.random.SeedSequence` per group, spawned from the user's
seed) is split into one child stream per *mechanism name* (``"attendance"``, ``"onset"``,
``"repair"``...). A child's key is derived from the name itself, not from its position in a
list, so adding a mechanism, or drawing more numbers for one, leaves every other
mechanism's numbers as they were; and two runs that differ in one setting (feedback on and
off, say) give every member the same draws wherever that setting does not reach. (Agent-based
frameworks such as starsim keep one stream per module for the same reason.)

Each group's numbers are drawn up front into arrays with a leading group axis, so a group is
the same whether it is simulated alone or among 10,000 others.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from ..errors import GQConfigError

__all__ = ["Draw", "draw_streams", "group_seeds", "stream_seed"]


@dataclass(frozen=True)
class Draw:
    """What one mechanism needs from its stream for one group: a shape and a distribution.

    Parameters
    ----------
    shape : tuple of int
        The shape of one group's array (the group axis is added by :func:`draw_streams`).
    kind : {"uniform", "normal"}, default "uniform"
        ``"uniform"`` on [0, 1) or ``"normal"`` (standard normal).
    dtype : {numpy.float64, numpy.float32}, default numpy.float64
        float32 for the large item-level arrays.

    Raises
    ------
    GQConfigError
        If ``kind`` is not one of :data:`KINDS`.
    """

    shape: tuple[int, ...]
    kind: str = "uniform"
    dtype: type = np.float64

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise GQConfigError("Draw.kind", self.kind, " or ".join(repr(k) for k in KINDS))


KINDS = ("uniform", "normal")
"""The distributions a :class:`Draw` can ask for."""


def group_seeds(seed: int | np.random.SeedSequence | None, n_groups: int) -> list[np.random.SeedSequence]:
    """One independent seed per group, spawned from ``seed`` (same seed, same streams).

    Parameters
    ----------
    seed : int, SeedSequence or None
        The user's seed; None draws fresh entropy. A SeedSequence is not advanced: calling
        again with it gives the same seeds.
    n_groups : int
        How many group seeds.

    Returns
    -------
    list of SeedSequence
        Group *k*'s seed is the *k*-th child of ``seed``.

    Examples
    --------
    >>> [s.spawn_key for s in group_seeds(7, 3)]
    [(0,), (1,), (2,)]
    """
    root = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    return list(np.random.SeedSequence(root.entropy, spawn_key=root.spawn_key).spawn(n_groups))


def stream_seed(group_seed: np.random.SeedSequence, name: str) -> np.random.SeedSequence:
    """The seed of mechanism ``name``'s stream within a group's seed.

    Parameters
    ----------
    group_seed : SeedSequence
        One group's seed, from :func:`group_seeds`.
    name : str
        The mechanism, e.g. ``"onset"``; its CRC-32 extends the group's spawn key.

    Returns
    -------
    SeedSequence

    Examples
    --------
    >>> s = group_seeds(7, 2)[1]
    >>> stream_seed(s, "onset").spawn_key == stream_seed(s, "onset").spawn_key != stream_seed(s, "repair").spawn_key
    True
    """
    return np.random.SeedSequence(group_seed.entropy, spawn_key=(*group_seed.spawn_key, zlib.crc32(name.encode())))


def draw_streams(seeds: Sequence[np.random.SeedSequence], layout: Mapping[str, Draw]) -> dict[str, np.ndarray]:
    """Fill ``layout``'s arrays for every group, each mechanism from its own named stream.

    Parameters
    ----------
    seeds : sequence of SeedSequence
        One seed per group, from :func:`group_seeds`.
    layout : mapping of str to Draw
        Mechanism name -> what it draws for one group.

    Returns
    -------
    dict of str to ndarray
        Name -> array of shape ``(len(seeds), *draw.shape)`` and the draw's dtype.

    Examples
    --------
    >>> seeds = group_seeds(1, 3)
    >>> both = draw_streams(seeds, {"a": Draw((2,)), "b": Draw((4,), "normal")})
    >>> alone = draw_streams(seeds[2:], {"a": Draw((2,))})  # another layout, group 3 alone
    >>> bool((both["a"][2] == alone["a"][0]).all())
    True
    """
    out: dict[str, np.ndarray] = {name: np.empty((len(seeds), *d.shape), dtype=d.dtype) for name, d in layout.items()}
    for name, d in layout.items():
        target = out[name]
        for g, seed in enumerate(seeds):
            rng = np.random.default_rng(stream_seed(seed, name))
            if d.kind == "normal":
                rng.standard_normal(out=target[g], dtype=d.dtype)
            else:
                rng.random(out=target[g], dtype=d.dtype)
    return out
