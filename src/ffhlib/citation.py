"""The book's BibTeX entries, from CITATION.cff (the introduction shows them)."""

from __future__ import annotations

from pathlib import Path

__all__ = ["citation_bibtex"]


def _bibtex_authors(authors) -> str:
    names = []
    for a in authors:
        if "family-names" in a:
            names.append(f"{a['family-names']}, {a.get('given-names', '')}".strip(", "))
        else:
            names.append("{" + a["name"] + "}")
    return " and ".join(names)


def citation_bibtex(cff_path: str | Path) -> str:
    """BibTeX of the book (``@software``) and of the study it reproduces, from ``CITATION.cff``.

    The first entry cites the book as the CFF describes it (authors, title, version, licence,
    repository); the second is the CFF's first reference, the original study.
    """
    import yaml

    cff = yaml.safe_load(Path(cff_path).read_text())
    book = [f"  author  = {{{_bibtex_authors(cff['authors'])}}}",
            f"  title   = {{{cff['title']}}}"]
    if "version" in cff:
        book.append(f"  version = {{{cff['version']}}}")
    if "date-released" in cff:
        book.append(f"  year    = {{{str(cff['date-released'])[:4]}}}")
    if "repository-code" in cff:
        book.append(f"  url     = {{{cff['repository-code']}}}")
    if "license" in cff:
        book.append(f"  note    = {{Licence: {cff['license']}}}")
    entries = ["@software{ffhbook,\n" + ",\n".join(book) + "\n}"]
    for ref in cff.get("references", [])[:1]:
        fields = [f"  author    = {{{_bibtex_authors(ref['authors'])}}}",
                  f"  title     = {{{' '.join(str(ref['title']).split())}}}"]
        if "collection-title" in ref:
            fields.append(f"  booktitle = {{{ref['collection-title']}}}")
        if "publisher" in ref:
            fields.append(f"  publisher = {{{ref['publisher']['name']}}}")
        for key in ("volume", "year"):
            if key in ref:
                fields.append(f"  {key:<9} = {{{ref[key]}}}")
        for ident in ref.get("identifiers", []):
            if str(ident.get("value", "")).startswith("arXiv:"):
                fields.append(f"  eprint    = {{{ident['value'].removeprefix('arXiv:')}}}")
                fields.append("  archiveprefix = {arXiv}")
        entries.append("@inproceedings{salatiello2020,\n" + ",\n".join(fields) + "\n}")
    return "\n\n".join(entries) + "\n"
