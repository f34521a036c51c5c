"""How the book is cited and pinned: its BibTeX entries (from CITATION.cff and the build) and the
configuration of a build that points every repository and Binder link at the build's commit.

The introduction shows the BibTeX; ``make book`` writes both (``python -m ffhlib.notebook
citation`` and ``stage-config``).
"""

from __future__ import annotations

import re
from pathlib import Path

__all__ = ["citation_bibtex", "pinned_config", "repository_file_url"]


def _bibtex_authors(authors) -> str:
    names = []
    for a in authors:
        if "family-names" in a:
            names.append(f"{a['family-names']}, {a.get('given-names', '')}".strip(", "))
        else:
            names.append("{" + a["name"] + "}")
    return " and ".join(names)


def repository_file_url(repository: str, ref: str, path: str = "", *,
                        directory: bool = False) -> str:
    """The address of ``path`` in ``repository`` (a GitHub URL) at ``ref`` (a commit or tag): a
    file (``blob``), or a directory or the whole tree (``tree``)."""
    base = repository.rstrip("/")
    path = path.strip("/")
    if not path:
        return f"{base}/tree/{ref}"
    return f"{base}/{'tree' if directory else 'blob'}/{ref}/{path}"


def citation_bibtex(cff_path: str | Path, *, commit: str | None = None,
                    year: int | str | None = None) -> str:
    """BibTeX of the book (``@software``) and of the study it reconstructs, from ``CITATION.cff``.

    Parameters
    ----------
    cff_path : path
    commit : str, optional
        The commit the book was built from: the entry carries it (``commit`` and in ``note``)
        and its ``url`` points at the repository at that commit.
    year : int or str, optional
        The build's year; ``date-released`` of the CFF (a release) takes precedence.

    Returns
    -------
    str
        The book's entry (authors, title, year, version, commit, URL, licence), then the CFF's
        first reference, the original study.
    """
    import yaml

    cff = yaml.safe_load(Path(cff_path).read_text())
    book = [f"  author  = {{{_bibtex_authors(cff['authors'])}}}",
            f"  title   = {{{' '.join(str(cff['title']).split())}}}"]
    released = str(cff["date-released"])[:4] if "date-released" in cff else None
    if released or year is not None:
        book.append(f"  year    = {{{released or year}}}")
    if "version" in cff:
        book.append(f"  version = {{{cff['version']}}}")
    if commit:
        if not re.fullmatch(r"[0-9a-f]{7,40}", commit):
            raise ValueError(f"commit must be a hexadecimal git commit, got {commit!r}")
        book.append(f"  commit  = {{{commit}}}")
    if "repository-code" in cff:
        url = (repository_file_url(cff["repository-code"], commit) if commit
               else cff["repository-code"])
        book.append(f"  url     = {{{url}}}")
    notes = ([f"git commit {commit[:12]}"] if commit else []) + (
        [f"licence: {cff['license']}"] if "license" in cff else [])
    if notes:
        book.append(f"  note    = {{{'; '.join(notes)}}}")
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


def pinned_config(config_text: str, commit: str | None) -> str:
    """The book's ``_config.yml`` for a build of ``commit``: every link into the repository
    names that commit rather than a moving branch.

    - Binder's launch button runs the book at that commit (``repository.branch``);
    - the theme's repository button, which can only link the repository's front page (its
      default branch), is replaced by a footer line linking the source tree, CITATION.cff and
      the library at that commit;
    - MyST substitutions for the pages: ``{{ cff_link }}``, ``{{ source_link }}`` (links at that
      commit) and ``{{ build_commit }}`` (its first 12 digits).

    Without a commit (not a git checkout) the links name the configured branch.
    """
    import yaml

    config = yaml.safe_load(config_text)
    repo = config.get("repository", {})
    ref = commit or repo.get("branch", "main")
    if commit:
        if not re.fullmatch(r"[0-9a-f]{7,40}", commit):
            raise ValueError(f"commit must be a hexadecimal git commit, got {commit!r}")
        repo["branch"] = commit
    url = repo.get("url", "")
    parse = config.setdefault("parse", {})
    extensions = parse.setdefault("myst_enable_extensions", [])
    if "substitution" not in extensions:
        extensions.append("substitution")
    parse.setdefault("myst_substitutions", {}).update({
        "cff_link": f"[CITATION.cff]({repository_file_url(url, ref, 'CITATION.cff')})",
        "source_link": f"[`src/ffhlib`]("
                       f"{repository_file_url(url, ref, 'src/ffhlib', directory=True)})",
        "build_commit": ref[:12]})
    tree, cff = repository_file_url(url, ref), repository_file_url(url, ref, "CITATION.cff")
    source = repository_file_url(url, ref, "src/ffhlib", directory=True)
    html = config.setdefault("html", {})
    html["use_repository_button"] = False
    html["extra_footer"] = (f'<p>Built from <a href="{tree}">commit {ref[:12]}</a> of the '
                            f'repository · <a href="{cff}">CITATION.cff</a> · '
                            f'<a href="{source}">the library\'s source</a></p>')
    header = "# Generated by make book from _config.yml: links pinned to the build's commit.\n"
    return header + yaml.safe_dump(config, sort_keys=False, allow_unicode=True)
