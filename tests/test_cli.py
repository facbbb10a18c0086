"""The gqkit command: simulate, detect, evaluate; bad input gives one line and exit code 2."""

import io
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from gqkit.cli import main

BAD = Path(__file__).parent / "bad_inputs"


def test_simulate_detect_evaluate_round(tmp_path, capsys):
    folder = tmp_path / "cohort"
    assert main(["simulate", str(folder), "--groups", "3", "--seed", "2", "--set", "n_sessions=10"]) == 0
    assert (folder / "events.csv").exists() and capsys.readouterr().out.strip() == str(folder)
    out = tmp_path / "detections.csv"
    assert main(["detect", str(folder), "--rule", "change", "--param", "threshold=0.5", "scales=PB,NR", "--out", str(out)]) == 0
    detections = pd.read_csv(out)
    assert set(detections["scale"]) <= {"PB", "NR"} and (detections["rule"] == "change").all()
    assert main(["evaluate", str(folder), "--rule", "dyad_drop", "--tolerance", "0", "2"]) == 0
    table = pd.read_csv(io.StringIO(capsys.readouterr().out))
    assert table.loc[0, "scope"] == "overall" and 0 <= table.loc[0, "recall"] <= 1


def test_detect_reads_a_responses_file(tmp_path, capsys):
    from gqkit import simulate

    simulate(seed=1).responses.to_csv(tmp_path / "r.csv", index=False)
    assert main(["detect", str(tmp_path / "r.csv"), "--rule", "status"]) == 0
    assert capsys.readouterr().out.startswith("group,member,session,onset")


@pytest.mark.parametrize(
    "argv, fragment",
    [
        (["detect", str(BAD / "response_text.csv")], "got 'agree'"),
        (["detect", "nowhere.csv"], "nowhere.csv: 1 problem"),
        (["detect", str(BAD / "response_text.csv"), "--rule", "nope"], "--rule='nope'"),
        (["evaluate", str(BAD / "response_text.csv")], "a cohort folder"),
        (["simulate", "x", "--set", "n_members=0"], "n_members=0"),
        (["frobnicate"], "invalid choice"),
        (["detect", "x.csv", "--param", "threshold"], "NAME=VALUE"),
    ],
)
def test_bad_arguments_give_one_line_and_exit_2(argv, fragment):
    run = subprocess.run([sys.executable, "-m", "gqkit.cli", *argv], capture_output=True, text=True)
    assert run.returncode == 2
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and fragment in lines[0] and "Traceback" not in run.stderr


def test_repeated_options_add_up(tmp_path):
    folder = tmp_path / "c"
    assert main(["simulate", str(folder), "--groups", "1", "--seed", "1", "--set", "n_members=4", "--set", "n_sessions=6"]) == 0
    from gqkit.simulation import Cohort

    cohort = Cohort.from_dir(folder)
    assert cohort.attended.shape == (1, 4, 6)
    out = tmp_path / "d.csv"
    assert main(["detect", str(folder), "--param", "scales=PB", "--param", "threshold=0.1", "--out", str(out)]) == 0
    assert set(pd.read_csv(out)["scale"]) <= {"PB"}


def test_file_system_errors_are_one_line(tmp_path):
    run = subprocess.run([sys.executable, "-m", "gqkit.cli", "simulate", str(tmp_path), "--groups", "1"], capture_output=True, text=True)
    assert run.returncode == 0
    run = subprocess.run([sys.executable, "-m", "gqkit.cli", "detect", str(tmp_path), "--out", str(tmp_path)], capture_output=True, text=True)
    assert run.returncode == 2 and len(run.stderr.strip().splitlines()) == 1 and "Traceback" not in run.stderr
