"""Every public function, class and method of gqkit documents each of its parameters.

The public API is everything in ``gqkit.__all__`` and in each public module's ``__all__`` (or,
for a module without one, the public names it defines), plus the public methods of those
classes that gqkit defines (inherited ones too, judged where they are defined). A function,
class or method that takes parameters (other than ``self`` or ``cls``) must have a numpydoc
``Parameters`` section naming each of them; a class documents its constructor's parameters in
its own docstring (or in its ``__init__``'s), as numpydoc does. A group such as
``scales, level : str`` names both, and ``**overrides`` names ``overrides``.

The sections are read with a small parser of numpydoc's layout (a title underlined with
dashes; in ``Parameters``, every line that is not indented names parameters, before an
optional `` : type``), so the test needs no extra package.

Run this file as a script to print the counts: public objects, and how many have a
``Parameters`` section and document every parameter.
"""

from __future__ import annotations

import enum
import importlib
import inspect
import pkgutil
import re
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import pytest

import gqkit

PENDING: set[str] = set()
"""Modules whose docstrings are still being written: skipped here until they are done."""

_UNDERLINE = re.compile(r"-{3,}")


@dataclass(frozen=True)
class Public:
    """One public function, class or method, with what its docstring must document."""

    name: str  # qualified, e.g. "gqkit.scoring.score" or "gqkit.instrument.Instrument.items_of"
    module: str  # where it is defined (a method: its class's module)
    parameters: tuple[str, ...]
    doc: str


def sections(doc: str | None) -> dict[str, list[str]]:
    """The lines of each numpydoc section of ``doc`` (after ``inspect.cleandoc``), by title."""
    lines = inspect.cleandoc(doc or "").splitlines()
    found: dict[str, list[str]] = {}
    current: list[str] | None = None
    i = 0
    while i < len(lines):
        title = lines[i].rstrip()
        underline = lines[i + 1].strip() if i + 1 < len(lines) else ""
        if title and not title[0].isspace() and _UNDERLINE.fullmatch(underline) and len(underline) >= len(title):
            current = found.setdefault(title, [])
            i += 2
            continue
        if current is not None:
            current.append(lines[i])
        i += 1
    return found


def documented(doc: str | None) -> set[str] | None:
    """Parameter names of the ``Parameters`` (and ``Other Parameters``) sections; None without one."""
    found = sections(doc)
    if "Parameters" not in found:
        return None
    names = set()
    for line in found["Parameters"] + found.get("Other Parameters", []):
        if not line.strip() or line[0].isspace():
            continue
        head = line.split(" : ", 1)[0].removesuffix(" :")
        names |= {part.strip().lstrip("*") for part in head.split(",") if part.strip()}
    return names


def _in_gqkit(obj: object) -> bool:
    return (getattr(obj, "__module__", None) or "").split(".")[0] == "gqkit"


def public_modules() -> list[ModuleType]:
    """gqkit and every module of it whose dotted name has no part starting with ``_``."""
    modules = [gqkit]
    for info in pkgutil.walk_packages(gqkit.__path__, "gqkit."):
        if not any(part.startswith("_") for part in info.name.split(".")[1:]):
            modules.append(importlib.import_module(info.name))
    return modules


def _public_names(module: ModuleType) -> list[str]:
    if hasattr(module, "__all__"):
        return list(module.__all__)
    return [name for name, obj in vars(module).items() if not name.startswith("_") and getattr(obj, "__module__", None) == module.__name__]


def _parameters(func: Any, bound: bool = False) -> tuple[str, ...]:
    """Parameter names, without the first one of a method (``self`` or ``cls``)."""
    try:
        names = list(inspect.signature(func).parameters)
    except (TypeError, ValueError):  # a builtin without a signature
        return ()
    return tuple(names[1:] if bound else names)


def _constructor(cls: type) -> tuple[str, ...]:
    """The parameters of ``cls(...)`` when gqkit defines its ``__init__`` or ``__new__`` (a dataclass's too)."""
    if issubclass(cls, enum.Enum):
        return ()
    for klass in cls.__mro__:
        for attr in ("__init__", "__new__"):
            func = getattr(klass.__dict__.get(attr), "__func__", klass.__dict__.get(attr))
            if inspect.isfunction(func) and _in_gqkit(func):
                return _parameters(cls)
    return ()


def public_api() -> list[Public]:
    """Every public function, class and method, once each."""
    seen: set[int] = set()
    found: list[Public] = []

    def add(obj: object, name: str, module: str, parameters: tuple[str, ...], doc: str | None) -> None:
        if id(obj) not in seen:
            seen.add(id(obj))
            found.append(Public(name, module, parameters, doc or ""))

    for module in public_modules():
        for name in _public_names(module):
            obj = getattr(module, name)
            if not _in_gqkit(obj):
                continue
            if inspect.isfunction(obj):
                add(obj, f"{obj.__module__}.{obj.__qualname__}", obj.__module__, _parameters(obj), obj.__doc__)
            elif inspect.isclass(obj):
                init = obj.__dict__.get("__init__")
                doc = obj.__doc__ if documented(obj.__doc__) is not None or init is None else init.__doc__
                add(obj, f"{obj.__module__}.{obj.__qualname__}", obj.__module__, _constructor(obj), doc)
                for klass in (k for k in obj.__mro__ if _in_gqkit(k)):
                    for attr, member in vars(klass).items():
                        if attr.startswith("_"):
                            continue
                        if isinstance(member, staticmethod):
                            func, parameters = member.__func__, _parameters(member.__func__)
                        elif isinstance(member, classmethod):
                            func, parameters = member.__func__, _parameters(member.__func__, bound=True)
                        elif inspect.isfunction(member):
                            func, parameters = member, _parameters(member, bound=True)
                        else:  # properties and class attributes take no parameters
                            continue
                        add(func, f"{klass.__module__}.{func.__qualname__}", klass.__module__, parameters, func.__doc__ or inspect.getdoc(func))  # an override without its own docstring inherits the base method's, as Sphinx shows it
    return found


API = public_api()
CHECKED = [p for p in API if p.module not in PENDING and p.parameters]


def test_the_walk_finds_the_public_api():
    names = {p.name for p in API}
    assert {"gqkit.scoring.score", "gqkit.instrument.Instrument", "gqkit.instrument.Instrument.items_of",
            "gqkit.simulation.config.SimulationConfig.with_overrides", "gqkit.cli.main"} <= names  # fmt: skip
    assert len(CHECKED) > 100


def test_the_parser_reads_numpydoc_layout():
    doc = """Summary.

    Parameters
    ----------
    scales, level : str
        Grouped.
    *args
        Extra.
    **overrides : object
        More.

    Returns
    -------
    thing : int
        Not a parameter.
    """
    assert documented(doc) == {"scales", "level", "args", "overrides"}
    assert documented("Summary only.") is None


@pytest.mark.parametrize("public", CHECKED, ids=[p.name for p in CHECKED])
def test_every_parameter_is_documented(public: Public):
    names = documented(public.doc)
    assert names is not None, f"{public.name} has no numpydoc Parameters section (it takes {', '.join(public.parameters)})"
    missing = [p for p in public.parameters if p not in names]
    assert not missing, f"{public.name}: the Parameters section does not name {', '.join(missing)}"


@pytest.mark.parametrize("public", CHECKED, ids=[p.name for p in CHECKED])
def test_no_parameter_is_documented_that_does_not_exist(public: Public):
    stale = sorted((documented(public.doc) or set()) - set(public.parameters))
    assert not stale, f"{public.name} documents parameters it does not take: {', '.join(stale)}"


if __name__ == "__main__":
    with_section = [p for p in API if documented(p.doc) is not None]
    complete = [p for p in API if p.parameters and set(p.parameters) <= (documented(p.doc) or set())]
    print(f"public objects: {len(API)} ({sum(1 for p in API if p.parameters)} take parameters)")
    print(f"with a Parameters section: {len(with_section)}; documenting every parameter: {len(complete)}")
    for p in API:
        if p.parameters and not set(p.parameters) <= (documented(p.doc) or set()):
            print(f"  gap{' (pending)' if p.module in PENDING else ''}: {p.name}")
