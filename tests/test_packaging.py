"""The conda file and pyproject.toml list the same packages with the same floors; CI tests
those floors (make test-oldest); the package ships its data."""

import importlib.util
import re
import tomllib
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).parents[1]
# conda-forge names that differ from PyPI names would go here
CONDA_ALIASES: dict[str, str] = {}


def _pyproject():
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def _pyproject_requirements():
    project = _pyproject()
    return [Requirement(r) for r in project["dependencies"] + [r for extra in project["optional-dependencies"].values() for r in extra]]


def _pyproject_names():
    return {canonicalize_name(r.name) for r in _pyproject_requirements()}


def _conda_names():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    names = set()
    for dep in env["dependencies"]:
        if isinstance(dep, str):
            name = canonicalize_name(re.split(r"[=<>!~ ]", dep, maxsplit=1)[0])
            names.add(CONDA_ALIASES.get(name, name))
    pip = [p for dep in env["dependencies"] if isinstance(dep, dict) for p in dep.get("pip", [])]
    return env, names, pip


def test_environment_yml_lists_exactly_the_pyproject_packages():
    env, conda, pip = _conda_names()
    assert env["name"] == "gqkit" and "conda-forge" in env["channels"]
    assert any(str(d).startswith("python=") for d in env["dependencies"])
    assert "-e ." in pip
    conda -= {"python", "pip"}
    wanted = _pyproject_names()
    assert sorted(wanted - conda) == [], "environment.yml is missing these"
    assert sorted(conda - wanted) == [], "environment.yml has packages pyproject.toml lacks"


def test_environment_yml_has_the_pyproject_version_bounds():
    """Same floors (and caps) in both files: raising a floor in one without the other fails here."""
    wanted: dict[str, SpecifierSet] = {}
    for req in _pyproject_requirements():
        name = canonicalize_name(req.name)
        assert wanted.setdefault(name, req.specifier) == req.specifier, f"{name} has two different ranges in pyproject.toml"
    env, _, _ = _conda_names()
    for dep in env["dependencies"]:
        if not isinstance(dep, str):
            continue
        name, spec = re.fullmatch(r"([A-Za-z0-9._-]+)\s*(.*)", dep).groups()
        name = CONDA_ALIASES.get(canonicalize_name(name), canonicalize_name(name))
        if name == "python":
            assert Version(spec.lstrip("=")) in SpecifierSet(_pyproject()["requires-python"])
        elif name != "pip":
            assert SpecifierSet(spec) == wanted[name], f"{name}: environment.yml says {spec!r}, pyproject.toml {str(wanted[name])!r}"


def _oldest_pins():
    spec = importlib.util.spec_from_file_location("oldest_pins", ROOT / ".ci" / "oldest_pins.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_ci_tests_exactly_the_floors_pyproject_declares():
    """`make test-oldest` (run by .ci/run) installs each dependency at its floor, from pyproject.toml itself."""
    oldest, project = _oldest_pins(), _pyproject()
    pins = {canonicalize_name(r.name): r for r in map(Requirement, oldest.pins(project))}
    assert set(pins) == _pyproject_names(), "every runtime and optional dependency is pinned (extras other than dev must be subsets of it)"
    for req in _pyproject_requirements():
        (pin,) = pins[canonicalize_name(req.name)].specifier
        floors = [s for s in req.specifier if s.operator in (">=", "==", "~=")]
        assert pin.operator == "==" and [Version(s.version) for s in floors] == [Version(pin.version)], req
        assert req.specifier.contains(pin.version, prereleases=True), f"{req}: its own floor {pin.version} is outside its range"
    python = oldest.oldest_python(project)
    assert Version(python) in SpecifierSet(project["requires-python"]) and Version(python) == Version(project["requires-python"].lstrip(">= "))
    for no_floor in ("numpy", "numpy<3", "numpy>1.26"):
        with pytest.raises(ValueError, match="floor"):
            oldest.floor(no_floor)
    assert "make test-oldest" in (ROOT / ".ci" / "run").read_text()


def test_instrument_csv_is_package_data():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert {"*.csv", "synthetic/*/*"} <= set(project["tool"]["setuptools"]["package-data"]["gqkit.data"])
    assert (ROOT / "gqkit" / "data" / "instrument.csv").exists()


def test_the_wheel_carries_the_instrument_and_every_dataset_file(tmp_path):
    """load_example must work from an installed wheel, not only from a checkout."""
    import subprocess
    import sys
    import zipfile

    subprocess.run([sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "-q", "-w", str(tmp_path)], check=True, capture_output=True)
    wheel = next(tmp_path.glob("gqkit-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    shipped = {f"gqkit/data/synthetic/{p.parent.name}/{p.name}" for p in (ROOT / "gqkit" / "data" / "synthetic").glob("*/*")}
    assert "gqkit/data/instrument.csv" in names
    assert shipped and shipped <= names
