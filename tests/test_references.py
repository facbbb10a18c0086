"""Every author-year citation the kit makes has an entry on the references page, and the notebooks link to it.

Citations are collected from every notebook's markdown and code cells, from the README, from the
sources of the model's defaults (``describe_defaults()["source"]``) and of the calibration targets,
and from the text of gqkit's modules (docstrings and comments). A citation is found on the page
when one entry (a list item of REFERENCES.md with an ``<a id="..."></a>`` anchor) has the cited
first author as its first author, the cited year, and every other author the citation names.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
REFERENCES = ROOT / "REFERENCES.md"
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
MODULES = sorted((ROOT / "gqkit").rglob("*.py"))

# A surname: a capital, then letters, with hyphenated parts (Nissen-Lie, Koementas-de), optionally
# after a lower-case particle (de Jong) and optionally of two words (Lo Coco, Belcher Platt).
_PARTICLE = r"(?:de|van|von|der|den|da|di|du|del|dos|le|la)"
_WORD = r"[A-Z][^\W\d_]*(?:-[^\W\d_]+)*"
_NAME = rf"(?:{_PARTICLE}\s+)*{_WORD}(?:\s+{_WORD})?"
_YEAR = r"(?:19|20)\d\d[a-z]?"
_CITATION = re.compile(
    rf"(?P<authors>{_NAME}(?:\s*,\s*{_NAME})*(?:\s*,?\s*(?:&|and)\s+{_NAME})?)"
    r"(?P<etal>\s+et\s+al\.?)?(?:['’]s)?"
    rf"(?P<sep>\s*,\s*|\s*\(\s*)"
    rf"(?P<years>{_YEAR}(?:\s*,\s*{_YEAR})*)"
)
_LINK = re.compile(r"\[([^\]]*)\]\(([^)\s]*)\)")
_ANCHOR = re.compile(r'<a id="([a-z0-9-]+)"></a>')


@dataclass(frozen=True)
class Citation:
    authors: tuple[str, ...]  # as cited: the first author, then any others the citation names
    year: str
    et_al: bool
    text: str

    def __str__(self) -> str:
        return self.text


def _plain(text: str) -> str:
    """What a reader sees: markdown links reduced to their text, no emphasis, no quote markers."""
    text = re.sub(r"\n[ \t]*>[ \t]?", "\n", text)
    return _LINK.sub(r"\1", text).replace("*", "")


def extract_citations(text: str) -> list[Citation]:
    """Every author-year citation in ``text``: ``Owen et al., 2014``, ``Owen et al. (2011, 2014)``,
    ``Sue, Arredondo & McDavis, 1992``, ``Kivlighan & Chapman (2018)``, ``(Chow, 2014)``, ``Sue (2010)``.

    A single surname followed by a comma and a year counts only where a parenthetical citation
    starts (after ``(``, ``[`` or ``;``), and never right after an abbreviation, so that "a review in
    Adm. Policy Ment. Health (2023)" is not read as an author called Health.
    """
    text = _plain(text)
    found = []
    for m in _CITATION.finditer(text):
        names = [n.strip() for n in re.split(r"\s*,\s*|\s*,?\s*(?:&|and)\s+", m["authors"]) if n.strip()]
        before = text[: m.start()].rstrip()
        if len(names) == 1 and not m["etal"]:
            if re.search(r"\b[A-Z][a-z]*\.$", before):
                continue
            if "," in m["sep"] and before and before[-1] not in "([;":
                continue
        for year in re.split(r"\s*,\s*", m["years"]):
            found.append(Citation(tuple(names), year, bool(m["etal"]), m.group(0)))
    return found


def _norm(name: str) -> str:
    decomposed = unicodedata.normalize("NFKD", name)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold().strip()


@dataclass(frozen=True)
class Entry:
    anchor: str
    text: str

    @property
    def first_author(self) -> str:
        return _norm(self.text.split(",")[0])

    @property
    def year(self) -> str | None:
        m = re.search(rf"\(({_YEAR})", self.text)
        return m[1] if m else None

    @property
    def author_part(self) -> str:
        m = re.search(rf"\({_YEAR}", self.text)
        return _norm(self.text[: m.start()] if m else self.text)


def parse_entries(markdown: str) -> list[Entry]:
    """The page's entries: list items that start with an anchor, with their continuation lines."""
    entries, current = [], None
    for line in markdown.splitlines():
        m = re.match(r"- " + _ANCHOR.pattern + r"(.*)", line)
        if m:
            current = [m[1], m[2]]
            entries.append(current)
        elif current is not None and line.startswith("  ") and line.strip():
            current[1] += " " + line.strip()
        else:
            current = None
    return [Entry(anchor, " ".join(text.split())) for anchor, text in entries]


def _variants(name: str) -> list[str]:
    """A cited first author, and the same without leading capitalised words ('Then Owen' -> 'Owen')."""
    words = name.split()
    return [" ".join(words[i:]) for i in range(len(words))]


def matches(citation: Citation, entry: Entry) -> bool:
    """The entry is the cited work: same first author and year, and it names every other cited author."""
    if entry.year != citation.year:
        return False
    if not any(_norm(v) == entry.first_author for v in _variants(citation.authors[0])):
        return False
    return all(_norm(other) in entry.author_part for other in citation.authors[1:])


def unresolved(citations: list[Citation], entries: list[Entry]) -> list[str]:
    return sorted({str(c) for c in citations if not any(matches(c, e) for e in entries)})


# --- the extractor itself: it finds what it should and can fail ----------------------------------

def test_extractor_reads_the_citation_forms_the_kit_uses():
    text = ("as Owen et al., 2014 found; Owen et al. (2011, 2016) and Sue, Arredondo & McDavis, 1992; "
            "Kivlighan & Chapman (2018) and Burlingame, McClendon & Yang (2018); (Chow, 2014; Sue (2010)); "
            "[de Jong et al., 2012](../REFERENCES.md#de-jong-2012); Owen et al.'s (2011) facets; "
            "Kivlighan, Lo Coco & Gullo, 2015; a review in Adm. Policy Ment. Health, 2023; Ment. Health (2023); "
            "25(1) 1,314 patients\n> (Safran, Muran &\n>   Eubanks-Carter, 2011)")
    got = {(c.authors, c.year, c.et_al) for c in extract_citations(text)}
    assert got == {
        (("Owen",), "2014", True), (("Owen",), "2011", True), (("Owen",), "2016", True),
        (("Sue", "Arredondo", "McDavis"), "1992", False), (("Kivlighan", "Chapman"), "2018", False),
        (("Burlingame", "McClendon", "Yang"), "2018", False), (("Chow",), "2014", False), (("Sue",), "2010", False),
        (("de Jong",), "2012", True), (("Kivlighan", "Lo Coco", "Gullo"), "2015", False),
        (("Safran", "Muran", "Eubanks-Carter"), "2011", False),
    }


def test_a_missing_reference_is_reported():
    page = """- <a id="owen-2014"></a>Owen, J., Tao, K. W., Imel, Z. E., Wampold, B. E., & Rodolfa, E. (2014). Addressing
  racial and ethnic microaggressions in therapy. *Professional Psychology: Research and Practice, 45*(4), 283–290.
- <a id="sue-2010"></a>Sue, D. W. (2010). *Microaggressions in everyday life.* Wiley.
"""
    entries = parse_entries(page)
    assert [e.anchor for e in entries] == ["owen-2014", "sue-2010"] and entries[0].year == "2014"
    assert unresolved(extract_citations("(Owen et al., 2014; Sue, 2010)"), entries) == []
    # a year, a first author or a co-author the page does not have
    assert unresolved(extract_citations("Owen et al. (2016)"), entries) == ["Owen et al. (2016"]
    assert unresolved(extract_citations("(Tao et al., 2014)"), entries) == ["Tao et al., 2014"]
    assert unresolved(extract_citations("Owen & Wampold (2014)"), entries) == []
    assert unresolved(extract_citations("Owen & Hook (2014)"), entries) == ["Owen & Hook (2014"]
    assert unresolved(extract_citations("Sue, Arredondo & McDavis, 1992"), entries) == ["Sue, Arredondo & McDavis, 1992"]


# --- the kit's citations --------------------------------------------------------------------------

def _entries() -> list[Entry]:
    return parse_entries(REFERENCES.read_text(encoding="utf-8"))


def _cells(path: Path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def _sources() -> dict[str, str]:
    """Every text the kit cites in, by where it comes from."""
    from gqkit.simulation import describe_defaults
    from gqkit.simulation.calibration import TARGETS

    texts = {}
    for path in NOTEBOOKS:
        for i, cell in enumerate(_cells(path)):
            texts[f"{path.name} cell {i} ({cell['cell_type']})"] = "".join(cell["source"])
    texts["README.md"] = (ROOT / "README.md").read_text(encoding="utf-8")
    defaults = describe_defaults()
    for part, parameter, source in zip(defaults["part"], defaults["parameter"], defaults["source"]):
        texts[f"describe_defaults: {part}.{parameter}"] = source
    for i, source in enumerate(TARGETS["source"]):
        texts[f"calibration TARGETS row {i}"] = source
    for path in MODULES:
        texts[str(path.relative_to(ROOT))] = path.read_text(encoding="utf-8")
    return texts


def test_references_page_has_anchored_entries():
    entries = _entries()
    anchors = [e.anchor for e in entries]
    assert len(entries) > 40 and len(set(anchors)) == len(anchors)
    assert all(e.year or "n.d." in e.text for e in entries), [e.anchor for e in entries if not e.year]


def test_every_citation_is_on_the_references_page():
    entries = _entries()
    missing = {}
    for where, text in _sources().items():
        if bad := unresolved(extract_citations(text), entries):
            missing[where] = bad
    assert not missing, "citations without an entry in REFERENCES.md:\n" + "\n".join(f"  {k}: {v}" for k, v in missing.items())


def test_the_model_cites_something():
    """Guard against an extractor that silently finds nothing."""
    from gqkit.simulation import describe_defaults

    cited = {c.authors[0] for s in describe_defaults()["source"] for c in extract_citations(s)}
    assert {"Owen", "Miles", "Gumz", "Safran", "Eubanks", "Chow"} <= cited


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_citations_link_to_their_entry(path):
    """In markdown cells every citation links to its entry, and every link to the page lands on one."""
    entries = {e.anchor: e for e in _entries()}
    problems = []
    for i, cell in enumerate(_cells(path)):
        if cell["cell_type"] != "markdown":
            continue
        text = "".join(cell["source"])
        linked = []
        for label, url in _LINK.findall(text):
            if "REFERENCES.md" not in url:
                continue
            if not url.startswith("../REFERENCES.md"):
                problems.append(f"cell {i}: link {url!r} should be relative, ../REFERENCES.md#...")
            anchor = url.partition("#")[2]
            if anchor and anchor not in entries:
                problems.append(f"cell {i}: [{label}] links to #{anchor}, which REFERENCES.md does not have")
            elif anchor:
                linked.append(entries[anchor])
        for citation in extract_citations(text):
            if not any(matches(citation, e) for e in linked):
                problems.append(f"cell {i}: {citation} is not linked to its entry")
    assert not problems, "\n".join(problems)


def test_readme_links_land_on_entries():
    anchors = {e.anchor for e in _entries()}
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    bad = [url for _, url in _LINK.findall(text) if url.startswith("REFERENCES.md#") and url.partition("#")[2] not in anchors]
    assert not bad


def test_no_internal_notes_are_cited():
    """Users never see the project's internal notes: no notebook, README or module may point to them."""
    offenders = [where for where, text in _sources().items() if re.search(r"DOMAIN\.md|/work/shared", text)]
    offenders += [p.name for p in NOTEBOOKS if "DOMAIN" in p.read_text(encoding="utf-8")]
    assert not offenders, offenders
