"""What the book claims, and that its numbers are never typed: the introduction says that the book
reconstructs the study and tests its abstracts; every mark of the introduction's table is its
chapter's glued verdict, beside that chapter's Holm-adjusted p; no result is typed into the
sources.

Static checks read the sources (``book/intro.md``, the chapters' markdown and code cells). The
checks over executed chapters read the notebooks ``make book`` stages (``_build/stage/book``, or
the folder named by ``FFH_BOOK_EXECUTED``) and are skipped, with a message, when none are there.
"""

from __future__ import annotations

import io
import json
import math
import os
import re
import tokenize
from pathlib import Path

import pytest

from ffhlib.golden import glued_values

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
INTRO = BOOK / "intro.md"
EXECUTED = Path(os.environ.get("FFH_BOOK_EXECUTED") or ROOT / "_build" / "stage" / "book")

#: A glue role: ``{glue:text}`05_dynamics_similarity.ipynb::sim_claim:s``` -> page, key.
GLUE = re.compile(r"\{glue(?::\w+)?\}`(?:([\w.-]+\.ipynb)::)?([\w]+)(?::[^`]*)?`")


# --- the introduction's table --------------------------------------------------------------------

def main_table(text: str) -> list[list[str]]:
    """The cells of the introduction's summary table (``tbl-main-results``), row by row, header
    included."""
    start = text.index("```{list-table}")
    while ":name: tbl-main-results" not in text[start:text.index("\n```", start + 3)]:
        start = text.index("```{list-table}", start + 3)
    body = text[start:text.index("\n```", start + 3)]
    rows: list[list[str]] = []
    for line in body.splitlines():
        if line.startswith("* -"):
            rows.append([line[3:].strip()])
        elif line.startswith("  -") and rows:
            rows[-1].append(line[3:].strip())
    return rows


def glue_keys(cell: str) -> list[tuple[str, str]]:
    """``(page, key)`` of every glue role in a cell (page "" for the page itself)."""
    return [(page or "", key) for page, key in GLUE.findall(cell)]


def test_main_table_parser_reads_rows_and_glue_keys():
    text = ("x\n```{list-table} caption\n:name: tbl-main-results\n\n* - a\n  - {glue:text}"
            "`05_x.ipynb::p_padj:.3g`\n  - {glue:text}`05_x.ipynb::sim_claim:s`\n* -\n  -\n  -\n"
            "```\n")
    rows = main_table(text)
    assert rows == [["a", "{glue:text}`05_x.ipynb::p_padj:.3g`",
                     "{glue:text}`05_x.ipynb::sim_claim:s`"], ["", "", ""]]
    assert glue_keys(rows[0][2]) == [("05_x.ipynb", "sim_claim")]


def _marked_rows() -> list[tuple[str, str, str]]:
    """``(chapter, p key or "", mark key)`` of every row of the table with a mark."""
    rows = main_table(INTRO.read_text(encoding="utf-8"))
    header, rows = rows[0], rows[1:]
    assert header[-2:] == ["$p$", "claim"], header
    out = []
    for row in rows:
        assert len(row) == len(header), row
        marks, ps = glue_keys(row[-1]), glue_keys(row[-2])
        if not marks:
            assert not ps, f"a p without a mark: {row}"
            continue
        assert len(marks) == 1 and len(ps) <= 1, row
        # a p printed as a text ("*_padj_text": "–" where there is none) stands for its number
        (page, mark), p = marks[0], (ps[0][1].removesuffix("_text") if ps else "")
        assert not ps or ps[0][0] == page, f"mark and p from different chapters: {row}"
        out.append((page, p, mark))
    return out


def test_every_intro_mark_is_its_chapters_verdict_with_the_adjusted_p():
    """Each mark is glued by a chapter (a ``*_claim`` key, computed there by
    :func:`ffhlib.report.claim_status` or :func:`ffhlib.report_book.mechanism_verdict`), never
    written in the introduction; the p beside it is the Holm-adjusted one (``*_padj``)."""
    rows = _marked_rows()
    assert len(rows) >= 10
    for page, p, mark in rows:
        assert page.endswith(".ipynb") and "_claim" in mark, (page, mark)
        if mark != "mech_claim":
            assert p.endswith("_padj"), f"{page}::{mark} is quoted beside {p!r}, not an adjusted p"
    marks = {m for _, _, m in rows}
    assert "mech_claim" in marks, "the mechanism row has no overall verdict"
    from ffhlib.report_mechanisms import MECHANISM_MEASURES

    assert {f"mech_{m}_claim" for m in MECHANISM_MEASURES} <= marks, \
        "the introduction leaves out comparisons of chapter 08"


def test_intro_first_screen_states_the_reconstruction():
    text = INTRO.read_text(encoding="utf-8")
    title = text.splitlines()[0]
    assert title.startswith("# ") and "reconstruction" in title and "reproduction" not in title
    first = " ".join(text[:text.index("## ")].split())
    for phrase in ("*reconstructs*", "full text was not available", "abstracts' claims",
                   "{cite}`salatiello_abstract`", "parameters.ipynb::param_paper_count",
                   "parameters.ipynb::param_choice_count", "sim_lead_recordings",
                   "sim_lead_interpolation", "mech_summary_text", "by design"):
        assert phrase in first, f"the first screen does not say {phrase!r}"
    assert "salatiello_abstract" in (ROOT / "references.bib").read_text(encoding="utf-8")
    for config in (ROOT / "_config.yml", ROOT / "CITATION.cff"):
        assert "reconstruction" in config.read_text(encoding="utf-8"), config.name


# --- over the executed chapters ------------------------------------------------------------------

def _executed(page: str) -> dict:
    path = EXECUTED / page
    if not path.is_file():
        pytest.skip(f"no executed {page} in {EXECUTED}: run `make book` (or set "
                    "FFH_BOOK_EXECUTED to a folder of executed chapters)")
    return glued_values(path)


_MARKS = ("✔", "✘", "–")


def test_intro_marks_follow_the_adjusted_p_their_chapters_glue():
    """In the executed chapters, each mark the introduction shows exists and agrees with the
    adjusted p beside it (✔ or ✘ exactly when it is below 0.05, the book's level), and the
    mechanism mark counts the marks of the chapter 08 rows."""
    rows = _marked_rows()
    mech_rows = []
    for page, p, mark in rows:
        values = _executed(page)
        assert mark in values, f"{page} does not glue {mark}"
        shown = str(values[mark])
        assert shown[:1] in _MARKS, f"{page}::{mark} = {shown!r} is not a mark"
        if not p:
            continue
        padj = float(values[p])
        if math.isnan(padj):
            assert shown.startswith("–"), (page, mark, shown)
            continue
        assert (shown[0] in "✔✘") == (padj < 0.05), f"{page}::{mark} = {shown!r} beside p = {padj}"
        if mark.startswith("mech_") and mark != "mech_claim":
            mech_rows.append(shown[0])
    if mech_rows:
        values = _executed("08_mechanisms.ipynb")
        overall = str(values["mech_claim"])
        if all(m == "✔" for m in mech_rows):
            assert overall.startswith("✔"), overall
        elif "✔" in mech_rows:
            assert overall.startswith("–") and "necessary, not sufficient" in overall, overall
        else:
            assert not overall.startswith("✔"), overall


HTML = ROOT / "_build" / "html" / "book"


@pytest.mark.skipif(not HTML.is_dir(), reason="no built book: run make book")
def test_no_built_page_prints_nan():
    """A number that does not exist is worded ("–", "never reached"), never printed as Python
    prints it ("nan"; the prose may explain where a table holds NaN)."""
    found = {}
    for page in sorted(HTML.glob("*.html")):
        html = page.read_text(encoding="utf-8")
        html = re.sub(r"<(script|style|pre)\b.*?</\1>", " ", html, flags=re.S)
        text = re.sub(r"<[^>]+>", " ", html)
        hits = re.findall(r".{0,40}\bnan\b.{0,20}", text)
        if hits:
            found[page.name] = hits[:3]
    assert not found, f"pages print NaN: {found}"


@pytest.mark.skipif(not HTML.is_dir(), reason="no built book: run make book")
def test_no_glued_value_in_the_prose_reads_as_a_python_boolean():
    """A check that holds reads "yes" or "no" in the prose (:func:`ffhlib.chapter.glue_flags`),
    never Python's True or False."""
    found = {page.name: hits for page in sorted(HTML.glob("*.html"))
             if (hits := re.findall(r'<span class="pasted-text">\s*(True|False)\s*</span>',
                                    page.read_text(encoding="utf-8")))}
    assert not found, f"glued booleans in the prose: {found}"


def test_no_built_page_shows_an_objects_repr_instead_of_its_content():
    """An output is rendered, never shown as Python's repr of it (an empty ``Markdown("")``
    leaves only its text/plain "<IPython.core.display.Markdown object>")."""
    found = {page.name: hits[:3] for page in sorted(HTML.glob("*.html"))
             if (hits := re.findall(r"&lt;(?:IPython|matplotlib)\.[\w.]+ object",
                                    page.read_text(encoding="utf-8")))}
    assert not found, f"pages show an object's repr: {found}"


def test_intro_glue_keys_exist_in_the_executed_chapters():
    """Every key the introduction quotes is glued by the chapter it names (checked for every
    executed chapter found; skipped for the others)."""
    text = INTRO.read_text(encoding="utf-8")
    refs = {k for k in glue_keys(text) if k[0]}
    absent = sorted({page for page, _ in refs if not (EXECUTED / page).is_file()})
    found = {page: glued_values(EXECUTED / page) for page, _ in refs if page not in absent}
    if not found:
        pytest.skip(f"no executed chapter in {EXECUTED}")
    missing = sorted(f"{page}::{key}" for page, key in refs
                     if page in found and key not in found[page])
    assert not missing, f"the introduction quotes keys no chapter glued: {missing}"
    if absent:
        pytest.skip(f"checked all but {absent} (not executed in {EXECUTED})")


# --- no typed results ----------------------------------------------------------------------------

#: A decimal number as typed (not part of a longer token such as 127.0.0.1 or v1.2.3).
DECIMAL = re.compile(r"(?<![\w.])[-−±]?\d+\.\d+(?!\.?\w)")
#: What prose may contain besides glued values, each a stated setting (not a result), with why.
ALLOWED = {
    r"Python 3\.\d+": "the Python version the project supports",
    r"1, 2\.5, 10, 20 and\s+45 %": "the complete grid's recorded fractions (sweep.FULL_FRACTIONS)",
    r"(?<![\w.])0\.05(?!\.?\w)": "the significance level",
}
#: What is not prose: glue and other roles, inline code, math, fenced code (not directives).
_NOT_PROSE = [re.compile(p, re.S | re.M) for p in (
    r"^```(?!\{)[^\n]*\n.*?^```", r"\{\w+(?::\w+)?\}`[^`]*`", r"(?<!`)`[^`\n]+`(?!`)",
    r"\$\$.*?\$\$", r"\$[^$\n]+\$")]


def typed_decimals(text: str) -> list[str]:
    """Decimal numbers typed into a page's prose, captions or table cells (with context), outside
    glued values, roles, code, math and :data:`ALLOWED`."""
    for pattern in _NOT_PROSE:
        text = pattern.sub(" ", text)
    for allowed in ALLOWED:
        text = re.sub(allowed, " ", text)
    return [text[max(0, m.start() - 30):m.end() + 10].replace("\n", " ")
            for m in DECIMAL.finditer(text)]


def _code_strings(source: str) -> str:
    """The string literals of a code cell (captions, table headers, titles)."""
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return source
    return "\n".join(t.string for t in tokens if t.type == tokenize.STRING)


def test_typed_decimal_scan_finds_results_and_skips_what_is_not_one():
    text = ("FF's error is 0.653 here.\n$\\max(1.5\\alpha)$ and `-p gain 0.5` and "
            "{glue:text}`x:.3f` at p < 0.05 on Python 3.11, 127.0.0.1\n```bash\nrun 2.5\n```\n"
            "```{glue:figure} fig\nCaption quoting 0.91.\n```\n")
    found = typed_decimals(text)
    assert len(found) == 2 and "0.653" in found[0] and "0.91" in found[1]


def _sources() -> dict[str, str]:
    out = {p.name: p.read_text(encoding="utf-8") for p in sorted(BOOK.glob("*.md"))}
    for path in sorted(BOOK.glob("*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        out[path.name] = "\n".join(
            "".join(c["source"]) if c["cell_type"] == "markdown"
            else _code_strings("".join(c["source"])) for c in cells)
    return out


@pytest.mark.parametrize("page", sorted(_sources()))
def test_no_result_is_typed_into_the_sources(page):
    """Every number a page shows is glued from a computation; typed decimals are stated settings
    (:data:`ALLOWED`) or nothing."""
    found = typed_decimals(_sources()[page])
    assert not found, f"{page} types numbers (glue them instead): {found}"


# --- one quantity, one value ------------------------------------------------------------------

#: The same quantity as two chapters glue it (each from the same cached study rows): ``(page, key)``
#: pairs that must agree when both chapters ran the same ground truths and network seeds.
SAME_QUANTITY = [
    (("06_generalization.ipynb", "gen_err_ff_mean"),
     ("07_how_many_neurons.ipynb", "gen_err_ff_flat")),
    (("06_generalization.ipynb", "gen_err_interpolation_mean"),
     ("07_how_many_neurons.ipynb", "gen_err_interp_flat")),
    (("05_dynamics_similarity.ipynb", "cca_unobserved_ff_mean"),
     ("07_how_many_neurons.ipynb", "cca_unobserved_ff_mean")),
]


def _seeds(page: str, values: dict) -> tuple:
    seeds = values.get("sweep_n_seeds") if page.startswith("07_") else values.get("n_seeds")
    return values.get("n_ground_truths"), seeds


@pytest.mark.parametrize(("first", "second"), SAME_QUANTITY,
                         ids=[f"{a[1]}-{b[1]}" for a, b in SAME_QUANTITY])
def test_a_quantity_two_chapters_show_has_one_value(first, second):
    """FF's error on untrained directions (the introduction's table, chapter 06's figures and
    chapter 07's references) and the like come from the same cached rows: one value."""
    a, b = _executed(first[0]), _executed(second[0])
    if _seeds(first[0], a) != _seeds(second[0], b):
        pytest.skip(f"{first[0]} and {second[0]} ran other ground truths or seeds")
    assert a[first[1]] == pytest.approx(b[second[1]], rel=1e-12, abs=1e-12), (first, second)


def test_the_training_noise_figure_at_the_study_noise_is_the_study():
    """Chapter 06's training-noise curve, drawn on the first network seed of each ground truth,
    is the study's own error at the study's training noise when the study has one seed."""
    from ffhlib.generalization_summary import noise_tag

    values = _executed("06_generalization.ipynb")
    if values["n_seeds"] != 1:
        pytest.skip("the study has several network seeds; the figure draws the first")
    tag = noise_tag(float(values["gen_training_noise"]))
    for kind in ("ff", "ffh"):
        assert values[f"gen_noise_{tag}_{kind}"] == pytest.approx(
            values[f"gen_err_{kind}_mean"], rel=1e-12, abs=1e-12), kind


# --- the published numbers under watch (book/expected.json) --------------------------------------

def _record_and_build():
    """The committed record and the executed chapters' values, or skip when the executed book is
    not a paper-parameter build of every recorded chapter."""
    from ffhlib import golden

    path = golden.expected_path()
    if path is None:
        pytest.skip("book/expected.json is not committed (tests/test_golden.py says so)")
    record = golden.read_expected(path)
    absent = [c for c in record["chapters"] if not (EXECUTED / c).is_file()]
    if absent:
        pytest.skip(f"not executed in {EXECUTED}: {absent}")
    custom = [c for c in record["chapters"]
              if '"injected-parameters"' in (EXECUTED / c).read_text(encoding="utf-8")]
    if custom:
        pytest.skip(f"executed with other parameters than the defaults: {custom}")
    return record, golden.build_values(EXECUTED, chapters=list(record["chapters"]))


def test_the_built_book_reproduces_every_published_number_within_its_tolerance():
    from ffhlib import golden

    record, built = _record_and_build()
    drifts = golden.compare(record, built)
    assert not drifts, f"{len(drifts)} published values drift:\n" + "\n".join(
        map(str, drifts[:30]))


def test_a_deliberately_moved_number_or_mark_is_caught_and_a_small_move_is_not():
    import copy

    from ffhlib import golden

    record, built = _record_and_build()
    before = {(d.chapter, d.key) for d in golden.compare(record, built)}
    numeric = [(c, k, e["tolerance"]) for c, keys in record["chapters"].items()
               for k, e in keys.items() if isinstance(e["tolerance"], float)
               and isinstance(built[c].get(k), float) and math.isfinite(built[c][k])]
    chapter, key, tol = max(numeric, key=lambda t: t[2])   # the most tolerant number
    within, moved = copy.deepcopy(built), copy.deepcopy(built)
    want = float(record["chapters"][chapter][key]["value"])
    within[chapter][key] = want + tol / 2
    moved[chapter][key] = want + 2 * tol
    assert {(d.chapter, d.key) for d in golden.compare(record, within)} == before
    assert {(d.chapter, d.key) for d in golden.compare(record, moved)} - before == {(chapter, key)}
    marks = [(c, k) for c, keys in record["chapters"].items() for k, e in keys.items()
             if e["tolerance"] is None and isinstance(e["value"], str)
             and e["value"][:1] in _MARKS]
    assert marks, "the record holds no mark"
    chapter, key = marks[0]
    flipped = copy.deepcopy(built)
    flipped[chapter][key] = ("✘" if built[chapter][key][:1] != "✘" else "✔") + \
        built[chapter][key][1:]
    assert {(d.chapter, d.key) for d in golden.compare(record, flipped)} - before == {
        (chapter, key)}
