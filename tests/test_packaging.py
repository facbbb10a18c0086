"""The conda file and pyproject.toml list the same packages; the package ships its data."""

import re
import tomllib
from pathlib import Path

import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).parents[1]
# conda-forge names that differ from PyPI names would go here
CONDA_ALIASES: dict[str, str] = {}


def _pyproject_names():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = project["dependencies"] + [r for extra in project["optional-dependencies"].values() for r in extra]
    return {canonicalize_name(Requirement(r).name) for r in reqs}


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
