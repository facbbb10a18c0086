"""The instrument is data: its structure, and keys it must reject."""

import pandas as pd
import pytest

from gqkit import GQDataError, Instrument, read_responses, score
from gqkit.errors import GQConfigError
from gqkit.instrument import LEVELS, SCALES


def test_default_structure_matches_the_csv():
    inst = Instrument.default()
    table = inst.table
    assert inst.n_items == len(table) == len(set(inst.items))
    assert inst.items[0] == "gq01" and inst.items[-1] == f"gq{inst.n_items:02d}"
    # eight populated cells, one empty (which one is an assumption of the kit)
    assert (inst.cells > 0).sum().sum() == 8
    assert inst.empty_cells == (("PW", "MM"),)
    for scale in SCALES:
        assert len(inst.items_of(scale)) == (table["scale"] == scale).sum()
    assert inst.cells.sum().sum() == inst.n_items
    assert inst.facets[0] == ("PB", "all") and ("PW", "MM") not in inst.facets
    assert len(inst.facets) == len(SCALES) + 8


def test_illustrative_wording_is_present_for_every_item():
    assert Instrument.default().table["text"].str.len().min() > 10


def test_items_of_filters_by_scale_and_level():
    inst = Instrument.default()
    both = inst.items_of("pb", "MM")
    assert set(both) == set(inst.items_of("PB")) & set(inst.items_of(level="MM"))
    assert inst.items_of("PB", "all") == inst.items_of("PB")
    with pytest.raises(KeyError, match="unknown level 'XX'"):
        inst.items_of(level="XX")


def _key(rows):
    return "item,scale,level\n" + "".join(f"{r}\n" for r in rows)


GOOD_ROWS = ["a1,PB,MM", "a2,pb,ml", "a3,PW,MG", "a4,NR,MG", "a5,NR,ML"]


@pytest.mark.parametrize(
    "rows, fragment",
    [
        (GOOD_ROWS + ["a6,XX,MM"], "line 7, column 'scale': got 'XX'; expected one of PB, PW, NR"),
        (GOOD_ROWS + ["a6,PB,MX"], "line 7, column 'level': got 'MX'; expected one of MM, ML, MG"),
        (GOOD_ROWS + ["A1,PB,MG"], "line 7, column 'item': got 'A1'; expected each item id once"),
        (GOOD_ROWS + [",PB,MG"], "line 7, column 'item': expected an item id of visible characters, without spaces"),
        ([r for r in GOOD_ROWS if not r.startswith("a3")], "column 'scale': expected at least one item on scale PW"),
    ],
    ids=["unknown-scale", "unknown-level", "duplicate-id", "empty-id", "empty-scale"],
)
def test_malformed_key_is_rejected(write, rows, fragment):
    with pytest.raises(GQDataError) as info:
        Instrument.from_csv(write(_key(rows), "key.csv"))
    assert str(info.value).startswith("key.csv: ")
    assert fragment in str(info.value)


def test_key_without_level_column_is_rejected(write):
    with pytest.raises(GQDataError, match="header: expected a 'level' column"):
        Instrument.from_csv(write("item,scale\na1,PB\n", "key.csv"))


def test_bad_response_range_is_rejected():
    with pytest.raises(GQConfigError, match="response_range"):
        Instrument(Instrument.default().table, response_range=(5, 1))


def test_a_licensed_key_of_another_size_drives_reading_and_scoring(write):
    """Nothing downstream assumes 30 items: a 5-item key works end to end."""
    inst = Instrument.from_csv(write(_key(GOOD_ROWS), "key.csv"), response_range=(0, 4))
    assert inst.n_items == 5 and len(inst.empty_cells) == 4
    wide = pd.DataFrame({"group": ["g"], "member": ["m"], "session": [1], "a1": [0], "a2": [4], "a3": [2], "a4": [1], "a5": [3]})
    scores = score(read_responses(wide, instrument=inst), inst).set_index(["scale", "level"])["score"]
    assert scores[("PB", "all")] == 2.0 and scores[("NR", "all")] == 2.0 and scores[("PW", "MG")] == 2.0
    assert len(scores) == len(inst.facets) == 3 + 5  # three subscales, five populated cells
    with pytest.raises(GQDataError, match="from 0 to 4"):
        read_responses(wide.assign(a1=5), instrument=inst)


def test_levels_constant_order():
    assert LEVELS == ("MM", "ML", "MG")


def test_item_ids_may_not_be_column_names(write):
    with pytest.raises(GQDataError, match="got 'session'; expected an item id other than the column names"):
        Instrument.from_csv(write(_key(GOOD_ROWS + ["session,PB,MG"]), "key.csv"))


def test_the_answer_range_comes_from_the_key_or_the_argument_and_they_must_agree(tmp_path):
    key = Instrument.default().table[["item", "scale", "level"]]
    key.assign(low=1, high=5).to_csv(tmp_path / "k.csv", index=False)
    assert Instrument.from_csv(tmp_path / "k.csv").response_range == (1, 5)
    assert Instrument.from_csv(tmp_path / "k.csv", response_range=(1, 5)).response_range == (1, 5)
    with pytest.raises(GQDataError, match=r"got '1 to 5'; expected the answer range given, response_range=\(1, 7\)"):
        Instrument.from_csv(tmp_path / "k.csv", response_range=(1, 7))
    key.assign(weight=2).to_csv(tmp_path / "w.csv", index=False)
    with pytest.raises(GQDataError, match="column 'weight': expected only the columns item, scale, level, text, low and high"):
        Instrument.from_csv(tmp_path / "w.csv")
    with pytest.raises(GQConfigError, match="response_range"):
        Instrument(key, response_range=(1, 7, 9))
    with pytest.raises(GQConfigError, match="table="):
        Instrument("key.csv")
