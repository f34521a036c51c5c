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


# --- a citable release ------------------------------------------------------------------------

def test_zenodo_metadata_agrees_with_citation_cff():
    import json

    zenodo = json.loads((ROOT / ".zenodo.json").read_text())
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    assert " ".join(zenodo["title"].split()) == " ".join(cff["title"].split())
    assert zenodo["version"] == str(cff["version"])
    assert zenodo["license"] == cff["license"]
    assert zenodo["creators"] == [{"name": a["name"]} for a in cff["authors"]]
    assert zenodo["upload_type"] == "software"
    related = {r["identifier"]: r["relation"] for r in zenodo["related_identifiers"]}
    assert related["arXiv:2005.02211"] == "isSupplementTo"
    assert related[cff["repository-code"]] == "isSupplementedBy"


def test_the_title_says_the_book_reconstructs_the_study():
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    assert "reconstruct" in cff["title"] and "reconstruct" in cff["abstract"]
    assert "abstract" in cff["abstract"] and "not available" in cff["abstract"]


def test_the_book_bibtex_carries_year_version_commit_and_a_pinned_url():
    from ffhlib.citation import citation_bibtex

    commit = "0123456789abcdef0123456789abcdef01234567"
    text = citation_bibtex(ROOT / "CITATION.cff", commit=commit, year=2026)
    book = text.split("\n\n")[0]
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    for field, value in (("year", "2026"), ("version", str(cff["version"])), ("commit", commit),
                         ("url", f"{cff['repository-code']}/tree/{commit}")):
        assert re.search(rf"^\s+{field}\s*=\s*\{{{re.escape(value)}\}}", book, re.M), field
    assert " ".join(cff["title"].split()) in book
    with pytest.raises(ValueError, match="commit"):
        citation_bibtex(ROOT / "CITATION.cff", commit="main")


def test_the_build_config_pins_every_repository_link_to_the_commit():
    from ffhlib.citation import pinned_config

    commit = "0123456789abcdef0123456789abcdef01234567"
    config = yaml.safe_load(pinned_config((ROOT / "_config.yml").read_text(), commit))
    url = config["repository"]["url"]
    assert config["repository"]["branch"] == commit  # Binder's launch button: this commit
    assert config["html"]["use_repository_button"] is False  # it could only link the default
    footer = config["html"]["extra_footer"]
    links = re.findall(r'href="([^"]+)"', footer)
    assert len(links) == 3 and all(link.startswith(url) and commit in link for link in links)
    subs = config["parse"]["myst_substitutions"]
    assert commit in subs["cff_link"] and commit in subs["source_link"]
    assert "substitution" in config["parse"]["myst_enable_extensions"]
    # outside a git checkout the links name the configured branch
    unpinned = yaml.safe_load(pinned_config((ROOT / "_config.yml").read_text(), None))
    assert "/tree/main" in unpinned["html"]["extra_footer"]
    with pytest.raises(ValueError, match="commit"):
        pinned_config((ROOT / "_config.yml").read_text(), "main; rm -rf")
