"""The built book, checked as a reader sees it: every page opened in headless Chromium.

Run by ``make check`` (which builds the book first). Each page of ``_build/html/book`` is loaded in
a real browser; the check asserts that

- every image on the page loads and decodes with a non-zero size (``naturalWidth``/``naturalHeight``
  read in the browser after the load event), and every chapter page shows at least one figure;
- no cell shows an error: no traceback, no error output;
- every internal link resolves: each relative ``href``/``src`` points to an existing file and each
  ``#fragment`` to an element of the target page;
- the math is typeset with the network cut: pages load MathJax from the book itself
  (``sphinx-mathjax-offline``), and each page with math shows MathJax's ``mjx-container`` elements
  when opened with every connection refused (``--proxy-server`` at a closed local port). The book is
  an archived artefact: it must read offline;
- no display equation is wider than its column at 1280 px (it would be cut off);
- no table caption is cut off at 1280 px (a table wider than the column scrolls sideways, and its
  caption with it: ``_static/ffh-book.css`` makes tables with set column widths fit);
- no figure shows text smaller than 9 px at 1280 px: each figure's PNG records its dpi and
  smallest font size (``ffhlib.plotting.legibility``), the browser reports the width at which it
  shows the image and the image's own width, and smallest_font_pt x dpi/72 x rendered/natural
  must be >= 9.

Every page is opened with the network cut, so nothing on it may depend on a download.

Needs Chromium (Debian: ``apt-get install -y chromium``; or set ``FFH_CHROMIUM`` to a Chrome-like
binary). Without it, or without a built book, the tests are skipped with a message saying so; they
are not part of ``make test`` unless asked for (``FFH_BROWSER_CHECK=1`` or ``pytest -m browser``).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import warnings
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
HTML = Path(os.environ.get("FFH_BOOK_HTML") or ROOT / "_build" / "html")   # override for tests
PAGES = sorted((HTML / "book").glob("*.html")) if (HTML / "book").is_dir() else []
INSTALL = "install it with `apt-get install -y chromium` (Debian/Ubuntu) or set FFH_CHROMIUM"
#: Every connection goes to a closed port on this machine: the network is cut for the page.
OFFLINE = ["--proxy-server=http://127.0.0.1:9", "--proxy-bypass-list=<-loopback>"]
#: Sphinx writes math as <span class="math notranslate ..."> (inline) or <div class="math ...">.
MATH = re.compile(r'<(?:span|div) class="math[ "]')

pytestmark = pytest.mark.browser

#: Injected into a copy of each page: after the load event, record what the browser decoded.
PROBE = """<script>
function ffhProbe() {
  var images = Array.from(document.images).map(function (img) {
    return {src: img.getAttribute("src"), width: img.naturalWidth, height: img.naturalHeight,
            complete: img.complete};
  });
  document.documentElement.setAttribute("data-ffh-images", JSON.stringify(images));
}
window.addEventListener("load", ffhProbe);
</script>"""


@pytest.fixture(scope="module", autouse=True)
def _requested(request):
    """Only when asked for: `make check` sets FFH_BROWSER_CHECK=1; `pytest -m browser` works too."""
    markexpr = request.config.getoption("-m") or ""
    asked = os.environ.get("FFH_BROWSER_CHECK") == "1" or markexpr.strip() == "browser"
    if not asked:
        pytest.skip("browser check not requested: run `make check` (or FFH_BROWSER_CHECK=1)")


@pytest.fixture(scope="module")
def chromium() -> str:
    for name in (os.environ.get("FFH_CHROMIUM"), "chromium", "chromium-browser",
                 "google-chrome", "google-chrome-stable"):
        if name and shutil.which(name):
            return shutil.which(name)
    pytest.skip(f"no headless Chromium found: {INSTALL}")


class _Page(HTMLParser):
    """Links, image sources, element ids and output cells of one HTML page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.ids: set[str] = set()
        self.images: list[str] = []
        self.errors: list[str] = []
        self.stderr: list[str] = []
        self._capture: list[tuple[str, int]] = []    # (kind, depth) of open output blocks
        self._depth = 0
        self._text: dict[str, list[str]] = {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag not in {"br", "img", "link", "meta", "input", "hr", "source"}:
            self._depth += 1
        if "id" in attrs:
            self.ids.add(attrs["id"])
        if tag == "a" and attrs.get("name"):
            self.ids.add(attrs["name"])
        if tag in {"a", "link"} and attrs.get("href"):
            self.links.append(attrs["href"])
        if tag in {"img", "script", "source"} and attrs.get("src"):
            self.links.append(attrs["src"])
        if tag == "img":
            self.images.append(attrs.get("src", ""))
        classes = set((attrs.get("class") or "").split())
        if "traceback" in classes or "output_error" in classes:
            self.errors.append(f"<{tag} class={attrs.get('class')!r}>")
        if "stderr" in classes:
            self._capture.append(("stderr", self._depth))
            self._text.setdefault("stderr", []).append("")

    def handle_endtag(self, tag):
        if self._capture and self._capture[-1][1] == self._depth:
            self._capture.pop()
        self._depth -= 1

    def handle_data(self, data):
        if self._capture:
            self._text["stderr"][-1] += data
        if "Traceback (most recent call last)" in data:
            self.errors.append("a traceback: " + data.strip()[:200])

    def close(self):
        super().close()
        self.stderr = [t.strip() for t in self._text.get("stderr", []) if t.strip()]


def _parse(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    page.close()
    return page


def _dump_dom(chromium: str, page: Path, tmp_path: Path, *extra: str,
              budget_ms: int = 10000) -> str:
    """The DOM of ``page`` after its scripts ran (``budget_ms`` of virtual time), opened with the
    network cut; ``extra`` Chromium flags (e.g. a window size) are added."""
    cmd = [chromium, "--headless", "--no-sandbox", "--disable-gpu", *extra,
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           "--no-first-run", "--allow-file-access-from-files", *OFFLINE,
           f"--user-data-dir={tmp_path / 'profile'}", f"--virtual-time-budget={budget_ms}",
           "--dump-dom", page.as_uri()]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, f"chromium failed on {page.name}: {result.stderr[-2000:]}"
    return result.stdout


def _render(chromium: str, page: Path, tmp_path: Path) -> list[dict]:
    """Open a copy of ``page`` (same base URL, probe injected) and return its decoded images."""
    html = page.read_text(encoding="utf-8")
    html = html.replace('loading="lazy"', "")     # a headless window never scrolls to them
    head = f'<head><base href="{page.parent.as_uri()}/">{PROBE}'
    html = re.sub(r"<head[^>]*>", lambda m: head, html, count=1)
    probe = tmp_path / page.name
    probe.write_text(html, encoding="utf-8")
    dom = _dump_dom(chromium, probe, tmp_path)
    found = re.search(r'data-ffh-images="([^"]*)"', dom)
    assert found, f"the page {page.name} did not finish loading in the browser"
    raw = (found.group(1).replace("&quot;", '"').replace("&lt;", "<").replace("&gt;", ">")
           .replace("&amp;", "&"))
    return json.loads(raw)


def test_book_was_built():
    if not PAGES:
        if os.environ.get("FFH_BROWSER_CHECK") == "1":
            pytest.fail(f"no pages in {HTML / 'book'}: the book was not built (make book)")
        pytest.skip("the book is not built: run `make check`, which builds it first")
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]] + [c["file"] for part in toc.get("parts", [])
                             for c in part.get("chapters", [])]
    missing = [f for f in files if not (HTML / f"{f}.html").is_file()]
    assert not missing, f"pages listed in _toc.yml but not built: {missing}"


@pytest.mark.parametrize("page", PAGES, ids=[p.stem for p in PAGES])
def test_page_renders_its_figures(page, chromium, tmp_path):
    images = _render(chromium, page, tmp_path)
    broken = [i["src"] for i in images if not (i["width"] > 0 and i["height"] > 0)]
    assert not broken, f"{page.name}: images that did not load or have zero size: {broken}"
    for src in _parse(page).images:
        if src.startswith("data:"):
            continue
        target = (page.parent / unquote(urlsplit(src).path)).resolve()
        assert target.is_file() and target.stat().st_size > 0, f"{page.name}: empty image {src}"
    if re.match(r"\d\d_", page.stem):
        assert images, f"{page.name}: a chapter page without a single figure"


@pytest.mark.parametrize("page", PAGES, ids=[p.stem for p in PAGES])
def test_page_shows_no_error_output(page):
    parsed = _parse(page)
    assert not parsed.errors, f"{page.name} shows error output: {parsed.errors[:3]}"
    failing = [t for t in parsed.stderr if re.search(r"\w*(Error|Exception)\b", t)]
    assert not failing, f"{page.name} shows errors on stderr: {[t[:300] for t in failing[:3]]}"
    for text in parsed.stderr:
        if "Warning" in text:
            warnings.warn(f"{page.name} shows a warning: {text[:300]}", stacklevel=1)


@pytest.mark.parametrize("page", PAGES, ids=[p.stem for p in PAGES])
def test_internal_links_resolve(page):
    parsed = _parse(page)
    ids_of: dict[Path, set[str]] = {page.resolve(): parsed.ids}
    broken = []
    for link in parsed.links:
        parts = urlsplit(link)
        if parts.scheme or parts.netloc or link.startswith(("mailto:", "javascript:")):
            continue
        target = (page.parent / unquote(parts.path)).resolve() if parts.path else page.resolve()
        if target.is_dir():
            target = target / "index.html"
        if not target.is_file():
            broken.append(link)
            continue
        if parts.fragment and target.suffix == ".html":
            if target not in ids_of:
                ids_of[target] = _parse(target).ids
            if unquote(parts.fragment) not in ids_of[target]:
                broken.append(link)
    assert not broken, f"{page.name}: links that do not resolve: {sorted(set(broken))[:10]}"


def test_mathjax_is_bundled_with_the_book():
    if not PAGES:
        pytest.skip("the book is not built: run `make check`, which builds it first")
    assert (HTML / "_static" / "mathjax" / "tex-chtml.js").is_file(), \
        "MathJax is not in _build/html/_static/mathjax (sphinx-mathjax-offline in _config.yml?)"
    with_math = [page for page in PAGES if MATH.search(page.read_text(encoding="utf-8"))]
    assert with_math, "no page of the book has math: the offline-math check would check nothing"
    for page in with_math:
        scripts = re.findall(r'<script[^>]*src="([^"]*)"', page.read_text(encoding="utf-8"))
        remote = [s for s in scripts if urlsplit(s).scheme in {"http", "https"} or
                  s.startswith("//")]
        assert not remote, f"{page.name} loads scripts from the network: {remote}"


#: Injected into a copy of each page: once MathJax has typeset, record every display equation
#: that is wider than the column it sits in (the reader would see it cut off).
MATH_PROBE = """<script>
function ffhMathProbe() {
  var displays = Array.from(document.querySelectorAll("div.math"));
  var done = displays.filter(function (el) { return el.querySelector("mjx-container"); });
  document.documentElement.setAttribute("data-ffh-displays",
                                        displays.length + "/" + done.length);
  var clipped = displays.filter(function (el) {
    var typeset = el.querySelector("mjx-container");  /* MathJax scrolls it, not the div */
    return [el, typeset].some(function (box) {
      return box && box.scrollWidth > box.clientWidth + 2;
    });
  }).map(function (el) { return el.textContent.slice(0, 80); });
  document.documentElement.setAttribute("data-ffh-clipped", JSON.stringify(clipped));
}
window.addEventListener("load", function () {
  var ready = (window.MathJax && MathJax.startup && MathJax.startup.promise) || Promise.resolve();
  ready.then(ffhMathProbe);
});
</script>"""


@pytest.mark.parametrize("page", PAGES, ids=[p.stem for p in PAGES])
def test_display_math_fits_the_column(page, chromium, tmp_path):
    """At the width a reader's laptop shows (1280 px), no display equation is cut off."""
    if not MATH.search(page.read_text(encoding="utf-8")):
        pytest.skip(f"{page.name} has no math")
    html = page.read_text(encoding="utf-8")
    head = f'<head><base href="{page.parent.as_uri()}/">{MATH_PROBE}'
    probe = tmp_path / page.name
    probe.write_text(re.sub(r"<head[^>]*>", lambda m: head, html, count=1), encoding="utf-8")
    dom = _dump_dom(chromium, probe, tmp_path, "--window-size=1280,2000", budget_ms=15000)
    found = re.search(r'data-ffh-clipped="([^"]*)"', dom)
    assert found, f"{page.name}: the page did not finish loading in the browser"
    displays, typeset = re.search(r'data-ffh-displays="(\d+)/(\d+)"', dom).groups()
    # measured on typeset equations, not on their TeX source
    assert typeset == displays, (f"{page.name}: MathJax typeset {typeset} of {displays} display "
                                 "equations")
    clipped = json.loads(found.group(1).replace("&quot;", '"').replace("&lt;", "<")
                         .replace("&gt;", ">").replace("&amp;", "&"))
    assert not clipped, f"{page.name}: display equations wider than the column: {clipped}"


@pytest.mark.parametrize("page", PAGES, ids=[p.stem for p in PAGES])
def test_math_is_typeset_offline(page, chromium, tmp_path):
    if not MATH.search(page.read_text(encoding="utf-8")):
        pytest.skip(f"{page.name} has no math")
    dom = _dump_dom(chromium, page, tmp_path)
    typeset = dom.count("<mjx-container")
    assert typeset > 0, (f"{page.name}: MathJax typeset nothing with the network cut "
                         "(the math shows as TeX source)")


#: Injected into a copy of each page: after the load event, the width at which each image of the
#: article is shown and its own width.
FIGURE_PROBE = """<script>
window.addEventListener("load", function () {
  var shown = Array.from(document.querySelectorAll("article img, main img")).map(function (img) {
    return {src: img.getAttribute("src"), rendered: img.getBoundingClientRect().width,
            natural: img.naturalWidth};
  });
  document.documentElement.setAttribute("data-ffh-shown", JSON.stringify(shown));
});
</script>"""


@pytest.mark.parametrize("page", PAGES, ids=[p.stem for p in PAGES])
def test_no_figure_text_below_9px_at_1280(page, chromium, tmp_path):
    """Every figure is legible in the text column of a 1280 px window."""
    from ffhlib.plotting.legibility import (
        MIN_SCREEN_PX,
        read_png_info,
        read_svg_info,
        screen_font_px,
    )

    html = page.read_text(encoding="utf-8").replace('loading="lazy"', "")
    head = f'<head><base href="{page.parent.as_uri()}/">{FIGURE_PROBE}'
    probe = tmp_path / page.name
    probe.write_text(re.sub(r"<head[^>]*>", lambda m: head, html, count=1), encoding="utf-8")
    dom = _dump_dom(chromium, probe, tmp_path, "--window-size=1280,2000")
    found = re.search(r'data-ffh-shown="([^"]*)"', dom)
    assert found, f"{page.name}: the page did not finish loading in the browser"
    shown = json.loads(found.group(1).replace("&quot;", '"').replace("&lt;", "<")
                       .replace("&gt;", ">").replace("&amp;", "&"))
    problems = []
    for image in shown:
        if urlsplit(image["src"]).scheme in ("http", "https", "data"):
            continue                                 # not the book's (a badge), not shipped
        path = (page.parent / unquote(urlsplit(image["src"]).path)).resolve()
        suffix = path.suffix.lower()
        if suffix == ".svg":                         # its text scales with it, as a PNG's does
            info, natural = read_svg_info(path), None    # user units: the viewBox's
        elif suffix == ".png":
            info, natural = read_png_info(path), image["natural"]
        else:
            problems.append(f"{image['src']}: neither a PNG nor an SVG (cannot measure its text)")
            continue
        if info is None:
            problems.append(f"{image['src']}: no size record (glue it with glue_figure)")
            continue
        px = screen_font_px(info, image["rendered"], natural)
        if px < MIN_SCREEN_PX:
            problems.append(f"{image['src']}: {info.min_font_pt:g} pt text "
                            f"({info.min_font_text!r}) shown {px:.1f} px high (image "
                            f"{image['natural']} px shown {image['rendered']:.0f} px wide)")
    assert not problems, f"{page.name}: text below {MIN_SCREEN_PX:g} px:\n" + "\n".join(problems)


#: Injected into a copy of each page: every table caption that sticks out of the box it is
#: shown in (a table wider than the column scrolls inside that box, cutting its caption off).
CAPTION_PROBE = """<script>
window.addEventListener("load", function () {
  var cut = Array.from(document.querySelectorAll("article table")).filter(function (t) {
    var caption = t.querySelector("caption");
    if (!caption) { return false; }
    var box = (t.closest(".pst-scrollable-table-container") || t.parentElement)
      .getBoundingClientRect();
    var c = caption.getBoundingClientRect();
    return c.left < box.left - 1 || c.right > box.right + 1;
  }).map(function (t) { return (t.id || "") + ": " + t.querySelector("caption").textContent
                                .slice(0, 60); });
  document.documentElement.setAttribute("data-ffh-cut", JSON.stringify(cut));
});
</script>"""


@pytest.mark.parametrize("page", PAGES, ids=[p.stem for p in PAGES])
def test_no_table_caption_is_cut_off_at_1280(page, chromium, tmp_path):
    html = page.read_text(encoding="utf-8")
    if "<caption" not in html:
        pytest.skip(f"{page.name} has no captioned table")
    head = f'<head><base href="{page.parent.as_uri()}/">{CAPTION_PROBE}'
    probe = tmp_path / page.name
    probe.write_text(re.sub(r"<head[^>]*>", lambda m: head, html, count=1), encoding="utf-8")
    dom = _dump_dom(chromium, probe, tmp_path, "--window-size=1280,2000")
    found = re.search(r'data-ffh-cut="([^"]*)"', dom)
    assert found, f"{page.name}: the page did not finish loading in the browser"
    cut = json.loads(found.group(1).replace("&quot;", '"').replace("&lt;", "<")
                     .replace("&gt;", ">").replace("&amp;", "&"))
    assert not cut, f"{page.name}: table captions cut off at 1280 px: {cut}"
