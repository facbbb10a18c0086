"""Turn pyproject.toml's floors into exact pins, for the oldest-versions test environment.

    python .ci/oldest_pins.py            # one `name==floor` line per dependency (runtime + dev extra)
    python .ci/oldest_pins.py --python   # the oldest Python requires-python admits, e.g. 3.11
    python .ci/oldest_pins.py --interpreter  # a runnable interpreter of that version, or exit 1

Every dependency must declare a floor (`>=X`, `==X` or `~=X`); one without a floor is an
error, because nobody would know what "the oldest version" means for it. Upper bounds
(`<9`) are dropped: the floor already satisfies them. Markers (`; python_version < "3.12"`)
are kept. `make test-oldest` installs these pins into .venv-oldest and runs the tests there,
so what CI tests and what pyproject.toml promises cannot drift apart.

Standard library only (Python 3.11+, for tomllib).
"""

import glob
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"
EXTRAS = ("dev",)  # the test tools; other extras (dask) are subsets of dev

_REQ = re.compile(r"^\s*(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*(?P<spec>[^;]*?)\s*(?:;\s*(?P<marker>.+))?$")
_FLOOR = re.compile(r"^(>=|==|~=)\s*(?P<version>[0-9][0-9A-Za-z.+!-]*)$")


def floor(requirement: str) -> tuple[str, str, str | None]:
    """`"ipywidgets>=8.1,<9"` -> `("ipywidgets", "8.1", None)`."""
    m = _REQ.match(requirement)
    if not m:
        raise ValueError(f"cannot read requirement {requirement!r}")
    floors = [f.group("version") for part in m["spec"].split(",") if (f := _FLOOR.match(part.strip()))]
    if len(floors) != 1:
        raise ValueError(f"{requirement!r} must declare exactly one floor (>=X), found {len(floors)}")
    return m["name"], floors[0], m["marker"]


def requirements(project: dict) -> list[str]:
    reqs = list(project["dependencies"])
    for extra in EXTRAS:
        reqs += project["optional-dependencies"][extra]
    return reqs


def pins(project: dict) -> list[str]:
    lines = []
    for req in requirements(project):
        name, version, marker = floor(req)
        lines.append(f"{name}=={version}" + (f"; {marker}" if marker else ""))
    return lines


def oldest_python(project: dict) -> str:
    m = re.fullmatch(r"\s*>=\s*(\d+)\.(\d+)(?:\.\d+)?\s*", project["requires-python"])
    if not m:
        raise ValueError(f"requires-python {project['requires-python']!r} must be a plain floor like '>=3.11'")
    return f"{m[1]}.{m[2]}"


def find_interpreter(version: str) -> str | None:
    """A pythonX.Y that runs and is X.Y: on PATH, else pyenv's copy (this machine's image has one).

    pyenv's shim for a version that is installed but not selected is on PATH and fails when
    run, so each candidate is run once before it is trusted.
    """
    pyenv = os.environ.get("PYENV_ROOT") or os.path.expanduser("~/.pyenv")
    candidates = [shutil.which(f"python{version}")]
    candidates += sorted(glob.glob(f"{pyenv}/versions/{version}.*/bin/python{version}"), reverse=True)
    for exe in filter(None, candidates):
        check = [exe, "-c", "import sys, venv; print('%d.%d' % sys.version_info[:2])"]
        try:
            out = subprocess.run(check, capture_output=True, text=True, timeout=60)
        except OSError:
            continue
        if out.returncode == 0 and out.stdout.strip() == version:
            return exe
    return None


def main(argv: list[str]) -> int:
    project = tomllib.loads(PYPROJECT.read_text())["project"]
    if argv[1:] == ["--python"]:
        print(oldest_python(project))
    elif argv[1:] == ["--interpreter"]:
        version = oldest_python(project)
        exe = find_interpreter(version)
        if exe is None:
            print(f"no runnable python{version} (requires-python's floor) on PATH or under pyenv; "
                  f"set OLDEST_PYTHON=/path/to/python{version}, or raise requires-python to what CI can test",
                  file=sys.stderr)
            return 1
        print(exe)
    elif argv[1:] == []:
        print("\n".join(pins(project)))
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
