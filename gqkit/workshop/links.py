"""Links to the workshop app: the presets, and the door that reads a link's query.

A link opens the app on a page with settings: ``?preset=shaming-vs-repair`` (one of
:data:`PRESETS`), or ``?page=group&level=MM&severity=3`` (a page and its explorers' settings;
keys after a preset change it). :func:`parse_link` reads it; whether a page's explorer takes
the settings is checked when the page is built (:meth:`gqkit.workshop.pages.Page.build`).
"""

from __future__ import annotations

import os
import re
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, field

from ..errors import GQConfigError

__all__ = ["MAX_VALUE_CHARS", "PAGES", "PRESETS", "VOILA_KEYS", "Preset", "link_query", "parse_link", "request_query"]

PAGES = {"group": "A group", "detection": "Detection", "repair": "Repair and feedback", "culture": "Cultural ruptures", "data": "Your data"}
MAX_VALUE_CHARS = 80  # a link's value longer than this is refused, not read
VOILA_KEYS = ("token", "theme", "template")  # a link's keys that are Voila's own (a password, the look): not settings


@dataclass(frozen=True)
class Preset:
    """A named link: a page and the settings it opens with, for an instructor to hand out.

    Parameters
    ----------
    name : str
        What goes after ``?preset=`` (lower case and hyphens).
    page : str
        A key of :data:`PAGES`.
    settings : mapping
        Control name -> value of that page's explorers.
    title : str
        One line: what the preset shows.
    look_for : str
        What to notice or try; the instructor's guide repeats it.
    """

    name: str
    page: str
    settings: Mapping[str, object] = field(default_factory=dict)
    title: str = ""
    look_for: str = ""


PRESETS = {p.name: p for p in (
    Preset("unrepaired-leader-rupture", "group", {"level": "ML", "member": 3, "session": 6, "severity": 2.5, "repaired": False},
           "A member withdraws from the leader at session 6 and nothing repairs it.",
           "The member's member-leader bond stays low to the end; their member-member and member-group bonds drop about a third as much."),
    Preset("repaired-leader-rupture", "group", {"level": "ML", "member": 3, "session": 6, "severity": 2.5, "repaired": True, "repaired_at": 8},
           "The same rupture, repaired two sessions later.",
           "A V: the bond falls, then after the repair ends above where it started (Stiles et al., 2004; Gumz et al., 2012; how far above is the model's assumption)."),
    Preset("confrontation-spills-over", "group", {"level": "MM", "type": "confrontation", "member": 2, "session": 5, "severity": 3.0, "repaired": False, "scale": "NR"},
           "Two members clash at session 5; the negative relationship scale is shown.",
           "Other members' member-group ratings darken too: a visible conflict is felt by the whole group."),
    Preset("strict-change-alert", "detection", {"rule": "change", "knob": 3.5},
           "The change alert with a strict threshold (3.5 times a facet's usual change).",
           "Fewer false alarms, more missed ruptures: compare the table with the default z of 2.6."),
    Preset("status-alerts", "detection", {"rule": "status"},
           "Status alerts: a score in the at-risk range, whatever its change.",
           "Low precision: a member whose subscale is low, from the start or because a rupture stays open, is flagged session after session."),
    Preset("watch-member-member", "detection", {"rule": "change", "level": "MM"},
           "The change alert on the member-member facets only.",
           "Recall at the member-member level against the subscale rule: what the level view adds."),
    Preset("late-weak-repair", "repair", {"repair_session": 14, "quality": 0.4},
           "A rupture at session 5 repaired late (session 14) and poorly.",
           "The OQ benefit of this repair is small. Then try session 6 with the same quality: in this model timing matters far more than quality."),
    Preset("prompt-good-repair", "repair", {"repair_session": 6, "quality": 1.0},
           "The same rupture repaired at once and well.",
           "The bond ends higher than before the rupture, and the OQ benefit is largest."),
    Preset("committed-therapist", "repair", {"commitment": 0.9, "openness": 0.9, "self_doubt": 0.6},
           "Therapists committed to measurement-based care and open to feedback; press Run trial.",
           "Feedback's benefit grows with commitment and openness (de Jong et al., 2012). Openness also raises repairs without feedback."),
    Preset("reluctant-therapist", "repair", {"commitment": 0.2, "openness": 0.2, "self_doubt": 0.3},
           "Therapists who use feedback little; press Run trial.",
           "Feedback barely helps when the therapist does not act on it."),
    Preset("shaming-vs-repair", "culture", {"response": "shaming"},
           "A member's microaggression against m02, and a leader who shames the member who made it.",
           "The target recovers either way; shaming opens a new rupture for the member who made the remark (their alliance with the leader falls, their OQ ends worse). Compare with 'addressed' (Miles et al., 2021)."),
    Preset("leader-microaggression", "culture", {"source": "leader", "response": "not addressed"},
           "The leader makes the remark and never addresses it.",
           "The target's alliance with the leader falls at the remark and recovers only slowly; bystanders' bond with the group dips."),
    Preset("humble-leader", "culture", {"humility": 0.9, "comfort": 0.8, "opportunities": 0.8},
           "A leader high in cultural humility, comfort and cultural opportunities decides the response.",
           "How often the leader addresses the remark, and how much less it harms (Davis et al., 2016)."),
    Preset("your-data", "data", {}, "Upload your own GQ-structured data, or try the example file.",
           "Which members have status or change alerts, and at which level; download the report."),
)}  # fmt: skip


def _value(key: str, text: str) -> object:
    """A link's value as the control holds it: true/false, a whole number, a number, or text."""
    if len(text) > MAX_VALUE_CHARS:
        raise GQConfigError(key, text[:20] + "...", f"a value of at most {MAX_VALUE_CHARS} characters")
    if text in ("true", "false"):
        return text == "true"
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    if re.fullmatch(r"-?(\d+\.\d*|\.\d+|\d+)([eE][-+]?\d+)?", text):
        return float(text)
    return text


def parse_link(query: str | None) -> tuple[str, dict[str, object]]:
    """The page and settings a link's query asks for.

    Parameters
    ----------
    query : str or None
        The part of the address after ``?`` (with or without the ``?``); empty or None: the
        first page with its defaults.

    Returns
    -------
    page : str
        A key of :data:`PAGES`.
    settings : dict
        Control name -> value, the preset's first, then the link's own; values are read as
        ``true``/``false``, whole numbers, numbers or text. Whether a page's explorer takes
        them is checked when it is built (:meth:`Page.build`). Voila's own keys
        (:data:`VOILA_KEYS`, e.g. ``token``) are left to Voila.

    Raises
    ------
    GQConfigError
        For an unknown preset or page, a key given twice, or a value too long to be a setting.

    Examples
    --------
    >>> parse_link("?preset=shaming-vs-repair")
    ('culture', {'response': 'shaming'})
    >>> parse_link("page=group&level=MM&severity=3.0&repaired=false")
    ('group', {'level': 'MM', 'severity': 3.0, 'repaired': False})
    """
    pairs = urllib.parse.parse_qsl((query or "").lstrip("?"), keep_blank_values=True)
    seen: set[str] = set()
    page, settings = "group", {}
    given: dict[str, object] = {}
    for key, text in pairs:
        if key in VOILA_KEYS:
            continue
        if key in seen:
            raise GQConfigError(key, text, "each setting once in a link")
        seen.add(key)
        if key == "preset":
            if text not in PRESETS:
                raise GQConfigError("preset", text, "one of " + ", ".join(PRESETS))
            page, settings = PRESETS[text].page, dict(PRESETS[text].settings)
        elif key == "page":
            if text not in PAGES:
                raise GQConfigError("page", text, "one of " + ", ".join(PAGES))
            given["page"] = text
        else:
            given[key] = _value(key, text)
    if "page" in given:
        chosen = given.pop("page")
        if "preset" in seen and chosen != page:
            raise GQConfigError("page", chosen, f"the preset's own page ({page}), or no page")
        page = str(chosen)
    return page, {**settings, **given}


def link_query(page: str, settings: Mapping[str, object]) -> str:
    """The query of a link that opens ``page`` with ``settings``.

    Parameters
    ----------
    page : str
        A key of :data:`PAGES`.
    settings : mapping
        Control name -> value; give every control of the page, since a control's default
        may follow another's (the detection knob follows the rule).

    Returns
    -------
    str
        ``"?page=...&name=value..."``; :func:`parse_link` reads it back.

    Examples
    --------
    >>> link_query("group", {"level": "MM", "repaired": False, "seed": 1})
    '?page=group&level=MM&repaired=false&seed=1'
    """

    def text(value: object) -> str:
        return ("true" if value else "false") if isinstance(value, bool) else str(value)

    return "?" + urllib.parse.urlencode({"page": page, **{k: text(v) for k, v in settings.items()}})


def request_query() -> str:
    """The query of the address the participant opened, inside a Voila kernel (empty elsewhere).

    With a pre-heated pool, Voila runs the notebook before anyone asks; this waits for the
    request that takes the kernel (:func:`voila.utils.wait_for_request`), then reads it.

    Returns
    -------
    str
    """
    if os.environ.get("VOILA_PREHEAT", "False") != "False":
        from voila.utils import wait_for_request

        wait_for_request()
    return os.environ.get("QUERY_STRING", "")


def _base_url() -> str:
    """The address the participant used, without the query (empty outside Voila)."""
    host, port, path = (os.environ.get(k, "") for k in ("SERVER_NAME", "SERVER_PORT", "SCRIPT_NAME"))
    if not host:
        return ""
    return f"http://{host}{':' + port if port else ''}{path or '/'}"
