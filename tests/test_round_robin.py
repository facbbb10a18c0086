"""read_round_robin: the door for round-robin ratings names every bad cell by line and column."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gqkit.errors import GQConfigError, GQDataError
from gqkit.round_robin import COLUMNS, read_round_robin
from gqkit.srm import srm

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
HEADER = "group,session,rater,target,item,rating\n"
GOOD = HEADER + "".join(f"g1,1,{a},{b},close,{(i + j) % 7 + 1}\n" for i, a in enumerate("abcd") for j, b in enumerate("abcd") if a != b)


def _problems(error: GQDataError) -> list[str]:
    return [str(p) for p in error.problems]


def _rows(text: str) -> list[str]:
    return text.splitlines(keepends=True)


def test_a_good_file_is_read_tidy_and_sorted(write):
    lines = _rows(GOOD)
    path = write(lines[0] + "".join(reversed(lines[1:])))
    table = read_round_robin(path, scale=(1, 7))
    assert list(table.columns) == list(COLUMNS) and len(table) == 12
    assert str(table["session"].dtype) == "Int64" and table["rating"].dtype == float
    assert table[["rater", "target"]].values.tolist()[:3] == [["a", "b"], ["a", "c"], ["a", "d"]]
    assert table.equals(read_round_robin(pd.read_csv(write(GOOD)), scale=(1, 7)))


def test_each_kind_of_bad_cell_is_named_by_line_and_column(write):
    text = GOOD.replace("g1,1,a,b,close,2", "g1,1,a,a,close,2")  # line 2: a self-rating
    text = text.replace("g1,1,a,c,close,3", "g1,1,a,c,close,8")  # line 3: off the scale
    text = text.replace("g1,1,a,d,close,4", "g1,1,a,d,close,3.5")  # line 4: not whole
    text = text.replace("g1,1,b,a,close,2", "g1,0,b,a,close,2")  # line 5: session 0
    text = text.replace("g1,1,b,c,close,4", "g1,1,b,c,close,x")  # line 6: text
    text = text.replace("g1,1,c,a,close,3", "g1,1,c,b,close,3")  # line 8: c rates b twice (line 9)
    text = text.replace("g1,1,d,a,close,4", "g1,1,,a,close,4")  # line 11: no rater
    with pytest.raises(GQDataError) as err:
        read_round_robin(write(text), scale=(1, 7))
    assert _problems(err.value) == [
        "line 2, column 'target': got 'a'; expected a target other than the rater 'a': self-ratings are not part of the round robin (leave the rating empty or drop the row)",
        "line 3, column 'rating': got '8'; expected a rating on the scale: a whole number from 1 to 7, or a missing code ('', 'N/A', 'NA', 'NaN')",
        "line 4, column 'rating': got '3.5'; expected a rating on the scale: a whole number from 1 to 7, or a missing code ('', 'N/A', 'NA', 'NaN')",
        "line 5, column 'session': got '0'; expected a positive whole number up to 10,000 (sessions count from 1)",
        "line 6, column 'rating': got 'x'; expected a rating on the scale: a whole number from 1 to 7, or a missing code ('', 'N/A', 'NA', 'NaN')",
        "line 9: expected one row per group, session, item, rater, target; line 8 has the same",
        "line 11, column 'rater': expected a rater id: not empty, and no control or invisible characters",
    ]
    assert str(err.value).startswith("data.csv: 7 problems (nothing was read")


def test_unknown_members_are_named_against_the_roster(write):
    roster = pd.DataFrame({"group": ["g1"] * 3 + ["g2"], "member": ["a", "b", "c", "d"], "session": 1})
    with pytest.raises(GQDataError) as err:
        read_round_robin(write(GOOD), scale=(1, 7), members=roster)
    problems = _problems(err.value)
    assert problems[0] == "line 4, column 'target': got 'd'; expected a member of group 'g1' on the roster (members=)"
    assert "line 11, column 'rater': got 'd'; expected a member of group 'g1' on the roster (members=)" in problems
    assert len(problems) == 6  # d rates three and is rated by three
    with pytest.raises(GQDataError) as err:
        read_round_robin(write(GOOD.replace("g1,", "g9,")), scale=(1, 7), members=roster)
    assert _problems(err.value)[0].endswith("expected a member of group 'g9' on the roster (members=); the roster has no group 'g9'")
    full = pd.concat([roster, pd.DataFrame({"group": ["g1"], "member": ["d"]})])
    assert len(read_round_robin(write(GOOD), scale=(1, 7), members=full)) == 12


def test_a_bad_roster_is_named(write):
    with pytest.raises(GQDataError, match="(?s)members: 1 problem.*row 1, column 'member'"):
        read_round_robin(write(GOOD), scale=(1, 7), members=pd.DataFrame({"group": ["g1", "g1"], "member": ["a", ""]}))
    with pytest.raises(GQConfigError, match="members="):
        read_round_robin(write(GOOD), scale=(1, 7), members=pd.DataFrame({"group": ["g1"]}))
    with pytest.raises(GQConfigError, match="members="):
        read_round_robin(write(GOOD), scale=(1, 7), members=["a", "b"])  # type: ignore[arg-type]


def test_missing_ratings_and_empty_self_pairs(write):
    text = GOOD.replace("g1,1,a,b,close,2", "g1,1,a,b,close,NA").replace("g1,1,a,c,close,3", "g1,1,a,c,close,-99")
    text += "g1,1,a,a,close,\ng1,1,b,b,close,NA\n"
    table = read_round_robin(write(text), scale=(1, 7), missing=-99)
    assert len(table) == 12 and table["rating"].isna().sum() == 2
    assert not (table["rater"] == table["target"]).any()
    with pytest.raises(GQDataError, match="line 3, column 'rating': got '-99'"):
        read_round_robin(write(text), scale=(1, 7))
    with pytest.raises(GQConfigError, match="missing=3"):
        read_round_robin(write(text), scale=(1, 7), missing=3)


def test_whole_false_accepts_any_number_on_the_scale(write):
    text = GOOD.replace("g1,1,a,b,close,2", "g1,1,a,b,close,2.25")
    assert read_round_robin(write(text), scale=(1, 7), whole=False)["rating"].iloc[0] == 2.25
    with pytest.raises(GQDataError, match="expected a rating on the scale: a number from 1 to 7"):
        read_round_robin(write(text.replace("2.25", "7.5")), scale=(1, 7), whole=False)


def test_header_problems_and_ignored_columns(write):
    with pytest.raises(GQDataError) as err:
        read_round_robin(write(GOOD.replace("rating\n", "score\n", 1)), scale=(1, 7))
    assert _problems(err.value) == ["header: expected a 'rating' column (round-robin table)",
                                    "header, column 'score': expected only the columns of the round-robin table (group, session, rater, target, item, rating)"]  # fmt: skip
    extra = "".join(line.rstrip("\n") + (",date\n" if i == 0 else ",2024-05-01\n") for i, line in enumerate(_rows(GOOD)))
    with pytest.raises(GQDataError, match="column 'date'"):
        read_round_robin(write(extra), scale=(1, 7))
    assert len(read_round_robin(write(extra), scale=(1, 7), ignore_columns="Date")) == 12
    with pytest.raises(GQDataError, match="at least one data row"):
        read_round_robin(write(HEADER), scale=(1, 7))


def test_problems_are_capped(write):
    text = GOOD.replace(",close,", ",close,9").replace("\n9", "\n")  # every rating off the scale, e.g. 92
    with pytest.raises(GQDataError) as err:
        read_round_robin(write(text), scale=(1, 7), max_problems=3)
    assert len(err.value.problems) == 3 and err.value.n_more == 9


@pytest.mark.parametrize(
    ("kwargs", "parameter"),
    [({"scale": (7, 1)}, "scale"), ({"scale": (1,)}, "scale"), ({"scale": "1-7"}, "scale"), ({"scale": (1, float("inf"))}, "scale"),
     ({"scale": (True, 7)}, "scale"), ({"scale": (1, 7), "whole": 1}, "whole"), ({"scale": (1, 7), "max_problems": 0}, "max_problems"),
     ({"scale": (1, 7), "missing": {"a": 1}}, "missing")],
)  # fmt: skip
def test_bad_parameters_raise_config_errors(write, kwargs, parameter):
    with pytest.raises(GQConfigError) as err:
        read_round_robin(write(GOOD), **kwargs)
    assert err.value.parameter == parameter


def test_a_frame_is_named_by_row_label():
    frame = pd.read_csv(pd.io.common.StringIO(GOOD)).set_index(pd.Index(range(100, 112)))
    frame.loc[105, "target"] = frame.loc[105, "rater"]
    with pytest.raises(GQDataError, match="DataFrame: 1 problem .*\n  row 105, column 'target'"):
        read_round_robin(frame, scale=(1, 7))


def test_the_table_goes_straight_into_srm(write):
    result = srm(read_round_robin(write(GOOD), scale=(1, 7)))
    assert result.groups[["group", "session", "item", "n"]].values.tolist() == [["g1", 1, "close", 4]]


# -- properties --------------------------------------------------------------------------------


@st.composite
def tables(draw):
    """Valid long round-robin CSV text: a few groups, sessions and items, some ratings missing, rows in any order."""
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    rows = []
    for g in range(int(rng.integers(1, 3))):
        names = [f"m{k}" for k in rng.choice(100, size=int(rng.integers(2, 6)), replace=False)]
        for session in rng.choice(np.arange(1, 20), size=int(rng.integers(1, 3)), replace=False):
            for item in ("close", "safe")[: int(rng.integers(1, 3))]:
                for a in names:
                    for b in names:
                        if a != b:
                            rating = "" if rng.random() < 0.1 else str(int(rng.integers(1, 8)))
                            rows.append(f"g{g},{session},{a},{b},{item},{rating}\n")
    order = rng.permutation(len(rows))
    return HEADER + "".join(rows[i] for i in order)


@SETTINGS
@given(text=tables())
def test_valid_tables_are_read_completely(write, text):
    table = read_round_robin(write(text), scale=(1, 7))
    source = pd.read_csv(pd.io.common.StringIO(text), dtype=str, keep_default_na=False)
    assert len(table) == len(source)
    back = table.assign(session=table["session"].astype(str), rating=table["rating"].map(lambda v: "" if np.isnan(v) else str(int(v))))
    key = ["group", "session", "item", "rater", "target"]
    pd.testing.assert_frame_equal(back.sort_values(key).reset_index(drop=True), source[back.columns].sort_values(key).reset_index(drop=True),
                                  check_dtype=False)  # fmt: skip
    assert table.equals(table.sort_values(key).reset_index(drop=True))


BREAKS = {
    "rating": ["0", "8", "x", "2.5", "inf"],
    "session": ["0", "-1", "a", "1.5"],
    "rater": [""],
    "target": ["", "SELF"],
}


@SETTINGS
@given(text=tables(), column=st.sampled_from(sorted(BREAKS)), pick=st.integers(0, 10**6), which=st.integers(0, 10))
def test_one_broken_cell_is_named_by_its_line_and_column(write, text, column, pick, which):
    lines = _rows(text)
    line = 1 + pick % (len(lines) - 1)  # 0-based index into lines; the file's line number is line + 1
    cells = lines[line].rstrip("\n").split(",")
    index = COLUMNS.index(column)
    value = BREAKS[column][which % len(BREAKS[column])]
    cells[index] = cells[COLUMNS.index("rater")] if value == "SELF" else value
    if value == "SELF" and cells[COLUMNS.index("rating")] == "":
        cells[COLUMNS.index("rating")] = "4"  # a self-pair is an error only when it holds a rating
    lines[line] = ",".join(cells) + "\n"
    with pytest.raises(GQDataError) as err:
        read_round_robin(write("".join(lines)), scale=(1, 7))
    assert any(p.where == f"line {line + 1}" and p.column == column for p in err.value.problems), _problems(err.value)
