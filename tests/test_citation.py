"""CITATION.cff is valid CFF 1.2.0 and agrees with the book's configuration and bibliography."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]


def _cffconvert() -> str:
    exe = shutil.which("cffconvert", path=str(Path(sys.executable).parent)) or shutil.which(
        "cffconvert")
    if exe is None:
        pytest.fail("cffconvert is missing: install the project's dev extra (make venv)")
    return exe


def _bibtex_field(key: str, field: str) -> str:
    text = (ROOT / "references.bib").read_text()
    entry = re.search(r"@\w+\{" + re.escape(key) + r",(.*?)\n\}", text, re.S)
    assert entry, f"references.bib has no entry {key}"
    value = re.search(r"\b" + field + r"\s*=\s*\{(.*?)\},?\n", entry.group(1), re.S)
    assert value, f"{key} has no {field}"
    return " ".join(value.group(1).split())


def test_citation_cff_validates():
    result = subprocess.run([_cffconvert(), "--validate", "-i", "CITATION.cff"], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "valid" in result.stdout.lower()


def test_citation_cites_the_book_and_the_original_paper():
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    assert cff["cff-version"] == "1.2.0"
    assert cff["title"] == config["title"]
    assert cff["repository-code"] == config["repository"]["url"]
    cited = [cff.get("preferred-citation", {})] + cff.get("references", [])
    paper = next(c for c in cited if c.get("title", "").startswith("Recurrent Neural Network"))
    arxiv = [i["value"] for i in paper["identifiers"] if i["value"].startswith("arXiv:")]
    assert arxiv == [f"arXiv:{_bibtex_field('salatiello2020', 'eprint')}"]
    assert [a["family-names"] for a in paper["authors"]] == ["Salatiello", "Giese"]
    assert paper["year"] == 2020


def test_bibliography_has_every_key_the_chapters_use():
    keys = set(re.findall(r"@\w+\{(\w+),", (ROOT / "references.bib").read_text()))
    assert {"salatiello2020", "hennequin2014", "stroud2018", "depasquale2018", "sussillo2015",
            "kao2019", "williams2021", "rasmussen2006"} <= keys
    used = set()
    for page in [*(ROOT / "book").glob("*.md"), *(ROOT / "book").glob("*.ipynb")]:
        for group in re.findall(r"\{cite(?::\w+)?\}`([^`]+)`", page.read_text()):
            used |= {k.strip() for k in group.split(",")}
    assert used <= keys, f"cited but not in references.bib: {sorted(used - keys)}"


def test_the_books_bibtex_is_generated_from_citation_cff():
    """The intro's copyable BibTeX block: generated from CITATION.cff, so the two cannot drift."""
    from ffhlib.notebook import citation_bibtex

    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    text = citation_bibtex(ROOT / "CITATION.cff")
    book, paper = text.split("\n\n")
    assert book.startswith("@software{ffhbook,") and paper.startswith("@inproceedings{")
    assert f"title   = {{{cff['title']}}}" in book
    assert f"version = {{{cff['version']}}}" in book and cff["repository-code"] in book
    assert "Salatiello, Alessandro and Giese, Martin A." in paper
    assert f"eprint    = {{{_bibtex_field('salatiello2020', 'eprint')}}}" in paper
    assert text.count("{") == text.count("}")
