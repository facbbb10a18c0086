"""Round-robin matrices and their Social Relations Model decomposition."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib import patheffects
from matplotlib.axes import Axes
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure, SubFigure
from matplotlib.image import AxesImage
from matplotlib.patches import Rectangle

from ..errors import GQConfigError, GQDataError, Problem
from ..simulation.round_robin import SimulatedRoundRobin
from ..srm import SRMResult, srm
from .scores import RUPTURE_COLOUR, SCORE_COLORMAP, _artist

__all__ = ["RELATIONSHIP_COLORMAP", "SRM_PANELS", "round_robin_matrix", "round_robin_slice", "srm_decomposition"]

RELATIONSHIP_COLORMAP = "PuOr"
"""Relationship effects: a diverging, colour-blind safe map centred on 0, orange at the worse end
(below 0 on a bond item; reversed for a conflict item, on which higher is worse)."""
DIAGONAL_COLOUR = "#d9d9d9"  # a member does not rate themself: the diagonal cells
EFFECT_COLOUR = "#8c8c8c"  # actor and partner bars of members outside the ruptured pair
_ABSENT_COLOUR = "#a6a6a6"  # tick labels of members not in this round robin
_RR_COLUMNS = ("rater", "target", "item", "rating")


def _round_robin_input(data: object, kinds: Mapping[str, str] | None) -> tuple[pd.DataFrame, pd.DataFrame | None, dict[str, str]]:
    """(ratings table, truth or None, item -> kind) from a SimulatedRoundRobin or a round-robin table."""
    if kinds is not None and not (isinstance(kinds, Mapping) and all(isinstance(k, str) and isinstance(v, str) for k, v in kinds.items())):
        raise GQConfigError("kinds", kinds, "None or a dict of item -> kind, e.g. {'close': 'bond'}")
    if isinstance(data, SimulatedRoundRobin):
        return data.ratings, data.truth, dict(data.model.items) | dict(kinds or {})
    if isinstance(data, pd.DataFrame):
        missing = [c for c in _RR_COLUMNS if c not in data.columns]
        if missing:
            raise GQConfigError("data", f"a table without {', '.join(missing)}",
                                "a round-robin table (group, session, rater, target, item, rating) or round_robin_ratings(...)'s result")  # fmt: skip
        return data, None, dict(kinds or {})
    raise GQConfigError("data", type(data).__name__, "a round-robin table (group, session, rater, target, item, rating) or round_robin_ratings(...)'s result")


def _sorted_values(column: pd.Series) -> list:
    values = list(pd.unique(column.dropna()))
    try:
        return sorted(values)
    except TypeError:  # values of mixed types: sort them as text
        return sorted(values, key=str)


def _pick(table: pd.DataFrame, column: str, value: object) -> tuple[pd.DataFrame, object]:
    """The rows of ``table`` whose ``column`` is ``value`` (default its first value), and the value; all rows when the column is absent."""
    if column not in table.columns:
        if value is not None:
            raise GQConfigError(column, value, f"None: the table has no {column} column")
        return table, None
    values = _sorted_values(table[column])
    if value is None and values:
        value = values[0]
    if not any(v == value and type(v) is not bool for v in values) or isinstance(value, bool):
        shown = ", ".join(map(str, values[:12])) + (", ..." if len(values) > 12 else "")
        raise GQConfigError(column, value, f"a {column} of the table: {shown}")
    return table[(table[column] == value).to_numpy(dtype=bool)], value


def _item_choice(ratings: pd.DataFrame, item: object, kinds: Mapping[str, str]) -> tuple[list[str], str | None, str]:
    """The items averaged for ``item`` (an item or a kind), its kind (None when unknown) and a label."""
    items = [str(i) for i in _sorted_values(ratings["item"].astype(str))]
    if isinstance(item, str) and item in items:
        return [item], kinds.get(item), item
    chosen = [i for i in items if kinds.get(i) == item]
    if isinstance(item, str) and chosen:
        return chosen, item, f"{item} (mean of {len(chosen)} item{'s' if len(chosen) > 1 else ''})"
    offered = items + sorted({kind for i in items if (kind := kinds.get(i)) is not None})
    raise GQConfigError("item", item, f"an item of the table or a kind of item ({', '.join(offered)})")


def round_robin_slice(
    data: SimulatedRoundRobin | pd.DataFrame,
    *,
    group: str | None = None,
    session: int | None = None,
    item: str = "bond",
    kinds: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """One round robin's ratings -- one group, one session, one item or kind -- as rater, target, rating.

    For a kind of item (``"bond"``, ``"conflict"``), each ordered pair's rating is its mean
    over the items of that kind (NaN only where all of them are missing). The Social Relations
    Model is linear in the ratings, so :func:`gqkit.srm` of this mean gives the mean of the
    items' effects (with complete ratings), with less of each item's error.

    Parameters
    ----------
    data : SimulatedRoundRobin or DataFrame
        :func:`gqkit.round_robin_ratings`' result, or a round-robin table with columns rater,
        target, item, rating (and group, session).
    group : str, optional
        The group; default the first (sorted). Must be None when the table has no group column.
    session : int, optional
        The session; default the first. Must be None when the table has no session column.
    item : str, default "bond"
        An item of the table, or a kind of item: the pair's mean over that kind's items.
    kinds : mapping of str to str, optional
        Item -> kind, for a table (a simulated round robin knows its items' kinds).

    Returns
    -------
    DataFrame
        Columns rater, target, rating (float); one row per ordered pair rated, sorted.

    Raises
    ------
    GQConfigError
        For ``data`` of the wrong kind, or a group, session or item the table does not have.

    Examples
    --------
    >>> from gqkit import Rupture, round_robin_ratings, simulate
    >>> quiet = {"rate": {"MM": 0.0, "ML": 0.0, "MG": 0.0}, "microaggression_rate": 0.0}  # the placed rupture is the only one
    >>> rr = round_robin_ratings(simulate(seed=3, ruptures=[Rupture(session=6, level="MM", type="withdrawal", member=2, source=5)], **quiet))
    >>> one = round_robin_slice(rr, session=8)  # each pair's mean over bond_a and bond_b
    >>> len(one), one.iloc[0].to_dict()
    (56, {'rater': 'm01', 'target': 'm02', 'rating': 4.0})
    """
    ratings, _, kinds = _round_robin_input(data, kinds)
    one, _ = _pick(ratings, "group", group)
    one, _ = _pick(one, "session", session)
    chosen, _, _ = _item_choice(ratings, item, kinds)
    one = one[one["item"].astype(str).isin(chosen).to_numpy(dtype=bool)]
    rating = pd.to_numeric(one["rating"], errors="coerce").astype(float)
    table = pd.DataFrame({"rater": one["rater"].astype(str).to_numpy(), "target": one["target"].astype(str).to_numpy(), "rating": rating.to_numpy()})
    return table.groupby(["rater", "target"], sort=True)["rating"].mean().reset_index()


def _slice_srm(one: pd.DataFrame) -> SRMResult:
    """The SRM of one round robin (rater, target, rating), every effect kept, missing ratings imputed."""
    result = srm(one, groups=(), by=(), missing="impute", min_var=None)
    if result.person.empty:
        n = len(set(one["rater"]) | set(one["target"]))
        raise GQDataError("round robin", [Problem("this round robin", "rater", f"{n} members", "at least 4 members who rate each other (the SRM needs 4)")],
                          advice="nothing was estimated; choose another session or group")  # fmt: skip
    return result


def _group_members(data: object, ratings: pd.DataFrame, group: object) -> list[str]:
    """Every member of the group: a simulated round robin's whole roster, or everyone the table names in that group."""
    if isinstance(data, SimulatedRoundRobin):
        roster = data.members
        return sorted(roster.loc[roster["group"] == group, "member"].astype(str)) if group is not None else sorted(set(roster["member"].astype(str)))
    sel = ratings if group is None or "group" not in ratings.columns else ratings[ratings["group"] == group]
    return sorted(set(sel["rater"].astype(str)) | set(sel["target"].astype(str)))


def _grid(table: pd.DataFrame, members: list[str], value: str) -> np.ndarray:
    """Raters x targets (in ``members``' order) of ``table[value]``; NaN where no pair was rated and on the diagonal."""
    where = {m: i for i, m in enumerate(members)}
    grid = np.full((len(members), len(members)), np.nan)
    i = table["rater"].astype(str).map(where)
    j = table["target"].astype(str).map(where)
    keep = (i.notna() & j.notna()).to_numpy(dtype=bool)
    grid[i[keep].astype(int).to_numpy(), j[keep].astype(int).to_numpy()] = table[value].to_numpy(dtype=float)[keep]
    np.fill_diagonal(grid, np.nan)
    return grid


def _ruptured_cells(truth: pd.DataFrame | None, group: object, session: object, members: list[str]) -> list[tuple[int, int]]:
    """(row, column) of every ordered pair the truth table says was in an open rupture in this round robin."""
    if truth is None or truth.empty:
        return []
    missing = [c for c in ("rater", "target", "ruptured") if c not in truth.columns]
    if missing:
        raise GQConfigError("truth", f"a table without {', '.join(missing)}", "round_robin_ratings(...).truth, False, or None")
    sel = truth[truth["ruptured"].astype(bool).to_numpy()]
    for column, value in (("group", group), ("session", session)):
        if value is not None and column in sel.columns:
            sel = sel[(sel[column] == value).to_numpy(dtype=bool)]
    where = {m: i for i, m in enumerate(members)}
    return sorted({(where[r], where[t]) for r, t in zip(sel["rater"].astype(str), sel["target"].astype(str)) if r in where and t in where})


def _cell_text(value: float, fmt: str) -> str:
    if not np.isfinite(value):
        return ""
    text = fmt.format(value)
    return "0.0" if text in ("-0.0", "+0.0") else text


def _matrix(ax: Axes, grid: np.ndarray, members: list[str], *, cmap: str, vmin: float, vmax: float, fmt: str, cells: list[tuple[int, int]],
            annotate: bool, colorbar: bool | Axes, label: str, absent: set[str]) -> AxesImage:  # fmt: skip
    """Draw (or update) a raters x targets matrix: grey diagonal, a value in each cell, the ruptured cells outlined."""
    M = len(members)
    extent = (-0.5, M - 0.5, M - 0.5, -0.5)
    diagonal = np.where(np.eye(M, dtype=bool), 1.0, np.nan)
    image = _artist(ax, "gq-matrix")
    if image is None:
        ax.imshow(diagonal, cmap=ListedColormap([DIAGONAL_COLOUR]), vmin=0, vmax=2, interpolation="nearest", extent=extent, gid="gq-diagonal")
        image = ax.imshow(grid, cmap=cmap, vmin=vmin, vmax=vmax, interpolation="nearest", extent=extent, gid="gq-matrix")
        ax.plot([], [], color=RUPTURE_COLOUR, linewidth=2.2, solid_joinstyle="miter", clip_on=False, zorder=4, gid="gq-pair", label="ruptured pair",
                path_effects=[patheffects.Stroke(linewidth=4.2, foreground="black"), patheffects.Normal()])  # seen on any cell colour
        ax.tick_params(length=0)  # the labels name the rows and columns; no tick marks over the cells' edges
        ax.set_xlabel("target (the member rated)")
        ax.set_ylabel("rater")
        if isinstance(colorbar, Axes):
            ax.figure.colorbar(image, cax=colorbar, label=label)
        elif colorbar:
            ax.figure.colorbar(image, ax=ax, label=label, fraction=0.05, pad=0.03)
    else:
        image.set_data(grid)
        image.set_extent(extent)
        image.set_cmap(cmap)
        image.set_clim(vmin, vmax)
        diagonal_image = _artist(ax, "gq-diagonal")
        diagonal_image.set_data(diagonal)
        diagonal_image.set_extent(extent)
        if image.colorbar is not None:
            image.colorbar.set_label(label)
    ax.set_xticks(range(M), members, fontsize="small")
    ax.set_yticks(range(M), members, fontsize="small")
    for labels in (ax.get_xticklabels(), ax.get_yticklabels()):
        for text, member in zip(labels, members):
            text.set_color(_ABSENT_COLOUR if member in absent else "black")
    ax.set_xlim(-0.5, M - 0.5)
    ax.set_ylim(M - 0.5, -0.5)
    x, y = [], []
    for i, j in cells:
        x += [j - 0.5, j + 0.5, j + 0.5, j - 0.5, j - 0.5, np.nan]
        y += [i - 0.5, i - 0.5, i + 0.5, i + 0.5, i - 0.5, np.nan]
    _artist(ax, "gq-pair").set_data(x, y)
    texts = [t for t in ax.texts if t.get_gid() == "gq-cell"]
    if len(texts) != M * M:
        for t in texts:
            t.remove()
        texts = [ax.text(j, i, "", ha="center", va="center", fontsize=7, gid="gq-cell") for i in range(M) for j in range(M)]
    rgba = image.cmap(image.norm(np.nan_to_num(grid, nan=(vmin + vmax) / 2)))
    dark = (0.299 * rgba[..., 0] + 0.587 * rgba[..., 1] + 0.114 * rgba[..., 2]) < 0.5
    for text, value, is_dark in zip(texts, grid.ravel(), dark.ravel()):
        text.set_text(_cell_text(value, fmt) if annotate else "")
        text.set_color("white" if is_dark else "black")
    return image


def _bars(ax: Axes, values: np.ndarray, members: list[str], *, pair: set[str], limit: float, absent: set[str], xlabel: str, annotate: bool) -> None:
    """Draw (or update) one horizontal bar per member, top to bottom as the matrices' rows; the pair's in the rupture colour."""
    M = len(members)
    bars = [p for p in ax.patches if isinstance(p, Rectangle) and p.get_gid() == "gq-effect"]
    texts = [t for t in ax.texts if t.get_gid() == "gq-effect-text"]
    if len(bars) != M:
        for artist in [*bars, *texts]:
            artist.remove()
        bars = list(ax.barh(range(M), np.zeros(M), height=0.7, gid="gq-effect"))
        texts = [ax.text(0, i, "", va="center", fontsize=7, gid="gq-effect-text") for i in range(M)]
    if _artist(ax, "gq-zero") is None:
        ax.axvline(0, color="#333333", linewidth=0.8, gid="gq-zero")
        ax.tick_params(axis="y", length=0)
        ax.set_xlabel(xlabel)
    span = 2 * limit
    for i, (bar, text, value, member) in enumerate(zip(bars, texts, values, members)):
        width = float(value) if np.isfinite(value) else 0.0
        bar.set_width(width)
        bar.set_color(RUPTURE_COLOUR if member in pair else EFFECT_COLOUR)
        shown = float(np.clip(width, -limit, limit))
        text.set_position((shown + (0.02 if width >= 0 else -0.02) * span, i))
        text.set_horizontalalignment("left" if width >= 0 else "right")
        text.set_text(_cell_text(value, "{:+.2f}") if annotate else "")
    ax.set_yticks(range(M), members, fontsize="small")
    for text, member in zip(ax.get_yticklabels(), members):
        text.set_color(_ABSENT_COLOUR if member in absent else "black")
    ax.set_ylim(M - 0.5, -0.5)
    ax.set_xlim(-limit, limit)


def _checked_limit(limit: object) -> float:
    if isinstance(limit, bool) or not isinstance(limit, (int, float, np.integer, np.floating)) or not 0 < float(limit) < np.inf:
        raise GQConfigError("limit", limit, "a positive number of answer-scale points (the colour scale runs from -limit to +limit)")
    return float(limit)


def _checked_scale(scale: object) -> tuple[float, float]:
    ok = isinstance(scale, Sequence) and len(scale) == 2 and all(isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool) for v in scale)
    if not ok or not float(scale[0]) < float(scale[1]):  # type: ignore[index]  # checked above
        raise GQConfigError("scale", scale, "(lowest, highest) answer, lowest < highest, e.g. (1, 7)")
    return float(scale[0]), float(scale[1])  # type: ignore[index]


def _rating_colours(kind: str | None) -> tuple[str, str]:
    """The ratings' colour map (dark is worse) and colour bar label, for an item of this kind."""
    if kind == "conflict":
        return f"{SCORE_COLORMAP}_r", "rating (higher = worse)"
    return SCORE_COLORMAP, "rating (higher = better)" if kind == "bond" else "rating"


def _effect_colours(kind: str | None) -> tuple[str, str]:
    """The relationship effects' colour map (orange is worse) and colour bar label."""
    if kind == "conflict":
        return f"{RELATIONSHIP_COLORMAP}_r", "effect (orange = worse)"
    return RELATIONSHIP_COLORMAP, "effect (orange = worse)" if kind == "bond" else "effect"


def _truth_for(truth: pd.DataFrame | bool | None, own: pd.DataFrame | None) -> pd.DataFrame | None:
    if truth is None:
        return own
    if truth is False:
        return None
    if isinstance(truth, pd.DataFrame):
        return truth
    raise GQConfigError("truth", type(truth).__name__, "a truth table (round_robin_ratings(...).truth), False for no outline, or None")


def round_robin_matrix(
    data: SimulatedRoundRobin | pd.DataFrame,
    *,
    group: str | None = None,
    session: int | None = None,
    item: str = "bond",
    kinds: Mapping[str, str] | None = None,
    value: str = "rating",
    truth: pd.DataFrame | bool | None = None,
    members: Sequence[str] | None = None,
    scale: tuple[float, float] = (1, 7),
    limit: float = 2.0,
    annotate: bool = True,
    colorbar: bool | Axes = True,
    ax: Axes | None = None,
) -> Axes:
    """A round robin as a member x member matrix: each rater's row of ratings (or relationship effects) of the others.

    Rows are raters, columns the members rated (targets); the diagonal (no one rates
    themself) is grey, and a member absent from this round robin leaves a white row and
    column and a grey label. With a truth table, every ordered pair in an open member-member
    rupture is outlined in the rupture colour (both directions of a ruptured pair are; when
    one of the two was absent, the outline goes round white cells: open, but not rated).
    ``value="rating"`` shows the ratings on the answer scale, dark the worse end
    (:data:`SCORE_COLORMAP`, reversed for a conflict item); ``value="relationship"`` runs
    :func:`gqkit.srm` on this round robin alone (every effect kept, ``min_var=None``) and
    shows its relationship effects, how the rater sees this target beyond the rater's actor
    and the target's partner effect, on a diverging scale from ``-limit`` to ``+limit``,
    orange the worse end (:data:`RELATIONSHIP_COLORMAP`).

    Called again on the same axes, it puts the new values into the image, texts and outline
    it drew (fast enough for a widget).

    Parameters
    ----------
    data : SimulatedRoundRobin or DataFrame
        :func:`gqkit.round_robin_ratings`' result (its truth outlines the ruptured pair), or
        a round-robin table (columns rater, target, item, rating, and group, session).
    group : str, optional
        The group shown; default the first.
    session : int, optional
        The session shown; default the first rated.
    item : str, default "bond"
        An item, or a kind of item (the pair's mean over its items; :func:`round_robin_slice`).
    kinds : mapping of str to str, optional
        Item -> kind, for a table.
    value : {"rating", "relationship"}, default "rating"
        What the cells show.
    truth : DataFrame, False or None
        The truth table to outline ruptured pairs from (columns rater, target, ruptured, and
        group, session); None: the simulated round robin's own; False: no outline.
    members : sequence of str, optional
        The rows and columns, in order; default every member of the group (a simulated
        round robin's roster, or everyone the table names in the group).
    scale : (float, float), default (1, 7)
        The ends of the ratings' colour scale (the answer scale).
    limit : float, default 2.0
        The relationship effects' colour scale runs from ``-limit`` to ``+limit`` points.
    annotate : bool, default True
        Write each cell's value in it.
    colorbar : bool or Axes, default True
        A colour bar beside the axes (True), in the given Axes, or none (False).
    ax : Axes, optional
        Where to draw; default a new figure. Axes it drew before are updated in place.

    Returns
    -------
    Axes

    Raises
    ------
    GQConfigError
        For an argument out of range, or a group, session or item the table does not have.
    GQDataError
        With ``value="relationship"``, when the round robin has fewer than 4 members.

    Examples
    --------
    >>> from gqkit import Rupture, round_robin_ratings, simulate
    >>> quiet = {"rate": {"MM": 0.0, "ML": 0.0, "MG": 0.0}, "microaggression_rate": 0.0}  # the placed rupture is the only one
    >>> rr = round_robin_ratings(simulate(seed=3, ruptures=[Rupture(session=6, level="MM", type="withdrawal", member=2, source=5)], **quiet))
    >>> ax = round_robin_matrix(rr, session=8)
    >>> ax.get_title()
    'ratings, session 8\\nbond (mean of 2 items)'
    >>> ax = round_robin_matrix(rr, session=8, value="relationship", ax=ax)  # the same axes: the values move in
    >>> sorted({(int(y), int(x)) for x, y in ax.get_lines()[0].get_xydata() if x == x})  # the outlined cells' corners
    [(0, 3), (0, 4), (1, 3), (1, 4), (3, 0), (3, 1), (4, 0), (4, 1)]
    """
    ratings, own_truth, kinds = _round_robin_input(data, kinds)
    if value not in ("rating", "relationship"):
        raise GQConfigError("value", value, "'rating' or 'relationship'")
    limit = _checked_limit(limit)
    low, high = _checked_scale(scale)
    sel, the_group = _pick(ratings, "group", group)
    _, the_session = _pick(sel, "session", session)
    _, kind, label = _item_choice(ratings, item, kinds)
    one = round_robin_slice(ratings, group=group, session=session, item=item, kinds=kinds)
    members = _group_members(data, ratings, the_group) if members is None else [str(m) for m in members]
    absent = set(members) - set(one["rater"]) - set(one["target"])
    cells = _ruptured_cells(_truth_for(truth, own_truth), the_group, the_session, members)
    ax = ax or plt.subplots(figsize=(4.8, 4))[1]
    when = f"session {the_session}" if the_session is not None else "the round robin"
    if value == "rating":
        cmap, bar_label = _rating_colours(kind)
        whole = bool(np.all(np.mod(one["rating"].dropna().to_numpy(dtype=float), 1) == 0))
        _matrix(ax, _grid(one, members, "rating"), members, cmap=cmap, vmin=low, vmax=high, fmt="{:.0f}" if whole else "{:.1f}", cells=cells,
                annotate=annotate, colorbar=colorbar, label=bar_label, absent=absent)  # fmt: skip
        ax.set_title(f"ratings, {when}\n{label}", fontsize="medium")
    else:
        cmap, bar_label = _effect_colours(kind)
        effects = _slice_srm(one).relationship
        _matrix(ax, _grid(effects, members, "relationship"), members, cmap=cmap, vmin=-limit, vmax=limit, fmt="{:+.1f}", cells=cells,
                annotate=annotate, colorbar=colorbar, label=bar_label, absent=absent)  # fmt: skip
        ax.set_title(f"relationship effects, {when}\n{label}", fontsize="medium")
    return ax


SRM_PANELS = ("ratings", "actor", "partner", "relationship")
"""The panels of :func:`srm_decomposition`, left to right."""


def srm_decomposition(
    data: SimulatedRoundRobin | pd.DataFrame,
    *,
    group: str | None = None,
    session: int | None = None,
    item: str = "bond",
    kinds: Mapping[str, str] | None = None,
    truth: pd.DataFrame | bool | None = None,
    members: Sequence[str] | None = None,
    result: SRMResult | None = None,
    scale: tuple[float, float] = (1, 7),
    limit: float = 2.0,
    annotate: bool | str = True,
    axes: Sequence[Axes] | None = None,
) -> Figure | SubFigure:
    """One round robin and its Social Relations Model side by side: ratings, actor, partner and relationship effects.

    Four panels (:data:`SRM_PANELS`), members in the same order top to bottom: the ratings
    (:func:`round_robin_matrix`), each member's **actor** effect (how they rate the others in
    general) and **partner** effect (how the others rate them in general) as bars, and the
    **relationship** effects (how the rater sees this target in particular) as a matrix
    (Kenny, 1994). The bars and the relationship matrix share one scale, ``-limit`` to
    ``+limit`` points, so the sizes can be compared. With a truth table, the ruptured pair's
    cells are outlined and its two members' bars drawn in the rupture colour. Called again on
    the same four axes, it moves the new values into what it drew (fast enough for a widget).

    Parameters
    ----------
    data : SimulatedRoundRobin or DataFrame
        :func:`gqkit.round_robin_ratings`' result, or a round-robin table (columns rater,
        target, item, rating, and group, session).
    group : str, optional
        The group shown; default the first.
    session : int, optional
        The session shown; default the first rated.
    item : str, default "bond"
        An item, or a kind of item (the pair's mean over its items; :func:`round_robin_slice`).
    kinds : mapping of str to str, optional
        Item -> kind, for a table.
    truth : DataFrame, False or None
        As for :func:`round_robin_matrix`.
    members : sequence of str, optional
        The rows, in order; default every member of the group.
    result : SRMResult, optional
        :func:`gqkit.srm` of this round robin (``round_robin_slice(...)`` with ``groups=()``,
        ``by=()``); computed with every effect kept (``min_var=None``) when omitted.
    scale : (float, float), default (1, 7)
        The ends of the ratings' colour scale.
    limit : float, default 2.0
        The effects' scale runs from ``-limit`` to ``+limit`` points.
    annotate : bool or "relationship", default True
        Write the values: in the cells of both matrices and beside the bars (True), only in the
        relationship matrix's cells (``"relationship"``, quicker to draw), or nowhere (False).
    axes : four Axes, optional
        Where to draw; default a new figure.

    Returns
    -------
    Figure or SubFigure
        The figure that holds the axes.

    Raises
    ------
    GQConfigError
        As :func:`round_robin_matrix`; also for ``axes`` that are not four Axes, or a
        ``result`` that is not an SRMResult.
    GQDataError
        When the round robin has fewer than 4 members.

    Examples
    --------
    >>> from gqkit import Rupture, round_robin_ratings, simulate
    >>> quiet = {"rate": {"MM": 0.0, "ML": 0.0, "MG": 0.0}, "microaggression_rate": 0.0}  # the placed rupture is the only one
    >>> rr = round_robin_ratings(simulate(seed=3, ruptures=[Rupture(session=6, level="MM", type="withdrawal", member=2, source=5)], **quiet))
    >>> fig = srm_decomposition(rr, session=8)
    >>> [ax.get_title().split("\\n")[0] for ax in fig.axes[:4]]
    ['ratings, session 8', 'actor effects', 'partner effects', 'relationship effects']
    >>> [bar.get_facecolor() == fig.axes[1].patches[1].get_facecolor() for bar in fig.axes[1].patches][:5]  # m02 and m05 stand out
    [False, True, False, False, True]
    """
    ratings, own_truth, kinds = _round_robin_input(data, kinds)
    limit = _checked_limit(limit)
    low, high = _checked_scale(scale)
    if annotate not in (True, False, "relationship"):
        raise GQConfigError("annotate", annotate, "True (every value), 'relationship' (only the relationship matrix's) or False")
    if result is not None and not isinstance(result, SRMResult):
        raise GQConfigError("result", type(result).__name__, "None, or gqkit.srm's result for this round robin")
    if axes is None:
        figure = plt.figure(figsize=(13.5, 4.0))
        axes = list(figure.subplots(1, 4, gridspec_kw={"width_ratios": [1.2, 0.62, 0.62, 1.2]}))
        figure.subplots_adjust(left=0.045, right=0.94, top=0.84, bottom=0.14, wspace=0.32)
    if len(axes) != 4 or not all(isinstance(a, Axes) for a in axes):
        raise GQConfigError("axes", axes, "four Axes (ratings, actor, partner, relationship), or None")
    sel, the_group = _pick(ratings, "group", group)
    _, the_session = _pick(sel, "session", session)
    _, kind, label = _item_choice(ratings, item, kinds)
    one = round_robin_slice(ratings, group=group, session=session, item=item, kinds=kinds)
    result = _slice_srm(one) if result is None else result
    members = _group_members(data, ratings, the_group) if members is None else [str(m) for m in members]
    absent = set(members) - set(one["rater"]) - set(one["target"])
    cells = _ruptured_cells(_truth_for(truth, own_truth), the_group, the_session, members)
    pair = {members[i] for cell in cells for i in cell}
    ax_r, ax_a, ax_p, ax_g = axes
    cmap, bar_label = _rating_colours(kind)
    whole = bool(np.all(np.mod(one["rating"].dropna().to_numpy(dtype=float), 1) == 0))
    _matrix(ax_r, _grid(one, members, "rating"), members, cmap=cmap, vmin=low, vmax=high, fmt="{:.0f}" if whole else "{:.1f}", cells=cells,
            annotate=annotate is True, colorbar=True, label=bar_label, absent=absent)  # fmt: skip
    when = f"session {the_session}" if the_session is not None else "the round robin"
    ax_r.set_title(f"ratings, {when}\n{label}", fontsize="medium")
    person = result.person.assign(member=result.person["member"].astype(str)).set_index("member")
    for ax, column, title in ((ax_a, "actor", "actor effects\nhow each rates the others"), (ax_p, "partner", "partner effects\nhow the others rate each")):
        _bars(ax, person[column].reindex(members).to_numpy(dtype=float), members, pair=pair, limit=limit, absent=absent, xlabel="points",
              annotate=annotate is True)
        ax.set_title(title, fontsize="medium")
    cmap, bar_label = _effect_colours(kind)
    _matrix(ax_g, _grid(result.relationship, members, "relationship"), members, cmap=cmap, vmin=-limit, vmax=limit, fmt="{:+.1f}", cells=cells,
            annotate=bool(annotate), colorbar=True, label=bar_label, absent=absent)  # fmt: skip
    ax_g.set_title("relationship effects\nhow the rater sees this target", fontsize="medium")
    return ax_r.figure
