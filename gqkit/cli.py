"""The ``gqkit`` command: simulate a cohort, detect ruptures, evaluate a rule, write a feedback report.

    gqkit simulate OUT_DIR [--groups N] [--seed S] [--feedback] [--overwrite] [--set NAME=VALUE ...]
    gqkit detect INPUT [--rule NAME] [--param NAME=VALUE ...] [--out FILE]
    gqkit evaluate COHORT_DIR [--rule NAME] [--param NAME=VALUE ...] [--tolerance LOW HIGH] [--out FILE]
    gqkit report FILE --out REPORT.html [--group G] [--member M] [--layout auto|long|wide] [--missing CODE ...]

INPUT is a responses file (long or wide, read with ``read_responses``) or a cohort folder; FILE
is a responses file. ``report`` writes a GQ-style feedback report (:func:`gqkit.report.feedback_report`),
one self-contained HTML file, and prints its path.
Bad arguments or files print one line on stderr, naming the file or argument, and exit with
code 2. Any other error is a bug in gqkit and shows its traceback. CSV output defuses text
cells that a spreadsheet would run as formulas (a leading apostrophe).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path
from typing import NoReturn

import pandas as pd

from . import detect as rules_module
from ._tables import write_csv
from .errors import GQConfigError, GQDataError
from .evaluate import evaluate
from .io import read_responses
from .scoring import score
from .simulation import Cohort, SimulationConfig, simulate

RULES = rules_module.RULES


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line, exit 2, no usage dump
        raise SystemExit(_fail(f"{self.prog}: {message}"))


def _fail(line: str) -> int:
    print(line, file=sys.stderr)
    return 2


def _value(text: str) -> object:
    """A parameter value: JSON when it parses (numbers, true/false, dicts), a tuple for a,b,c, else text."""
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return tuple(text.split(",")) if "," in text else text


def _pairs(items: list[str], flag: str) -> dict[str, object]:
    out = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise GQConfigError(flag, item, "NAME=VALUE")
        if name in out:
            raise GQConfigError(flag, item, f"each name once ({name} is given twice)")
        parsed = _value(value)
        if name == "scales" and not isinstance(parsed, tuple):
            parsed = tuple(parsed) if isinstance(parsed, list) else (parsed,)
        out[name] = parsed
    return out


def _rule(name: str, params: list[str]) -> rules_module.Rule:
    if name not in RULES:
        raise GQConfigError("--rule", name, f"one of {', '.join(RULES)}")
    pairs = _pairs(params, "--param")
    known = [f.name for f in dataclasses.fields(RULES[name]) if f.init]
    for key in pairs:
        if key not in known:
            accepts = RULES[name].accepts()  # what each parameter takes, declared on the rule
            listed = ", ".join(f"{k} ({accepts[k]})" if k in accepts else k for k in known)
            raise GQConfigError("--param", key, f"a parameter of the {name} rule: {listed}")
    return RULES[name](**pairs)


def _scores_of(path: Path) -> pd.DataFrame:
    return Cohort.from_dir(path).scores() if path.is_dir() else score(read_responses(path))


def _write(table: pd.DataFrame, out: str | None, source: Path) -> None:
    """Write to ``out`` or standard output; text cells that look like formulas are defused."""
    if out is not None and (not out.strip() or Path(out).resolve() == source.resolve() or source.resolve() in Path(out).resolve().parents):
        raise GQConfigError("--out", out, f"a file path other than the input {source} and outside it (gqkit never writes over its input)")
    if not out:
        write_csv(table, sys.stdout)
        return
    try:
        write_csv(table, out)
    except OSError as err:
        raise GQConfigError("--out", out, f"a file that can be written ({err.strerror or err})") from None


def _report(args: argparse.Namespace) -> None:
    """``gqkit report``: read, report, write; print the path written."""
    from .report import feedback_report  # here: matplotlib loads only for the command that draws

    source, out = Path(args.input), args.out
    if not out.strip() or Path(out).resolve() == source.resolve():
        raise GQConfigError("--out", out, f"an HTML file path other than the input {source} (gqkit never writes over its input)")
    if source.is_dir():
        raise GQConfigError("FILE", args.input, "a responses file (long or wide), not a folder")
    responses = read_responses(source, layout=args.layout, missing=args.missing)
    try:
        page = feedback_report(responses, group=args.group, member=args.member, source=source.name)
    except GQConfigError as err:  # name the option, not the function's parameter
        if err.parameter in ("group", "member"):
            raise GQConfigError(f"--{err.parameter}", err.value, err.expected) from None
        raise
    try:
        Path(out).write_text(page, encoding="utf-8")
    except OSError as err:
        raise GQConfigError("--out", out, f"a file that can be written ({err.strerror or err})") from None
    print(out)


def main(argv: list[str] | None = None) -> int:
    """Run the ``gqkit`` command (the console script calls this).

    Parameters
    ----------
    argv : list of str, optional
        The arguments after the program's name, e.g. ``["simulate", "out", "--groups", "3"]``;
        default: ``sys.argv[1:]``. The subcommands and their options are in the module's
        docstring and in ``gqkit --help``.

    Returns
    -------
    int
        The exit code: 0 on success (and when the reader of standard output closes early),
        2 for bad arguments or files, after one line on standard error.

    Examples
    --------
    >>> main(["detect", "no_such_file.csv"])
    2
    """
    parser = _Parser(prog="gqkit", description="Simulate, detect and evaluate ruptures in group therapy data.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    p_sim = sub.add_parser("simulate", help="simulate a cohort into a folder")
    p_sim.add_argument("out")
    p_sim.add_argument("--groups", type=int, default=1)
    p_sim.add_argument("--seed", type=int, default=None)
    p_sim.add_argument("--feedback", action="store_true", help="run every group with change-alert feedback")
    p_sim.add_argument("--overwrite", action="store_true", help="replace the cohort files of a folder that holds files")
    p_sim.add_argument("--set", nargs="*", action="extend", default=[], metavar="NAME=VALUE", help="model parameters, e.g. n_members=6")
    for name, help_text in (("detect", "detections of a rule as CSV"), ("evaluate", "a rule's metrics against a cohort's truth")):
        p = sub.add_parser(name, help=help_text)
        p.add_argument("input")
        p.add_argument("--rule", default="change", help=f"one of {', '.join(RULES)}")
        p.add_argument("--param", nargs="*", action="extend", default=[], metavar="NAME=VALUE")
        p.add_argument("--out", default=None, help="CSV file (default: standard output)")
        if name == "evaluate":
            p.add_argument("--tolerance", nargs=2, type=int, default=[0, 3], metavar=("LOW", "HIGH"))
    p_report = sub.add_parser("report", help="a GQ-style feedback report (one HTML file) of a responses file")
    p_report.add_argument("input", metavar="FILE")
    p_report.add_argument("--out", required=True, help="the HTML file to write")
    p_report.add_argument("--group", default=None, help="report only this group")
    p_report.add_argument("--member", default=None, help="give a page to this member only")
    p_report.add_argument("--layout", default="auto", choices=("auto", "long", "wide"), help="the file's layout (default: auto)")
    p_report.add_argument("--missing", nargs="*", action="extend", default=[], metavar="CODE", help="extra codes meaning no answer, e.g. -99")
    args = parser.parse_args(argv)
    try:
        if args.command == "simulate":
            if not args.out.strip():
                raise GQConfigError("OUT_DIR", args.out, "the path of a folder to write")
            config = SimulationConfig().with_overrides(**_pairs(args.set, "--set"))  # only model parameters, checked here
            cohort = simulate(config, n_groups=args.groups, seed=args.seed, feedback=True if args.feedback else None)
            print(cohort.to_dir(args.out, overwrite=args.overwrite))
        elif args.command == "report":
            _report(args)
        elif args.command == "detect":
            _write(_rule(args.rule, args.param).detect(_scores_of(Path(args.input))), args.out, Path(args.input))
        else:
            path = Path(args.input)
            if not path.is_dir():
                raise GQConfigError("input", args.input, "a cohort folder written by `gqkit simulate` (it holds the truth)")
            cohort = Cohort.from_dir(path)
            table = evaluate(cohort, _rule(args.rule, args.param).detect(cohort.scores()), tuple(args.tolerance))
            _write(table, args.out, path)
    except BrokenPipeError:  # e.g. `gqkit detect ... | head`
        return 0
    except (GQDataError, GQConfigError) as err:  # anything else is a bug and must show its traceback
        lines = str(err).splitlines() or [type(err).__name__]
        return _fail("gqkit: " + " | ".join(line.strip() for line in lines[:4]) + (" | ..." if len(lines) > 4 else ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
