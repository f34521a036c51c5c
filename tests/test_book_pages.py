"""The book as its readers meet it: no internal documents, provenance tags that a glossary defines,
and every figure numbered and captioned.

Two kinds of checks:

- static (always run, no build needed): the sources under ``book/``, ``src/ffhlib/`` and
  ``README.md`` never mention the developers' internal documents; every provenance tag used in a
  ``param(...)`` declaration or in a chapter's prose is defined in the glossary
  (:data:`ffhlib._params.PROVENANCE_GLOSSARY`); every figure that chapters 01-03 make is glued and
  placed as a numbered figure with a caption;
- over the executed book in ``_build/html`` (skipped with a message when it is absent; ``make
  check`` builds it first): no rendered page mentions an internal document or an undefined
  provenance tag, and every image on a chapter page sits inside a numbered figure whose caption
  says what is plotted.

"""

from __future__ import annotations

import ast
import io
import json
import os
import re
import tokenize
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

import pytest

from ffhlib._params import PROVENANCE_GLOSSARY

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
SRC = ROOT / "src" / "ffhlib"
HTML = Path(os.environ.get("FFH_BOOK_HTML") or ROOT / "_build" / "html")   # override for tests


#: Mentions of the developers' internal documents.
INTERNAL = re.compile(r"METHODS|DESIGN\.md|STYLE\.md|\.\./shared")
#: A provenance tag in prose: ``[choice]``, or ``[{ref}`choice <provenance-glossary>`]``.
PROSE_TAG = re.compile(r"\[(?:\{ref\}`)?([a-z][a-z-]*)(?: <[a-z-]+>`)?\](?!\()")
#: A tag as rendered in a page's text: ``[choice]``.
RENDERED_TAG = re.compile(r"\[([a-z][a-z-]*)\]")
TAGS = frozenset(PROVENANCE_GLOSSARY)


def _rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def _judge(problems: dict[str, list[str]], what: str) -> None:
    """Fail naming every file with a problem."""
    assert not problems, f"{what}:\n" + "\n".join(f"{f}: {p[:5]}"
                                                   for f, p in sorted(problems.items()))


# --- static: sources -----------------------------------------------------------------------------

def _python_mentions(source: str) -> list[str]:
    """Internal-document mentions in a Python source's comments and strings (names in code are
    not mentions)."""
    found = []
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return INTERNAL.findall(source)
    for tok in tokens:
        if tok.type not in (tokenize.COMMENT, tokenize.STRING):
            continue
        found += [f"line {tok.start[0]}: {m}" for m in INTERNAL.findall(tok.string)]
    return found


def _notebook_cells(path: Path):
    for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
        source = cell.get("source", "")
        yield cell, "".join(source) if isinstance(source, list) else source


def _mentions(path: Path) -> list[str]:
    if path.suffix == ".py":
        return _python_mentions(path.read_text(encoding="utf-8"))
    if path.suffix == ".ipynb":
        found = []
        for cell, source in _notebook_cells(path):
            found += (_python_mentions(source) if cell["cell_type"] == "code"
                      else INTERNAL.findall(source))
        return found
    return INTERNAL.findall(path.read_text(encoding="utf-8"))


def _reader_sources() -> list[Path]:
    files = [*sorted(BOOK.glob("*.ipynb")), *sorted(BOOK.glob("*.md")),
             *sorted(SRC.rglob("*.py")), ROOT / "README.md"]
    return [f for f in files if f.is_file()]


def test_python_scan_tells_the_name_from_a_mention():
    code = 'METHODS = ("a",)\nx = soc.METHODS\n'
    assert _python_mentions(code) == []
    assert len(_python_mentions('__all__ = ["METHODS"]\n')) == 1
    assert len(_python_mentions('"""See METHODS.md."""\n# see ../shared\n')) == 2


def test_no_source_mentions_an_internal_document():
    problems = {_rel(f): m for f in _reader_sources() if (m := _mentions(f))}
    _judge(problems, "mentions of METHODS / DESIGN.md / STYLE.md / ../shared")


def _param_tags(path: Path) -> list[tuple[int, str]]:
    """(line, tag) of every ``param(..., provenance="tag")`` in a Python file."""
    tags = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
        if name != "param":
            continue
        for kw in node.keywords:
            if kw.arg == "provenance" and isinstance(kw.value, ast.Constant):
                tags.append((node.lineno, kw.value.value))
    return tags


def test_param_declarations_use_glossary_tags():
    found = {_rel(f): _param_tags(f) for f in sorted(SRC.rglob("*.py"))}
    assert sum(len(t) for t in found.values()) > 50, "the scan found (almost) no param() calls"
    problems = {f: [f"line {n}: {tag!r}" for n, tag in tags if tag not in TAGS]
                for f, tags in found.items()}
    _judge({f: p for f, p in problems.items() if p}, "provenance tags not in the glossary")


def test_chapter_prose_uses_glossary_tags():
    problems = {}
    for path in [*sorted(BOOK.glob("*.ipynb")), *sorted(BOOK.glob("*.md"))]:
        text = ("\n".join(s for c, s in _notebook_cells(path) if c["cell_type"] == "markdown")
                if path.suffix == ".ipynb" else path.read_text(encoding="utf-8"))
        unknown = sorted(set(PROSE_TAG.findall(text)) - TAGS)
        if unknown:
            problems[_rel(path)] = unknown
    _judge(problems, "provenance tags in prose that the glossary does not define")


def test_glossary_is_shown_where_tags_are_first_used():
    for name in ("01_emg_targets", "parameters"):
        sources = [s for c, s in _notebook_cells(BOOK / f"{name}.ipynb")
                   if c["cell_type"] == "code"]
        assert any("provenance_glossary(" in s for s in sources), f"{name} shows no glossary"
    markdown = "".join(s for c, s in _notebook_cells(BOOK / "parameters.ipynb")
                       if c["cell_type"] == "markdown")
    assert "(provenance-glossary)=" in markdown


CHAPTERS = sorted(p.stem for p in BOOK.glob("[0-9][0-9]_*.ipynb"))
#: A figure glued in code: ``glue("fig_x", fig, ...)`` or ``glue_figure("fig_x", ...)``.
GLUED_FIGURE = re.compile(r"glue(?:_figure)?\(\s*\"(fig_\w+)\"")


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_every_figure_of_a_chapter_is_glued_numbered_and_captioned(chapter):
    cells = list(_notebook_cells(BOOK / f"{chapter}.ipynb"))
    code = [s for c, s in cells if c["cell_type"] == "code"]
    markdown = "\n".join(s for c, s in cells if c["cell_type"] == "markdown")
    glued = sorted({k for s in code for k in GLUED_FIGURE.findall(s)})
    assert glued, "a chapter without a figure"
    for s in code:
        if re.search(r"glue\(\s*\"fig_", s):  # glued directly: closed too (glue_figure does it)
            assert s.count("plt.close(fig)") == len(re.findall(r"glue\(\s*\"fig_", s)), \
                "glued figures are closed"
    placed = set(re.findall(r"```\{glue:figure\} (fig_\w+)", markdown))
    assert placed == set(glued), f"glued but not placed: {set(glued) - placed}; placed but " \
                                 f"never glued: {placed - set(glued)}"
    for key in glued:
        block = re.search(r"```\{glue:figure\} " + key + r"\n:name: (fig-[\w-]+)\n\n(.*?)```",
                          markdown, re.S)
        assert block, f"{key} is not placed with {{glue:figure}} and a :name:"
        caption = block.group(2)
        assert len(caption.split()) >= 25, f"{key}: a caption says what, units, n ({caption!r})"
        assert f"{{numref}}`{block.group(1)}`" in markdown, f"{key} is never referred to"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_parameters_cell_is_shown_after_its_rerun_note(chapter):
    """The knobs a reader turns are visible, beside the two commands that rerun the chapter
    (written by ``python -m ffhlib.notebook rerun-note``)."""
    from ffhlib.notebook import HIDING_TAGS, RERUN_NOTE_TAG, rerun_note

    cells = [c for c, _ in _notebook_cells(BOOK / f"{chapter}.ipynb")]
    where = [i for i, c in enumerate(cells) if "parameters" in c["metadata"].get("tags", [])]
    assert len(where) == 1, "one parameters cell"
    params = cells[where[0]]
    assert not set(params["metadata"]["tags"]) & HIDING_TAGS, "the parameters cell is folded"
    note = cells[where[0] - 1]
    assert note["cell_type"] == "markdown" and RERUN_NOTE_TAG in note["metadata"].get("tags", [])
    text = "".join(note["source"])
    assert text == rerun_note(chapter), "stale note: run python -m ffhlib.notebook rerun-note"
    assert f"make chapter NB={chapter} ARGS=" in text
    assert f"papermill book/{chapter}.ipynb out.ipynb -p quick true -p seed 3" in text


# --- over the built book -------------------------------------------------------------------------

PAGES = sorted((HTML / "book").glob("*.html")) if (HTML / "book").is_dir() else []
CHAPTER_PAGES = [p for p in PAGES if re.match(r"\d\d_", p.stem)]


def _require_build():
    if not PAGES:
        pytest.skip(f"the book is not built ({HTML / 'book'} is absent): run `make book` or "
                    "`make check`")


class _Page(HTMLParser):
    """Visible text, per-container text, provenance-column cells and figures of one page."""

    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
            "track", "wbr"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, dict]] = []
        self.text: list[str] = []
        self.prose: list[str] = []                   # the text outside code blocks
        self.by_container: dict[str, list[str]] = {}
        self.images: list[dict] = []                 # {"src", "in_article", "figure"}
        self.captions: dict[int, list[str]] = {}
        self._figures = 0
        self._table: dict | None = None              # header cells, current row, column
        self.provenance_cells: list[str] = []

    def _open(self, tag):
        return [a for t, a in self.stack if t == tag]

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "figure":
            self._figures += 1
            attrs = {**attrs, "_n": self._figures}
            self.captions[self._figures] = []
        if tag == "img":
            figures = self._open("figure")
            self.images.append({"src": attrs.get("src", ""),
                                "in_article": bool(self._open("article")),
                                "figure": figures[-1]["_n"] if figures else None})
        if tag == "table":
            self._table = {"header": [], "row": -1, "col": -1, "cell": None}
        if self._table is not None and tag == "tr":
            self._table["row"] += 1
            self._table["col"] = -1
        if self._table is not None and tag in ("td", "th"):
            self._table["col"] += 1
            self._table["cell"] = []
        if tag not in self.VOID:
            self.stack.append((tag, attrs))

    def handle_endtag(self, tag):
        if self._table is not None and tag in ("td", "th") and self._table["cell"] is not None:
            text = " ".join("".join(self._table["cell"]).split())
            if self._table["row"] == 0:
                self._table["header"].append(text)
            elif (self._table["col"] < len(self._table["header"])
                  and self._table["header"][self._table["col"]] == "provenance"):
                self.provenance_cells.append(text)
            self._table["cell"] = None
        if tag == "table":
            self._table = None
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                break

    def handle_data(self, data):
        if self._open("script") or self._open("style"):
            return
        self.text.append(data)
        if not self._open("pre"):
            self.prose.append(data)
        for attrs in self.stack:
            name = attrs[1].get("id", "")
            if name.startswith("params-"):
                self.by_container.setdefault(name, []).append(data)
        captions = self._open("figcaption")
        figures = self._open("figure")
        if captions and figures:
            self.captions[figures[-1]["_n"]].append(data)
        if self._table is not None and self._table["cell"] is not None:
            self._table["cell"].append(data)


def _parse(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    page.close()
    return page


def test_the_page_parser_reads_figures_tables_and_containers(tmp_path):
    html = tmp_path / "p.html"
    html.write_text(
        "<html><body><img src='logo.png'><article><figure id='f'><img src='a.png'>"
        "<figcaption><p><span class='caption-number'>Fig. 3 </span>What is shown.</p>"
        "</figcaption></figure><img src='b.png'><div id='params-ffhlib-x-xparams'><table>"
        "<tr><th>parameter</th><th>provenance</th></tr><tr><td>a</td><td>choice</td></tr>"
        "</table></div><pre>x[seed]</pre><script>var METHODS;</script></article></body></html>")
    page = _parse(html)
    assert [(i["src"], i["in_article"], i["figure"]) for i in page.images] == [
        ("logo.png", False, None), ("a.png", True, 1), ("b.png", True, None)]
    assert "".join(page.captions[1]).strip() == "Fig. 3 What is shown."
    assert page.provenance_cells == ["choice"]
    assert "choice" in "".join(page.by_container["params-ffhlib-x-xparams"])
    assert "METHODS" not in "".join(page.text)
    assert "x[seed]" in "".join(page.text) and "x[seed]" not in "".join(page.prose)


def test_book_is_built_for_the_page_checks():
    _require_build()
    assert (HTML / "book" / "parameters.html").is_file()


@pytest.mark.parametrize("page", PAGES, ids=[p.stem for p in PAGES])
def test_rendered_page_mentions_no_internal_document(page):
    parsed = _parse(page)
    found = INTERNAL.findall("".join(parsed.text))
    if found and page.stem == "parameters":
        # each parameter class is a container "params-ffhlib-<module>-<class>": name the
        # modules whose docstrings or tables show the mentions
        owners = sorted({name.split("-")[2] for name, text in parsed.by_container.items()
                         if INTERNAL.findall("".join(text))})
        pytest.fail(f"the appendix shows internal documents from the modules {owners}")
    assert not found, f"{page.name} mentions {sorted(set(found))}"


@pytest.mark.parametrize("page", PAGES, ids=[p.stem for p in PAGES])
def test_rendered_provenance_tags_are_defined(page):
    parsed = _parse(page)
    unknown = sorted((set(RENDERED_TAG.findall("".join(parsed.prose)))
                      | set(parsed.provenance_cells)) - TAGS)
    if page.stem == "parameters":
        assert parsed.provenance_cells, "the appendix shows no provenance column"
        glossary = "".join(parsed.text)
        assert all(tag in glossary for tag in TAGS)
    assert not unknown, f"{page.name} shows undefined provenance tags {unknown}"


@pytest.mark.parametrize("page", CHAPTER_PAGES, ids=[p.stem for p in CHAPTER_PAGES])
def test_every_chapter_image_is_a_numbered_captioned_figure(page):
    parsed = _parse(page)
    images = [i for i in parsed.images if i["in_article"]]
    problems = []
    for image in images:
        if image["figure"] is None:
            problems.append(f"{image['src']}: not inside a <figure>")
            continue
        caption = " ".join("".join(parsed.captions[image["figure"]]).split())
        number = re.match(r"Fig\. \d+\s+(.*)", caption)
        if not number:
            problems.append(f"{image['src']}: caption without 'Fig. N' ({caption[:60]!r})")
        elif len(number.group(1).split()) < 12:
            problems.append(f"{image['src']}: caption too short to say what is plotted "
                            f"({caption!r})")
    assert images, f"{page.name} shows no figure"
    assert not problems, f"{page.name}:\n" + "\n".join(problems)


def test_chapter_03_glues_the_ground_truth_summary():
    """Chapter 03 publishes the keys other pages quote about the ground truths."""
    import inspect

    from ffhlib.groundtruth_analysis import gain_chapter_values

    code = "".join(s for c, s in _notebook_cells(BOOK / "03_gain_modulation.ipynb")
                   if c["cell_type"] == "code")
    # the chapter glues what the library builds (tests/test_groundtruth_analysis.py runs it)
    assert "glue_all(gta.gain_chapter_values(" in code, "chapter 03 does not glue its values"
    source = inspect.getsource(gain_chapter_values)
    for key in ("gain_r2", "gain_r2_min", "gain_r2_ground_truths_min", "n_ground_truths"):
        assert f'"{key}"' in source, f"chapter 03 does not glue {key}"
    parameters = next(s for c, s in _notebook_cells(BOOK / "03_gain_modulation.ipynb")
                      if "parameters" in c.get("metadata", {}).get("tags", []))
    values = {n.targets[0].id: ast.literal_eval(n.value) for n in ast.parse(parameters).body
              if isinstance(n, ast.Assign)}
    from ffhlib.study import StudyParams

    # chapter 03 builds the ground truths of the later chapters (the study's defaults)
    assert values["ground_truth_seeds"] == StudyParams().ground_truth_seeds
    assert {"seed", "quick"} <= set(values)


#: A code cell as myst-nb renders it: ``<div class="cell tag_parameters docutils container">``.
_CELL = re.compile(r'<div class="cell([^"]*)"')


@pytest.mark.parametrize("page", CHAPTER_PAGES, ids=[p.stem for p in CHAPTER_PAGES])
def test_parameters_cell_is_visible_in_the_built_page(page):
    html = page.read_text(encoding="utf-8")
    cells = [m for m in _CELL.finditer(html) if "tag_parameters" in m.group(1).split()]
    assert len(cells) == 1, f"{page.name}: no (or several) parameters cells rendered"
    classes = set(cells[0].group(1).split())
    hidden = sorted(c for c in classes if re.match(r"tag_(hide|remove)-", c))
    assert not hidden, f"{page.name}: the parameters cell is folded ({hidden})"
    # the commands as the reader sees them: syntax highlighting splits them into spans
    before = unescape(re.sub(r"<[^>]+>", "", html[:cells[0].start()]))
    assert f"NB={page.stem}" in before and f"book/{page.stem}.ipynb" in before, \
        f"{page.name}: no rerun commands before the parameters cell"


def test_every_label_is_named_once_across_the_book():
    """Sphinx refuses a label defined twice (``make book`` builds with warnings as errors), and a
    ``{numref}`` to a duplicated label would point at either page: every ``:name:`` and ``(label)=``
    target in the book's sources is unique."""
    names = re.compile(r":name:\s*([\w-]+)|^\(([\w-]+)\)=\s*$", re.M)
    seen: dict[str, list[str]] = {}
    for path in sorted(BOOK.glob("*.ipynb")) + sorted(BOOK.glob("*.md")):
        text = path.read_text()
        if path.suffix == ".ipynb":
            text = "\n".join("".join(cell["source"]) for cell in json.loads(text)["cells"])
        for match in names.finditer(text):
            seen.setdefault(match.group(1) or match.group(2), []).append(path.name)
    twice = {name: files for name, files in seen.items() if len(files) > 1}
    assert len(seen) > 20, "the label scan found almost no labels: the pattern is wrong"
    assert not twice, f"labels defined more than once: {twice}"
