"""Every door refuses tampered, truncated and odd input by name; a fuzz test tries many more.

The doors: ``Cohort.from_dir`` (and the CLI's detect/evaluate on a folder), ``read_responses``,
``Instrument.from_csv`` and the CLI's arguments. A door either gives the same result as for the
untouched input, or raises gqkit's own error naming the file (and line and column where there
is one); never a foreign exception, never a silently different result.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gqkit import GQDataError, Instrument, read_responses
from gqkit.cli import main
from gqkit.errors import GQConfigError
from gqkit.simulation import Cohort, simulate
from gqkit.simulation.folder import FILES, TABLES

RATES = {"MM": 0.1, "ML": 0.1, "MG": 0.1}


@pytest.fixture(scope="module")
def original(tmp_path_factory) -> tuple[Cohort, Path]:
    """A small cohort with ruptures, repairs, fades and feedback, written once."""
    cohort = simulate(n_groups=3, seed=7, n_members=4, n_sessions=8, feedback_share=0.5, rate=RATES, fade_hazard=0.2, microaggression_rate=0.2,
                      address_now=0.0, shaming=1.0)  # fmt: skip
    assert set(cohort.events["kind"]) == {"rupture", "repair", "fade"}
    responses = set(cohort.events.loc[cohort.events["type"] == "cultural", "response"])
    assert responses == {"addressed", "not addressed", "shaming"}
    return cohort, cohort.to_dir(tmp_path_factory.mktemp("cohort") / "c")


@pytest.fixture
def folder(original, tmp_path) -> Path:
    """A fresh copy of the cohort folder to tamper with."""
    return Path(shutil.copytree(original[1], tmp_path / "c"))


def _edit(path: Path, line: int, column: str, value: str) -> None:
    """Set one cell of a CSV file (``line`` counts from 1, the header being line 1)."""
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    table.loc[line - 2, column] = value
    table.to_csv(path, index=False, lineterminator="\n")


def _lines(path: Path) -> list[str]:
    return path.read_text().splitlines(keepends=True)


def _first_line(path: Path, column: str, value: str) -> int:
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    return int(np.flatnonzero(table[column] == value)[0]) + 2


# -- the cases, each named by file, line and column -----------------------------------
def answer_94(f):
    _edit(f / "responses.csv", 3, "gq05", "94")
    return "responses.csv", "line 3, column 'gq05': got '94'"


def truncated_at_a_line_end(f):
    lines = _lines(f / "responses.csv")
    (f / "responses.csv").write_text("".join(lines[: len(lines) // 2]))
    return "members.csv", "column 'n_attended'"


def truncated_mid_line(f):
    text = (f / "responses.csv").read_text()
    (f / "responses.csv").write_text(text[: len(text) // 2 + 7])
    return "responses.csv", "end of file: expected a line end after the last line, as gqkit writes it: was the file cut short?"


def last_repair_attempt_deleted(f):
    lines = _lines(f / "events.csv")
    last = max(i for i, line in enumerate(lines) if ",repair," in line)
    (f / "events.csv").write_text("".join(lines[:last] + lines[last + 1:]))
    return "members.csv", "column 'n_attempts'"


def last_bytes_lost(f):
    text = (f / "events.csv").read_text()
    (f / "events.csv").write_text(text[:-3])
    return "events.csv", "was the file cut short?"


def repeated_config_key(f):
    text = (f / "config.json").read_text()
    (f / "config.json").write_text(text.replace('"n_members": 4,', '"n_members": 4, "n_members": 5,', 1))
    return "config.json", "key 'n_members': expected each key once"


def _edit_first_repair(f: Path, column: str, value: str) -> int:
    line = _first_line(f / "events.csv", "kind", "repair")
    _edit(f / "events.csv", line, column, value)
    return line


def repair_that_disagrees_with_its_rupture(f):
    line = _edit_first_repair(f, "severity", "2.99")
    return "events.csv", f"line {line}, column 'severity'"


def conflicting_duplicate_session(f):
    lines = _lines(f / "responses.csv")
    (f / "responses.csv").write_text("".join(lines) + lines[1].replace(",4,", ",5,", 1))
    return "responses.csv", f"line {len(lines) + 1}: expected one row per group, member, session; line 2 has the same"


def unknown_event_kind(f):
    line = _edit_first_repair(f, "kind", "mend")
    return "events.csv", f"line {line}, column 'kind': got 'mend'; expected one of rupture, repair, fade"


def _change_config(folder: Path, change) -> None:
    config = json.loads((folder / "config.json").read_text())
    change(config)
    (folder / "config.json").write_text(json.dumps(config))


def config_with_more_members(f):
    _change_config(f, lambda c: c["design"].update(n_members=6))
    return "members.csv", "a row for each of the 6 members of every group; none for g001 m05"


def config_with_fewer_sessions(f):
    _change_config(f, lambda c: c["design"].update(n_sessions=5))
    return "members.csv", "expected a session up to 5 (config.json: n_sessions = 5)"


def malformed_config(f):
    (f / "config.json").write_text((f / "config.json").read_text().replace('"design": {', '"design": {,', 1))
    return "config.json", "expected JSON"


def missing_config_section(f):
    _change_config(f, lambda c: c.pop("repair"))
    return "config.json", "key 'repair'"


def unknown_config_parameter(f):
    _change_config(f, lambda c: c["design"].update(n_memebrs=4))
    return "config.json", "key 'design.n_memebrs'"


def duplicate_group(f):
    _edit(f / "groups.csv", 3, "group", "g001")
    return "groups.csv", "line 3: expected one row per group; line 2 has the same"


def non_integer_count(f):
    _edit(f / "members.csv", 4, "n_attended", "2.5")
    return "members.csv", "line 4, column 'n_attended': got '2.5'; expected a whole number"


def missing_file(f):
    (f / "outcomes.csv").unlink()
    return "c", "a file outcomes.csv"


def repair_of_an_unknown_rupture(f):
    line = _edit_first_repair(f, "rupture_id", "g001-r999")
    return "events.csv", f"line {line}, column 'rupture_id': got 'g001-r999'; expected the id of a rupture of the same group"


def dropped_outcome(f):
    lines = _lines(f / "outcomes.csv")
    (f / "outcomes.csv").write_text("".join(lines[:5] + lines[6:]))
    return "outcomes.csv", "expected a row for every answered session; none for"


def final_oq_edited(f):
    _edit(f / "members.csv", 2, "final_oq", "12")
    return "members.csv", "line 2, column 'final_oq': got '12'; expected"


def rupture_marked_unresolved(f):
    events = pd.read_csv(f / "events.csv", dtype=str, keep_default_na=False)
    ended = events.loc[events["kind"] == "fade", "rupture_id"].iloc[0]
    line = int(np.flatnonzero((events["kind"] == "rupture") & (events["rupture_id"] == ended))[0]) + 2
    _edit(f / "events.csv", line, "resolved", "False")
    return "events.csv", f"line {line}, column 'resolved'"


def invisible_character_in_instrument(f):
    _edit(f / "instrument.csv", 4, "item", "gq0\u200b3")
    return "instrument.csv", "line 4, column 'item': got 'gq0\\\\u200b3'; expected an item id of visible characters"


def _edit_where(f: Path, name: str, select, column: str, value: str) -> int:
    """Set ``column`` on the first row of ``name`` where ``select(table)`` holds; return its line."""
    table = pd.read_csv(f / name, dtype=str, keep_default_na=False)
    line = int(np.flatnonzero(select(table))[0]) + 2
    _edit(f / name, line, column, value)
    return line


ONE_CELL = [  # (name, file, which row, column, new value, fragment after "line N, column 'c'")
    ("fade_with_an_alert", "events.csv", lambda t: t["kind"] == "fade", "alert_session", "8", ": got '8'; expected an empty cell: a fade has no alert"),
    ("severity_beyond_the_config", "events.csv", lambda t: t["kind"] == "rupture", "severity", "100", ": got '100'; expected a severity from"),
    ("member_leader_rupture_from_the_group", "events.csv", lambda t: (t["kind"] == "rupture") & (t["level"] == "ML"), "source", "group", ""),
    ("unknown_cause", "events.csv", lambda t: t["kind"] == "rupture", "cause", "-random", ": got '-random'; expected one of random, scripted, shaming"),
    ("outcome_flag_that_disagrees_with_the_curve", "outcomes.csv", lambda t: t["not_on_track"] == "False", "not_on_track", "True", ""),
    ("unknown_dimension", "events.csv", lambda t: t["type"] == "cultural", "dimension", "identity Z", ": got 'identity Z'; expected one of the identity dimensions"),
    ("dimension_on_a_withdrawal", "events.csv", lambda t: t["type"] == "withdrawal", "dimension", "identity A", ": got 'identity A'; expected an empty cell"),
    ("microaggression_without_response", "events.csv", lambda t: t["type"] == "cultural", "response", "", ": expected the leader's response"),
    ("response_that_disagrees_with_its_rupture", "events.csv", lambda t: (t["kind"] == "repair") & (t["response"] == "addressed") & (t["level"] == "MM"), "response", "shaming",
     ": got 'shaming'; expected the response its rupture row gives"),
    ("unnamed_microaggression", "events.csv", lambda t: (t["kind"] == "rupture") & (t["type"] == "cultural"), "member_named", "",
     ": expected True or False for a cultural rupture"),
    ("unknown_identity_of_a_member", "members.csv", lambda t: t["marginalised"] != "", "marginalised", "identity A;identity Q",
     ": got 'identity A;identity Q'; expected identity dimensions from config.json"),
    ("one_remark_more", "members.csv", lambda t: t["n_remarks"] == "0", "n_remarks", "1", ": got '1'; expected 0, as events.csv and responses.csv have"),
    ("one_witness_less", "members.csv", lambda t: t["n_witnessed"] != "0", "n_witnessed", "0", ": got '0'; expected"),
    ("norms_that_disagree_with_the_config", "groups.csv", lambda t: t["norm_setting"] == "False", "norm_setting", "True",
     ": got 'True'; expected False, as config.json's norm_setting"),
]


def _one_cell(name, file, select, column, value, rest):
    def tamper(f):
        line = _edit_where(f, file, select, column, value)
        return file, f"line {line}, column '{column}'{rest}"

    tamper.__name__ = name
    return tamper


def _respond_otherwise(f: Path, was: str, now: str) -> tuple[str, str]:
    """Change the response on every row of the first microaggression answered ``was``."""
    path = f / "events.csv"
    events = pd.read_csv(path, dtype=str, keep_default_na=False)
    rupture = events[(events["kind"] == "rupture") & (events["response"] == was)].iloc[0]
    events.loc[events["rupture_id"] == rupture["rupture_id"], "response"] = now
    events.to_csv(path, index=False)
    return "events.csv", f"line {int(rupture.name) + 2}, column 'response': got '{now}'; expected not addressed exactly when no repair row answers"


def unaddressed_but_answered(f):
    return _respond_otherwise(f, "addressed", "not addressed")


def addressed_without_an_answer(f):
    return _respond_otherwise(f, "not addressed", "addressed")


def target_not_marginalised(f):
    members = pd.read_csv(f / "members.csv", dtype=str, keep_default_na=False)
    target = members[members["n_targeted"] != "0"].iloc[0]
    _edit(f / "members.csv", int(target.name) + 2, "marginalised", "")
    events = pd.read_csv(f / "events.csv", dtype=str, keep_default_na=False)
    line = int(np.flatnonzero((events["group"] == target["group"]) & (events["member"] == target["member"]) & (events["type"] == "cultural"))[0]) + 2
    return "events.csv", f"line {line}, column 'member': got '{target['member']}'; expected a target marginalised on the dimension"


def therapist_with_two_sets_of_factors(f):
    _edit(f / "groups.csv", 3, "commitment", "0.01")
    return "groups.csv", "line 3, column 'therapist'"


def seed_in_scientific_notation(f):
    _edit(f / "groups.csv", 2, "seed", "1.82441E+38")
    return "groups.csv", "line 2, column 'seed': got '1.82441E+38'; expected the seed as a whole number written in digits"


CASES = [answer_94, truncated_at_a_line_end, truncated_mid_line, conflicting_duplicate_session, unknown_event_kind, config_with_more_members,
         config_with_fewer_sessions, malformed_config, missing_config_section, unknown_config_parameter, duplicate_group, non_integer_count,
         missing_file, repair_of_an_unknown_rupture, dropped_outcome, final_oq_edited, rupture_marked_unresolved,
         invisible_character_in_instrument, last_bytes_lost, last_repair_attempt_deleted, repeated_config_key, repair_that_disagrees_with_its_rupture,
         therapist_with_two_sets_of_factors, seed_in_scientific_notation, target_not_marginalised, unaddressed_but_answered,
         addressed_without_an_answer, *(_one_cell(*case) for case in ONE_CELL)]  # fmt: skip


@pytest.mark.parametrize("tamper", CASES, ids=[c.__name__ for c in CASES])
def test_a_tampered_folder_is_refused_by_name(folder, tamper):
    source, fragment = tamper(folder)
    with pytest.raises(GQDataError) as info:
        Cohort.from_dir(folder)
    message = str(info.value)
    assert message.split(":")[0].endswith(source), message
    assert fragment in message, message


@pytest.mark.parametrize("tamper", [answer_94, truncated_at_a_line_end, malformed_config, duplicate_group, missing_file], ids=lambda c: c.__name__)
@pytest.mark.parametrize("command", ["detect", "evaluate"])
def test_the_cli_names_the_file_in_one_line_and_exits_2(folder, tamper, command):
    source, _ = tamper(folder)
    run = subprocess.run([sys.executable, "-m", "gqkit.cli", command, str(folder)], capture_output=True, text=True)
    assert run.returncode == 2, run.stderr
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in run.stderr
    assert lines[0].startswith("gqkit: ") and source in lines[0]


def test_an_untouched_folder_reads_back_equal(original, folder):
    assert Cohort.from_dir(folder).equals(original[0])


def test_to_dir_refuses_a_folder_with_files_unless_told(original, tmp_path):
    cohort, _ = original
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(GQConfigError, match="pass overwrite=True"):
        cohort.to_dir(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]
    cohort.to_dir(tmp_path, overwrite=True)
    assert Cohort.from_dir(tmp_path).equals(cohort) and (tmp_path / "notes.txt").read_text() == "mine"
    with pytest.raises(GQConfigError, match="this is a file"):
        cohort.to_dir(tmp_path / "notes.txt")


def test_the_cli_refuses_to_simulate_over_files(tmp_path, capsys):
    assert main(["simulate", str(tmp_path / "c"), "--seed", "1"]) == 0
    assert main(["simulate", str(tmp_path / "c"), "--seed", "2"]) == 2
    assert "holds files (pass overwrite=True" in capsys.readouterr().err
    assert main(["simulate", str(tmp_path / "c"), "--seed", "2", "--overwrite"]) == 0


# -- the fuzz test: random damage to random files ----------------------------------------------
TEXT_COLUMNS = {"feedback_rule", "spawn_key", "cause", "seed", "therapist", "event_id"}  # free text: any value is valid there
# ("NaN" is not junk: in responses.csv it means no answer)
CSV_FILES = [f for f in FILES if f.endswith(".csv")]


def _damage(folder: Path, data: st.DataObject) -> str:
    """Apply one kind of damage that no valid cohort could show; return what was done."""
    name = data.draw(st.sampled_from(CSV_FILES + ["config.json"]), label="file")
    path = folder / name
    if name == "config.json":
        text = path.read_text()
        cut = data.draw(st.integers(1, len(text) - 2), label="cut")
        kind = data.draw(st.sampled_from(["truncate", "junk"]), label="kind")
        path.write_text(text[:cut] if kind == "truncate" else text[:cut] + "}{" + text[cut:])
        return f"{kind} config.json at {cut}"
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    row = data.draw(st.integers(0, len(table) - 1), label="row")
    kind = data.draw(st.sampled_from(["junk", "out_of_range", "duplicate", "truncate", "blank_id", "drop_column"]), label="kind")
    columns = [c for c in table.columns if c not in TEXT_COLUMNS and not (name == "instrument.csv" and c in ("item",))]
    column = data.draw(st.sampled_from(columns), label="column")
    if kind == "junk":
        table.loc[row, column] = data.draw(st.sampled_from(["x", "?", "1e999", "--", "2,5", "inf", "=1+1"]), label="junk")
    elif kind == "out_of_range":
        table.loc[row, column] = data.draw(st.sampled_from(["-1", "999999", "0.5", "1e20", "-0.25"]), label="number")
        if column in ("severity", "expected", "quality", *TABLES["groups"].names) or (name == "events.csv" and column == "quality"):
            table.loc[row, column] = "x"  # any number may be valid there: make it surely wrong
    elif kind == "duplicate":
        table = pd.concat([table, table.iloc[[row]]], ignore_index=True)
    elif kind == "blank_id":
        table.loc[row, data.draw(st.sampled_from([c for c in ("group", "member", "item", "scale", "level") if c in table.columns]))] = ""
    elif kind == "drop_column":
        table = table.drop(columns=column)
    if kind == "truncate":
        text = path.read_text()
        header_end = text.index("\n") + 1
        cut = data.draw(st.integers(header_end, len(text) - 2), label="cut")
        path.write_text(text[:cut])
    else:
        table.to_csv(path, index=False, lineterminator="\n")
    return f"{kind} {name} row {row} {column}"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_fuzz_damaged_folders_are_refused_by_name(original, tmp_path_factory, data):
    folder = Path(shutil.copytree(original[1], tmp_path_factory.mktemp("fuzz") / "c"))
    what = _damage(folder, data)
    try:
        back = Cohort.from_dir(folder)
    except GQDataError as err:
        assert str(err).split(":")[0].endswith(tuple(FILES) + ("c",)), (what, str(err))
        return
    assert back.equals(original[0]), f"accepted a silently different cohort after: {what}"


# -- the other doors under fuzz ----------------------------------------------------------------
LONG = "group,member,session,item,response\n" + "".join(f"g1,m{m},{s},gq{i:02d},{(m + s + i) % 7 + 1}\n" for m in (1, 2) for s in (1, 2) for i in (1, 2, 3))


@settings(max_examples=150, deadline=None)
@given(noise=st.text(alphabet=st.characters(codec="utf-8"), max_size=40), at=st.integers(0, len(LONG)))
def test_fuzz_read_responses_raises_only_its_own_error(tmp_path_factory, noise, at):
    path = tmp_path_factory.mktemp("rr") / "data.csv"
    path.write_text(LONG[:at] + noise + LONG[at:], encoding="utf-8")
    try:
        out = read_responses(path)
    except (GQDataError, GQConfigError) as err:
        assert str(err).startswith("data.csv: ")
        return
    assert list(out.columns) == ["group", "member", "session", "item", "response"]
    assert out["response"].dropna().between(1, 7).all()


@settings(max_examples=100, deadline=None)
@given(raw=st.binary(max_size=200))
def test_fuzz_read_responses_on_arbitrary_bytes(tmp_path_factory, raw):
    path = tmp_path_factory.mktemp("rb") / "data.csv"
    path.write_bytes(raw)
    try:
        read_responses(path)
    except GQDataError as err:
        assert str(err).startswith("data.csv: ")


@settings(max_examples=100, deadline=None)
@given(lines=st.lists(st.tuples(st.text(max_size=6), st.sampled_from(["PB", "PW", "NR", "pb", "XX", ""]), st.sampled_from(["MM", "ML", "MG", "mg", "ZZ"])), max_size=12))
def test_fuzz_instrument_keys_raise_only_their_own_error(tmp_path_factory, lines):
    path = tmp_path_factory.mktemp("key") / "key.csv"
    pd.DataFrame(lines, columns=["item", "scale", "level"]).to_csv(path, index=False)
    try:
        inst = Instrument.from_csv(path)
    except GQDataError as err:
        assert str(err).startswith("key.csv: ")
        return
    assert all(i.isprintable() and i.strip() == i and i for i in inst.items)


ARGS = st.sampled_from(["--rule", "change", "status", "v_episode", "nope", "--param", "threshold=2", "threshold=x", "k=-1", "scales=PB",
                        "scales=ZZ", "bogus=1", "--tolerance", "0", "3", "-1", "--out", "=", "--seed", "-5", "--groups", "0", "2",
                        "--set", "n_members=3", "n_members=x", "persistence=2", "frob=1"])  # fmt: skip


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(command=st.sampled_from(["detect", "evaluate", "simulate"]), args=st.lists(ARGS, max_size=6))
def test_fuzz_cli_arguments_exit_0_or_2_never_a_traceback(original, tmp_path_factory, capsys, command, args):
    target = str(original[1]) if command != "simulate" else str(tmp_path_factory.mktemp("sim") / "out")
    out = str(tmp_path_factory.mktemp("o") / "x.csv")
    args = [out if before == "--out" else a for before, a in zip([None, *args], args)]  # --out writes only to a temporary file
    try:
        code = main([command, target, *args])
    except SystemExit as stop:  # argparse errors
        code = stop.code
    assert code in (0, 2)
    if code == 2:
        assert len(capsys.readouterr().err.strip().splitlines()) == 1


@pytest.mark.parametrize("name", ["groups.csv", "members.csv", "events.csv", "outcomes.csv", "responses.csv"])
def test_reordered_rows_read_the_same(original, folder, name):
    lines = _lines(folder / name)
    (folder / name).write_text(lines[0] + "".join(reversed(lines[1:])))
    assert Cohort.from_dir(folder).equals(original[0])


def test_the_cli_never_writes_over_its_input(original, folder, capsys):
    assert main(["detect", str(folder), "--out", str(folder / "events.csv")]) == 2
    assert main(["detect", str(folder), "--out", str(folder)]) == 2
    assert "--out=" in capsys.readouterr().err
    assert Cohort.from_dir(folder).equals(original[0])


def test_what_gqkit_simulates_it_can_read_back(tmp_path):
    for bad in ({"attendance": 0.0}, {"item_missing": 1.0}, {"n_members": 100}):
        with pytest.raises(GQConfigError):
            simulate(**bad)
    with pytest.raises(GQConfigError, match="n_groups=1000000 is not allowed"):
        simulate(n_groups=1_000_000)
    cohort = simulate(n_groups=1, seed=2, n_members=99, n_sessions=3)
    assert Cohort.from_dir(cohort.to_dir(tmp_path / "c")).equals(cohort)
