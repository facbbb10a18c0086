"""Writing the gqkit calls that reproduce a view, for "show the code".

Private helper of the explorers (:mod:`gqkit.widgets` and friends): each explorer's ``code()``
writes its few lines with :func:`call` and :func:`spec`, and a test runs them and compares
their numbers with the explorer's.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

WIDTH = 96  # a call longer than this is broken after its arguments


def call(name: str, *args: object, **kwargs: object) -> str:
    """``name(arg, key=value, ...)`` with each value's ``repr``, broken over lines when long.

    Parameters
    ----------
    name : str
        What is called, as the reader's code spells it (``"gqkit.simulate"``).
    *args, **kwargs
        Its arguments; a value of :class:`Code` is written as it is, not as its ``repr``.

    Returns
    -------
    str

    Examples
    --------
    >>> call("gqkit.simulate", seed=1, n_members=8)
    'gqkit.simulate(seed=1, n_members=8)'
    """
    parts = [literal(a) for a in args] + [f"{key}={literal(value)}" for key, value in kwargs.items()]
    one_line = f"{name}({', '.join(parts)})"
    if len(one_line) <= WIDTH:
        return one_line
    return f"{name}(\n" + "".join(f"    {part},\n" for part in parts) + ")"


def spec(name: str, obj: Any) -> str:
    """A call that makes the dataclass ``obj`` again, naming only the fields that differ from their defaults.

    Parameters
    ----------
    name : str
        How the reader's code names the class (``"gqkit.Rupture"``).
    obj : dataclass instance
        A frozen dataclass whose fields are its parameters (a rule, a rupture).

    Returns
    -------
    str
    """
    changed = {}
    for field in dataclasses.fields(obj):
        if not field.init:
            continue
        value = getattr(obj, field.name)
        default = field.default if field.default is not dataclasses.MISSING else (
            field.default_factory() if field.default_factory is not dataclasses.MISSING else dataclasses.MISSING)  # fmt: skip
        if default is dataclasses.MISSING or value != default:
            changed[field.name] = value
    return call(name, **changed)


class Code(str):
    """Text written into a call as code (a variable's name), not as a quoted string."""


def literal(value: object) -> str:
    """``value`` as Python source, strings in double quotes (as the notebooks write them).

    Parameters
    ----------
    value : object
        A string, number, bool, None, a tuple, list or dict of them, or :class:`Code`.

    Returns
    -------
    str

    Examples
    --------
    >>> literal(("PB", "NR"))
    '("PB", "NR")'
    """
    if isinstance(value, Code):
        return str(value)
    if isinstance(value, str):
        text = repr(value)
        return f'"{text[1:-1]}"' if text[0] == "'" and '"' not in value else text
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{literal(k)}: {literal(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (tuple, list)):
        items = ", ".join(literal(v) for v in value) + ("," if isinstance(value, tuple) and len(value) == 1 else "")
        return f"({items})" if isinstance(value, tuple) else f"[{items}]"
    return repr(value)
