"""read_responses: what it accepts, and the corpus of files it must reject."""

import csv
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from gqkit import GQDataError, Instrument, read_responses, to_wide
from gqkit.errors import GQConfigError

TESTS = Path(__file__).parent

BAD = TESTS / "bad_inputs"
CASES = list(csv.DictReader((BAD / "cases.csv").open(encoding="utf-8")))


def test_corpus_is_large_enough_and_complete():
    files = {p.name for p in BAD.glob("*.csv")} - {"cases.csv"}
    assert len(CASES) >= 15
    assert files == {c["file"] for c in CASES}


@pytest.mark.parametrize("case", CASES, ids=[c["file"] for c in CASES])
def test_bad_input_is_rejected_with_a_clear_message(case):
    with pytest.raises(GQDataError) as info:
        read_responses(BAD / case["file"])
    message = str(info.value)
    assert message.startswith(case["file"] + ": ")
    assert case["fragment"] in message, message


def test_all_problems_of_a_file_are_reported_in_file_order():
    with pytest.raises(GQDataError) as info:
        read_responses(BAD / "many_problems.csv")
    err = info.value
    assert [p.where for p in err.problems] == ["line 2", "line 3", "line 4"]
    assert [p.column for p in err.problems] == ["session", "item", "response"]


def test_problem_list_is_capped(write):
    rows = "".join(f"g,m,1,gq{i:02d},9\n" for i in range(1, 31))
    with pytest.raises(GQDataError) as info:
        read_responses(write("group,member,session,item,response\n" + rows), max_problems=5)
    assert len(info.value.problems) == 5 and info.value.n_more == 25
    assert "... and 25 more" in str(info.value)


def test_declared_missing_code_counts_as_no_answer():
    # declared as missing, -99 is no longer out of range, so the member has no answer at all
    with pytest.raises(GQDataError, match="at least one answer from member 'm1'") as info:
        read_responses(BAD / "missing_code_not_declared.csv", missing=[-99])
    assert "-99" not in str(info.value)


LONG = "group,member,session,item,response\ng1,m1,1,gq01,5\ng1,m1,1,gq02,4.0\ng1,m1,2,gq01,NA\ng1,m1,2,gq02,7\n"


def _answers(df):
    return df.dropna(subset=["response"])[["session", "item", "response"]].to_records(index=False).tolist()


@pytest.mark.parametrize(
    "content",
    [
        LONG,
        "\ufeff" + LONG,  # byte-order mark
        LONG.replace(",", ";"),
        LONG.replace(",", "\t"),
        LONG + "\n\n  \n",  # trailing blank lines
        LONG + ",,,,\n;;\n".replace(";", ","),  # all-empty rows from a spreadsheet
        LONG.replace("\n", "\r\n"),  # Windows line ends
        LONG.replace("group,member", " Group , MEMBER ").replace("gq02", "GQ02"),  # case and spaces
    ],
    ids=["plain", "bom", "semicolon", "tab", "blank-tail", "empty-rows", "crlf", "case"],
)
def test_messy_but_unambiguous_files_are_accepted(write, content):
    out = read_responses(write(content))
    assert _answers(out) == [(1, "gq01", 5), (1, "gq02", 4), (2, "gq02", 7)]


def test_output_schema_and_complete_grid(write):
    out = read_responses(write(LONG))
    inst = Instrument.default()
    assert list(out.columns) == ["group", "member", "session", "item", "response"]
    assert str(out["session"].dtype) == "Int64" and str(out["response"].dtype) == "Int64"
    assert len(out) == 2 * inst.n_items  # two member-sessions, every item listed
    assert out["response"].isna().sum() == 2 * inst.n_items - 3
    assert list(out["item"][: inst.n_items]) == list(inst.items)


def test_custom_missing_codes_match_as_numbers(write):
    text = LONG.replace("NA", "-99.0") + "g1,m1,3,gq01,.\ng1,m1,3,gq02,2\n"
    out = read_responses(write(text), missing=[-99, "."])
    assert _answers(out)[-1] == (3, "gq02", 2)
    assert out.query("session == 3 and item == 'gq01'")["response"].isna().all()


def full_wide(ids: dict, answers: dict, index=None) -> pd.DataFrame:
    """A wide DataFrame with every item column; items not in ``answers`` are left empty."""
    n = len(next(iter(ids.values())))
    columns = {item: answers.get(item, [None] * n) for item in Instrument.default().items}
    return pd.DataFrame({**ids, **columns}, index=index)


def test_wide_layout_file_and_frame_agree(write):
    items = Instrument.default().items
    wide = "group,member,session," + ",".join(items) + "\n"
    wide += "g1,m1,1,5,,3" + "," * (len(items) - 3) + "\ng1,m2,1,NA,2,1" + "," * (len(items) - 3) + "\n"
    from_file = read_responses(write(wide))
    frame = full_wide({"group": ["g1", "g1"], "member": ["m1", "m2"], "session": [1.0, 1.0]},
                      {"gq01": [5, np.nan], "gq02": [None, 2], "gq03": [3, 1]})
    pd.testing.assert_frame_equal(from_file, read_responses(frame))
    assert from_file.query("member == 'm2' and item == 'gq03'")["response"].item() == 1


def test_frame_problems_name_the_row_label():
    frame = full_wide({"group": ["g"], "member": ["a"], "session": [1]}, {"gq01": [0]}, index=[17])
    with pytest.raises(GQDataError, match=r"row 17, column 'gq01': got '0'"):
        read_responses(frame)


def test_stated_layout_is_enforced(write):
    with pytest.raises(GQDataError, match="a 'item' column \\(long layout\\)"):
        read_responses(write("group,member,session,gq01\ng,a,1,4\n"), layout="long")
    with pytest.raises(GQDataError, match="a column for every item; add gq02, gq03, gq04, gq05, gq06 ..."):
        read_responses(write("group,member,session,gq01\ng,a,1,4\n"), layout="wide")


def test_ignore_columns_leaves_a_column_out(write):
    out = read_responses(BAD / "unexpected_column.csv", ignore_columns=["When"])
    assert _answers(out) == [(1, "gq01", 5)]


def test_explicit_delimiter_is_used(write):
    path = write(LONG.replace(",", ";").replace("gq01;5", "gq01;5"))
    assert _answers(read_responses(path, sep=";")) == [(1, "gq01", 5), (1, "gq02", 4), (2, "gq02", 7)]
    with pytest.raises(GQDataError, match="a 'member' column"):
        read_responses(path, sep=",")


def test_bad_parameters_raise_config_errors(write):
    path = write(LONG)
    with pytest.raises(GQConfigError, match="layout='tall'"):
        read_responses(path, layout="tall")
    with pytest.raises(GQConfigError, match="max_problems=0"):
        read_responses(path, max_problems=0)
    with pytest.raises(GQConfigError, match="sep='\\|'"):
        read_responses(path, sep="|")


def test_missing_file_is_named(tmp_path):
    with pytest.raises(GQDataError, match="(?s)nope.csv: 1 problem .*path: expected a readable file"):
        read_responses(tmp_path / "nope.csv")


def test_undecodable_byte_is_named_by_line(write):
    path = write(b"group,member,session,item,response\ng1,m1,1,gq01,5\rg1,m\xe91,1,gq02,4\n")
    with pytest.raises(GQDataError, match="line 3, byte 5: expected UTF-8 text"):
        read_responses(path)


@pytest.mark.parametrize("code", [7, "7", 1.0, "4"])
def test_a_missing_code_that_is_also_an_answer_is_refused(write, code):
    with pytest.raises(GQConfigError, match="missing=.*is a valid answer"):
        read_responses(write(LONG), missing=[code])


def test_to_wide_has_one_column_per_item(write):
    wide = to_wide(read_responses(write(LONG)))
    assert list(wide.columns) == ["group", "member", "session", *Instrument.default().items]
    assert wide.loc[1, "gq02"] == 7 and pd.isna(wide.loc[1, "gq01"])


def test_old_mac_line_endings_are_accepted(write):
    assert _answers(read_responses(write(LONG.replace("\n", "\r")))) == [(1, "gq01", 5), (1, "gq02", 4), (2, "gq02", 7)]


def test_a_single_missing_code_is_one_code_not_characters(write):
    out = read_responses(write(LONG.replace("gq02,4.0", "gq02,-1")), missing="-1")
    assert _answers(out) == [(1, "gq01", 5), (2, "gq02", 7)]  # the 1s and 7s are kept


def test_a_single_ignored_column_may_be_a_string():
    assert _answers(read_responses(BAD / "unexpected_column.csv", ignore_columns="when")) == [(1, "gq01", 5)]


def test_whole_float_ids_read_like_the_file_would():
    frame = pd.DataFrame({"group": [1.0], "member": [101.0], "session": [2.0], "item": ["gq01"], "response": [4.0]})
    out = read_responses(frame).dropna()
    assert out[["group", "member", "session"]].iloc[0].tolist() == ["1", "101", 2]


def test_a_member_on_one_row_is_named_by_that_row(write):
    with pytest.raises(GQDataError, match=r"  line 3: expected at least one answer from member 'b'"):
        read_responses(write("group,member,session,item,response\ng,a,1,gq01,4\ng,b,1,gq01,NA\n"))


def test_header_problems_respect_max_problems(write):
    items = ",".join(f"x{i}" for i in range(40))
    with pytest.raises(GQDataError) as info:
        read_responses(write(f"group,member,session,{items}\n" + "g,a,1" + ",1" * 40 + "\n"), layout="long", max_problems=3)
    assert len(info.value.problems) == 3 and info.value.n_more > 30


@pytest.mark.parametrize("bad", [0, 2.5, "all"])
def test_max_problems_must_be_a_positive_whole_number(write, bad):
    with pytest.raises(GQConfigError, match="max_problems"):
        read_responses(write(LONG), max_problems=bad)


@pytest.mark.parametrize("bad", ["key.csv", 30, object()])
def test_an_instrument_that_is_not_one_is_a_config_error(write, bad):
    from gqkit import score

    with pytest.raises(GQConfigError, match="instrument=.*expected a gqkit.Instrument"):
        read_responses(write(LONG), instrument=bad)
    with pytest.raises(GQConfigError, match="instrument="):
        score(read_responses(write(LONG)), instrument=bad)


def test_a_file_held_in_memory_reads_as_the_same_file_on_disk(tmp_path):
    from gqkit import InMemoryFile

    data = b"group;member;session;item;response\ng1;m1;1;gq01;5\ng1;m1;2;gq01;-99\n"
    (tmp_path / "ours.csv").write_bytes(data)
    on_disk = read_responses(tmp_path / "ours.csv", missing=[-99])
    pd.testing.assert_frame_equal(read_responses(InMemoryFile("ours.csv", data), missing=[-99]), on_disk)
    with pytest.raises(GQDataError) as bad:
        read_responses(InMemoryFile("ours.csv", data.replace(b"5", b"\xff")))
    assert str(bad.value).startswith("ours.csv: 1 problem") and "line 2, byte" in str(bad.value)
    with pytest.raises(GQConfigError):
        InMemoryFile("", data)
    with pytest.raises(GQConfigError):
        InMemoryFile("ours.csv", "text, not bytes")  # type: ignore[arg-type]
