"""Run a pipeline notebook through Papermill into its own, never overwritten run folder.

``run_notebook("sample_overview", parameter_set="smoke")``:

1. resolves the parameters (set file, then overrides) and validates them with
   the notebook's model before any kernel starts (ParameterError, no folder);
2. creates ``outputs/<notebook>/<run_id>/`` and executes the notebook there with
   Papermill (in-process API), telling the kernel its run folder through
   ``WORKBENCH_RUN_DIR``;
3. renders ``report.html`` without code and without CDN requests; writes the
   tables the notebook saved as one workbook ``tables.xlsx`` (a sheet per
   table, headings in the run's language) and, when asked (``pdf=True``),
   prints the report to ``report.pdf`` with Chromium (:func:`write_pdf`);
   writes ``parameters.yaml`` and ``manifest.json`` (status, times, git
   revision, parameters, inputs and outputs with SHA-256, ``report``, ``pdf``
   and ``workbook`` file names or None);
4. on success points ``outputs/<notebook>/LATEST`` at the run; on failure keeps
   the folder, records the failing cell in the manifest and raises
   NotebookRunError. A workbook or PDF that cannot be written fails the run
   the same way (``error.ename`` ``WorkbookError`` / ``PdfError``), with
   ``report.html`` and every other file kept: a report set that asked for a
   PDF to send must hear that there is none. A report that stopped because its period holds no calls
   (:mod:`workbench.reports.period`) succeeded: ``empty_period: true`` and the
   ``message`` in the manifest.

Papermill and nbconvert are imported inside the functions so the CLI starts fast.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from workbench import __version__, i18n, paths
from workbench.errors import NoCallsInPeriod, NotebookRunError, ParameterError, WorkbenchError
from workbench.params import (
    parameter_set_path,
    read_parameter_file,
    registered_notebooks,
    validate_parameters,
)
from workbench.reports.record import (
    INPUTS_FILE,
    OUTPUTS_FILE,
    REPORT_PDF,
    RUN_DIR_ENV,
    WORKBOOK_FILE,
    read_records,
    sha256_file,
    write_run_workbook,
)

log = logging.getLogger(__name__)

MANIFEST_FILE = "manifest.json"
REPORT_FILE = "report.html"
PARAMETERS_FILE = "parameters.yaml"
LATEST_FILE = "LATEST"


@dataclass(frozen=True)
class RunResult:
    """A finished notebook run.

    Attributes:
        run_dir: ``outputs/<notebook>/<run_id>/``.
        executed_notebook / report_html / manifest_path: files in ``run_dir``.
        manifest: the contents of ``manifest.json``.
        report_pdf: ``report.pdf`` when the run was asked for one, else None.
        workbook: ``tables.xlsx`` when the notebook saved tables, else None.
    """

    notebook: str
    run_id: str
    status: str
    run_dir: Path
    executed_notebook: Path
    report_html: Path
    manifest_path: Path
    duration_seconds: float
    manifest: dict[str, Any] = field(repr=False)
    report_pdf: Path | None = None
    workbook: Path | None = None


# --------------------------------------------------------------------------- resolving


def resolve_notebook(notebook: str | Path) -> Path:
    """A notebook name (``sample_overview``) under ``notebooks/`` or a path to an ``.ipynb`` file."""
    candidate = Path(notebook)
    if candidate.suffix != ".ipynb":
        candidate = paths.notebooks_dir() / f"{candidate}.ipynb"
    candidate = candidate.expanduser().resolve()
    if not candidate.is_file():
        raise WorkbenchError(f"notebook not found: {candidate}")
    return candidate


def resolve_parameters(
    notebook_path: Path,
    parameters: Mapping[str, Any] | None = None,
    parameter_set: str | Path | None = None,
) -> dict[str, Any]:
    """Merged, validated parameters as plain JSON values (defaults filled in by the model).

    A notebook without a registered model gets its overrides checked against
    the names in its ``parameters`` cell only.

    Raises:
        ParameterError: naming the file (or ``parameters argument``), line and field.
    """
    name = notebook_path.stem
    values: dict[str, Any] = {}
    lines: dict[str, int] = {}
    source: str | Path = "parameters argument"
    if parameter_set is not None:
        set_path = parameter_set_path(name, parameter_set)
        values, lines = read_parameter_file(set_path)
        source = set_path
    if name in registered_notebooks():
        if parameter_set is not None:
            validate_parameters(name, values, source=source, lines=lines)  # errors located in the file
        merged = {**values, **(parameters or {})}
        if parameters:
            source = f"{source} + parameters argument" if parameter_set is not None else source
        return validate_parameters(name, merged, source=source, lines=lines).to_papermill()

    import papermill

    merged = {**values, **(parameters or {})}
    known = papermill.inspect_notebook(str(notebook_path))
    for key in merged:
        if key not in known:
            raise ParameterError(
                f"unknown parameter; the notebook's parameters cell has {sorted(known) or 'none'}",
                file=source,
                row=lines.get(key),
                field=key,
            )
    return merged


def _parameters_fingerprint(notebook: str, parameters: Mapping[str, Any]) -> str:
    canonical = json.dumps({"notebook": notebook, "parameters": parameters}, sort_keys=True, default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:8]


def make_run_id(notebook: str, parameters: Mapping[str, Any], when: datetime | None = None) -> str:
    """``20261123T142501Z-1a2b3c4d``: UTC start time and a fingerprint of notebook and parameters."""
    when = when or datetime.now(UTC)
    return f"{when.strftime('%Y%m%dT%H%M%SZ')}-{_parameters_fingerprint(notebook, parameters)}"


def _create_run_dir(notebook_dir: Path, run_id: str | None, default_id: str) -> Path:
    notebook_dir.mkdir(parents=True, exist_ok=True)
    if run_id is not None:
        run_dir = notebook_dir / run_id
        try:
            run_dir.mkdir()
        except FileExistsError:
            raise WorkbenchError(f"run folder already exists, runs are never overwritten: {run_dir}") from None
        return run_dir
    for attempt in range(1, 1000):
        run_dir = notebook_dir / (default_id if attempt == 1 else f"{default_id}-{attempt}")
        try:
            run_dir.mkdir()
            return run_dir
        except FileExistsError:
            continue
    raise WorkbenchError(f"could not create a fresh run folder under {notebook_dir}")


# --------------------------------------------------------------------------- provenance


def _git(*args: str) -> str | None:
    try:
        done = subprocess.run(
            ["git", "-C", str(paths.root_dir()), *args], capture_output=True, text=True, timeout=10, check=True
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip()


def git_revision() -> dict[str, Any]:
    """``{"revision": <HEAD sha or None>, "dirty": <uncommitted changes or None>}``."""
    revision = _git("rev-parse", "HEAD")
    status = _git("status", "--porcelain") if revision else None
    return {"revision": revision or None, "dirty": bool(status) if status is not None else None}


_RESERVED = {MANIFEST_FILE, REPORT_FILE, PARAMETERS_FILE, INPUTS_FILE, OUTPUTS_FILE}


def _collect_outputs(run_dir: Path, executed: Path) -> list[dict[str, Any]]:
    """Every file the notebook wrote into the run folder, hashed; row counts where recorded."""
    rows = {r["path"]: r.get("rows") for r in read_records(run_dir, OUTPUTS_FILE)}
    outputs = []
    for path in sorted(p for p in run_dir.rglob("*") if p.is_file()):
        relative = path.relative_to(run_dir).as_posix()
        if relative in _RESERVED or path == executed:
            continue
        outputs.append(
            {"path": relative, "sha256": sha256_file(path), "bytes": path.stat().st_size, "rows": rows.get(relative)}
        )
    return outputs


@contextlib.contextmanager
def _kernel_environment(run_dir: Path, language: str | None = None) -> Iterator[None]:
    """Environment the kernel inherits: its run folder, its interface language, and this very ``workbench``
    package first on the path.

    The kernel is a child process started inside this block, so it sees these
    variables; they are restored afterwards (not thread-safe: one run at a time
    per process).
    """
    package_parent = str(paths.PACKAGE_DIR.parent)
    saved = {key: os.environ.get(key) for key in (RUN_DIR_ENV, "PYTHONPATH", i18n.LANGUAGE_ENV)}
    os.environ[RUN_DIR_ENV] = str(run_dir)
    if language:  # every text the kernel shows, including those of code that never asks, is in this language
        os.environ[i18n.LANGUAGE_ENV] = language
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (package_parent, saved["PYTHONPATH"]) if p)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


# --------------------------------------------------------------------------- rendering


# Everything a report may show. Markup outside these lists is escaped into visible text,
# never dropped silently: a reader sees "<script>..." where an export carried it. No <img>:
# charts come from the template (SVG/PNG outputs), and an image in data could call home.
REPORT_TAGS = frozenset({
    "a", "abbr", "b", "blockquote", "br", "caption", "code", "col", "colgroup", "dd", "del", "details", "div", "dl",
    "dt", "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "ins", "kbd", "li",
    "mark", "ol", "p", "pre", "q", "s", "samp", "small", "span", "strong", "style", "sub", "summary", "sup", "table",
    "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul", "var",
})
REPORT_ATTRIBUTES = {
    "*": ["class", "id", "title", "style", "lang", "dir", "align", "data-mime-type"],
    "a": ["href", "name", "rel"],
    "td": ["colspan", "rowspan", "headers"],
    "th": ["colspan", "rowspan", "headers", "scope"],
    "col": ["span"], "colgroup": ["span"], "ol": ["start"], "style": ["type"],
}
# Output types a report renders; anything else (JavaScript, widget views, mermaid
# sources, Vega specs) would be run or inserted unescaped by the HTML template.
REPORT_OUTPUT_TYPES = frozenset({
    "text/plain", "text/html", "text/markdown", "text/latex", "image/png", "image/jpeg",
    "image/svg+xml",  # drawn through <img src="data:...">, where SVG cannot run script
})
# CSS that fetches a file when the report is opened (or hovered): <style> elements are not
# filtered by property as style attributes are, so one that could is escaped into text.
_CSS_FETCH = re.compile(r"url\s*\(|image-set\s*\(|@import|\\", re.IGNORECASE)
_STYLE_ELEMENT = re.compile(r"<style\b[^>]*>.*?</style\s*>", re.IGNORECASE | re.DOTALL)
SECTION_BREAK_CLASS = "wb-section-break"
# How a report prints (report.pdf, or a reader's own "print"): A4, each section after the first on a new
# page (its heading marked by _mark_sections), a chart, table row or heading never cut or left alone at a
# page foot, charts no wider than the page, Chinese text in Noto Sans CJK.
REPORT_PRINT_CSS = """
@page { size: A4; margin: 14mm 12mm; }
body { font-family: system-ui, "Segoe UI", Roboto, "Noto Sans CJK SC", "Noto Sans", sans-serif; }
@media print {
  .""" + SECTION_BREAK_CLASS + """ { break-before: page; }
  h1, h2, h3, h4 { break-after: avoid; }
  img, svg, figure, tr, .jp-RenderedImage, .jp-RenderedSVG { break-inside: avoid; }
  .jp-OutputArea-child:has(table) { break-inside: auto; }  /* a long table follows its heading, rows whole */
  img, svg { max-width: 100% !important; height: auto; }
  thead { display: table-header-group; }
  .jp-Cell, .jp-OutputArea-output { overflow: visible !important; }
}
"""
# The lab template without its <script> elements (require.js, MathJax, mermaid):
# offline reports use none of them, and a report free of script is easy to check.
_REPORT_TEMPLATE = """{%- extends 'index.html.j2' -%}
{%- block html_head_js -%}{%- endblock html_head_js -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{%- block extra_css -%}<style type="text/css">""" + REPORT_PRINT_CSS + """</style>{%- endblock extra_css -%}
"""


_HEADING_TAG = re.compile(r"<h([1-6])((?:\s[^>]*)?)>", re.IGNORECASE)


def _mark_sections(body: str) -> str:
    """``body`` with every section heading but the first marked :data:`SECTION_BREAK_CLASS` (a new printed page).

    A report's sections are its headings of the highest level that occurs
    more than once: ``##`` under a ``#`` title, or ``###`` when one ``##``
    merely introduces them. Reports differ in which level they use, so the
    level is read from the report rather than fixed in the CSS.
    """
    levels = [int(m.group(1)) for m in _HEADING_TAG.finditer(body)]
    repeated = sorted(level for level in set(levels) if levels.count(level) > 1)
    if not repeated:
        return body
    section, seen = repeated[0], 0

    def mark(match: re.Match[str]) -> str:
        nonlocal seen
        if int(match.group(1)) != section:
            return match.group(0)
        seen += 1
        if seen == 1:
            return match.group(0)
        attributes = match.group(2)
        if re.search(r"\sclass=\"", attributes):
            attributes = re.sub(r'(\sclass=")', rf"\g<1>{SECTION_BREAK_CLASS} ", attributes, count=1)
        else:
            attributes += f' class="{SECTION_BREAK_CLASS}"'
        return f"<h{match.group(1)}{attributes}>"

    return _HEADING_TAG.sub(mark, body)


def clean_report_html(fragment: Any) -> str:
    """HTML from a notebook (a rendered Markdown cell or a ``text/html`` output) reduced to report formatting.

    Tags outside :data:`REPORT_TAGS` are escaped into text; attributes outside
    :data:`REPORT_ATTRIBUTES` (every ``on*`` handler) are dropped; links keep
    only http(s), mailto and relative URLs; inline styles keep only harmless
    CSS properties, and a ``<style>`` element that would fetch a file
    (``url(``, ``@import``) is escaped into text, so a report makes no request
    of its own. Used as the ``clean_html`` filter of the report exporter.
    """
    from html import escape

    import bleach
    from bleach.css_sanitizer import ALLOWED_CSS_PROPERTIES, CSSSanitizer

    text = fragment.decode() if isinstance(fragment, bytes) else str(fragment)
    # bleach allows "cursor", whose url() would fetch an image on hover.
    css = CSSSanitizer(allowed_css_properties=(ALLOWED_CSS_PROPERTIES - {"cursor"})
                       | {"min-width", "max-width", "padding", "margin", "border", "text-overflow"})  # fmt: skip
    cleaned = bleach.clean(text, tags=REPORT_TAGS, attributes=REPORT_ATTRIBUTES, css_sanitizer=css, strip=False,
                           strip_comments=True)  # fmt: skip
    return _STYLE_ELEMENT.sub(
        lambda m: escape(m.group(0), quote=False) if _CSS_FETCH.search(m.group(0)) else m.group(0), cleaned)


def _keep_report_outputs(nb: Any) -> None:
    """Drop, in place, every output type a report does not render (see :data:`REPORT_OUTPUT_TYPES`)."""
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            data = output.get("data")
            if data is not None:
                for mimetype in [m for m in data if m not in REPORT_OUTPUT_TYPES]:
                    del data[mimetype]


def render_html(executed_notebook: Path, html_path: Path, language: str | None = None) -> None:
    """Render a notebook to a sanitised HTML report: no code cells, no CDN requests, no script.

    The Markdown narrative is translated into ``language`` (None: the current
    interface language) block by block from the catalogue
    (:func:`workbench.i18n.translate_markdown`), and the page says its language.

    Every Markdown cell and HTML or Markdown output goes through
    :func:`clean_report_html` (nbconvert's ``sanitize_html`` with this
    workbench's allow-list), output types that could run script are dropped,
    and the page template carries no ``<script>``. Altair charts drawn as SVG or
    PNG (``charts.enable_offline_rendering("svg")``) stay; charts rendered as
    inline HTML with Vega scripts would not, so reports never use them.

    Raises:
        WorkbenchError: executable markup survived (nothing is written then).
    """
    import nbformat
    from nbconvert import HTMLExporter

    from workbench.safe_display import executable_markup

    nb = nbformat.read(executed_notebook, as_version=4)
    nb.metadata.pop("widgets", None)  # its presence makes the template load the widget manager from a CDN
    _keep_report_outputs(nb)
    chosen = i18n.resolve(language)
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source = i18n.translate_markdown(cell.source, chosen)
    exporter = HTMLExporter(
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        mathjax_url="",
        require_js_url="",
        mermaid_js_url="",  # nbconvert >= 7.17 names a cdnjs module for mermaid diagrams
        mermaid_layout_elk_js_url="",
        sanitize_html=True,
        filters={"clean_html": clean_report_html},
    )
    exporter.raw_template = _REPORT_TEMPLATE
    body, _ = exporter.from_notebook_node(nb)
    body = re.sub(r"<html\b[^>]*>", f'<html lang="{i18n.HTML_LANG[chosen]}">', body, count=1)
    body = _mark_sections(body)
    findings = executable_markup(body)
    if findings:
        raise WorkbenchError(f"{html_path.name} would carry executable markup: {'; '.join(findings[:5])}")
    html_path.write_text(body, encoding="utf-8")


CHROMIUM = "/usr/bin/chromium"
#: Chromium flags: headless without a sandbox (containers), no GPU, and no traffic of its own
#: (updates, field trials, sync), so printing a report touches the network in no way.
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-sync",
    "--disable-component-update", "--disable-default-apps", "--disable-extensions", "--no-first-run",
    "--disable-dev-shm-usage",
]
PDF_TIMEOUT_SECONDS = 120


def write_pdf(html_path: str | Path, pdf_path: str | Path, *, timeout_seconds: float = PDF_TIMEOUT_SECONDS) -> Path:
    """Print an HTML report to PDF with Debian's Chromium (``/usr/bin/chromium``) through Playwright; offline.

    The page is opened from its file and every other request (any URL that is
    not the file itself: web fonts, images, links to a CDN) is aborted, so the
    PDF holds exactly what the file holds: text, CSS and the inline SVG/PNG
    charts. A4, backgrounds printed, page breaks from the report's print CSS
    (:data:`REPORT_PRINT_CSS`: each section after the first on a new page). Chinese text needs
    the Noto CJK fonts (Debian's ``fonts-noto-cjk``). Playwright's own browser
    downloads are never used.

    Returns:
        ``pdf_path``, written whole or not at all (a temporary file is renamed).

    Raises:
        WorkbenchError: Chromium or Playwright is missing, or printing failed or timed out.
    """
    import asyncio

    html_path = Path(html_path).resolve()
    pdf_path = Path(pdf_path)
    if not html_path.is_file():
        raise WorkbenchError(f"no HTML file to print: {html_path}")
    if not Path(CHROMIUM).exists():
        raise WorkbenchError(f"printing a PDF needs Chromium at {CHROMIUM} (Debian package chromium)")
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return _print_pdf(html_path, pdf_path, timeout_seconds)
    # Playwright's sync API refuses to run inside an event loop (a Jupyter kernel): print from a thread.
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(_print_pdf, html_path, pdf_path, timeout_seconds).result()


def _print_pdf(html_path: Path, pdf_path: Path, timeout_seconds: float) -> Path:
    try:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        raise WorkbenchError(f"printing a PDF needs the Python package playwright: {exc}") from exc

    url = html_path.as_uri()
    blocked: list[str] = []

    def only_the_file(route) -> None:
        if route.request.url == url:
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    tmp = pdf_path.with_name(f".{pdf_path.name}.{os.getpid()}.tmp")
    timeout_ms = timeout_seconds * 1000
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, timeout=timeout_ms)
            try:
                page = browser.new_page()
                page.set_default_timeout(timeout_ms)
                page.route("**/*", only_the_file)
                page.goto(url, wait_until="load")
                page.evaluate("document.fonts.ready.then(() => true)")
                page.emulate_media(media="print")
                page.pdf(path=str(tmp), format="A4", print_background=True, prefer_css_page_size=True)
            finally:
                browser.close()
        tmp.replace(pdf_path)
    except PlaywrightError as exc:
        raise WorkbenchError(f"printing {html_path.name} to PDF failed: {str(exc).splitlines()[0]}") from exc
    finally:
        tmp.unlink(missing_ok=True)
    if blocked:
        log.info("printing %s: blocked %d request(s), e.g. %s", html_path.name, len(blocked), blocked[0][:200])
    return pdf_path


def _error_from_notebook(executed: Path) -> dict[str, Any] | None:
    """The failing cell recorded in an executed notebook (``metadata.papermill.exception``), if any."""
    import nbformat

    if not executed.exists():
        return None
    nb = nbformat.read(executed, as_version=4)
    if not nb.metadata.get("papermill", {}).get("exception"):
        return None
    for index, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                return {
                    "cell_index": index,
                    "execution_count": cell.get("execution_count"),
                    "ename": output.get("ename"),
                    "evalue": output.get("evalue"),
                }
    return {"cell_index": None, "execution_count": None, "ename": "PapermillException", "evalue": "exception flagged"}


def _kernel_start_seconds(executed: Path) -> float | None:
    """Seconds from Papermill's start to the first cell starting (kernel start, mostly)."""
    import nbformat

    try:
        nb = nbformat.read(executed, as_version=4)
        started = nb.metadata["papermill"]["start_time"]
        first = next(c.metadata["papermill"]["start_time"] for c in nb.cells if c.metadata.get("papermill", {}).get("start_time"))
        return round((datetime.fromisoformat(first) - datetime.fromisoformat(started)).total_seconds(), 3)
    except (KeyError, StopIteration, ValueError, TypeError, OSError):
        return None


def _write_json(path: Path, data: Mapping[str, Any]) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
    tmp.replace(path)


def _now() -> datetime:
    return datetime.now(UTC)


# --------------------------------------------------------------------------- running


def run_notebook(
    notebook: str | Path,
    parameters: Mapping[str, Any] | None = None,
    parameter_set: str | Path | None = None,
    *,
    run_id: str | None = None,
    outputs_dir: Path | None = None,
    kernel_name: str = "python3",
    execution_timeout_seconds: int = 1800,
    start_timeout_seconds: int = 120,
    context: Mapping[str, Any] | None = None,
    build_site: bool = True,
    pdf: bool = False,
) -> RunResult:
    """Execute a notebook with validated parameters into ``outputs/<notebook>/<run_id>/``.

    Args:
        notebook: a name under ``notebooks/`` (``"sample_overview"``) or a path to an ``.ipynb``.
        parameters: overrides applied on top of ``parameter_set``.
        parameter_set: a set name under ``parameters/<notebook>/`` or a path to a YAML file.
        run_id: folder name; default ``<UTC time>-<parameters fingerprint>``. Never reused.
        outputs_dir: base folder; default :func:`workbench.paths.outputs_dir`.
        execution_timeout_seconds: longest a single cell may run before the run fails.
        start_timeout_seconds: longest the kernel may take to start before the run fails.
        context: recorded as ``manifest["context"]``, e.g. the report set, report name and date.
        build_site: rebuild ``<outputs>/index.html`` afterwards (success or failure).
        pdf: also print ``report.html`` to ``report.pdf`` (:func:`write_pdf`); a run
            whose notebook failed gets no PDF. The workbook ``tables.xlsx`` is
            written whenever the notebook saved tables, pdf or not.

    Raises:
        ParameterError: invalid parameters; raised before any folder or kernel exists.
        NotebookRunError: a cell failed, the kernel died, or the workbook or the
            asked-for PDF could not be written; the run folder is kept
            with ``status: failed`` and the error in ``manifest.json``
            (``cell_index`` counts cells of the executed notebook, which holds
            Papermill's injected-parameters cell).
        WorkbenchError: the notebook is missing or ``run_id`` names an existing folder.
    """
    notebook_path = resolve_notebook(notebook)
    name = notebook_path.stem
    resolved = resolve_parameters(notebook_path, parameters, parameter_set)
    language = i18n.check_language(resolved["interface_language"]) if resolved.get("interface_language") \
        else i18n.default_language()

    started = _now()
    base = Path(outputs_dir) if outputs_dir is not None else paths.outputs_dir()
    run_dir = _create_run_dir(base / name, run_id, make_run_id(name, resolved, started))
    run_id = run_dir.name
    executed = run_dir / notebook_path.name
    (run_dir / PARAMETERS_FILE).write_text(
        yaml.safe_dump(resolved, sort_keys=False, allow_unicode=True), encoding="utf-8"
    )
    manifest: dict[str, Any] = {
        "run_id": run_id,
        "notebook": name,
        "notebook_path": str(notebook_path),
        "parameter_set": str(parameter_set) if parameter_set is not None else None,
        "status": "running",
        "started_at": started.isoformat(),
        "finished_at": None,
        "duration_seconds": None,
        "git": git_revision(),
        "workbench_version": __version__,
        "python": sys.executable,
        "kernel_name": kernel_name,
        "parameters": resolved,
        "inputs": [],
        "outputs": [],
        "error": None,
        "context": dict(context) if context else None,
        "timeouts": {"start_timeout_seconds": start_timeout_seconds,
                     "execution_timeout_seconds": execution_timeout_seconds},
    }
    _write_json(run_dir / MANIFEST_FILE, manifest)  # a killed run still leaves "running" behind
    log.info("running %s into %s", name, run_dir)

    import papermill
    from papermill.exceptions import PapermillExecutionError

    error: dict[str, Any] | None = None
    interrupted: KeyboardInterrupt | None = None
    clock = time.perf_counter()
    try:
        with _kernel_environment(run_dir, language):
            papermill.execute_notebook(
                str(notebook_path),
                str(executed),
                parameters=resolved,
                kernel_name=kernel_name,
                start_timeout=start_timeout_seconds,
                execution_timeout=execution_timeout_seconds,
                cwd=str(run_dir),
                progress_bar=False,
                log_output=False,
            )
    except PapermillExecutionError as exc:
        error = {
            "cell_index": exc.cell_index,
            "execution_count": exc.exec_count,
            "ename": exc.ename,
            "evalue": exc.evalue,
            "source": (exc.source or "")[:1000],
        }
    except Exception as exc:  # kernel died, timed out or never started: still record the run
        error = {"cell_index": None, "execution_count": None, "ename": type(exc).__name__, "evalue": str(exc)}
    except KeyboardInterrupt as exc:
        interrupted = exc
        error = {"cell_index": None, "execution_count": None, "ename": "KeyboardInterrupt", "evalue": "interrupted"}
    execute_seconds = time.perf_counter() - clock
    if error is None:
        error = _error_from_notebook(executed)
    empty_message = None
    if error is not None and error.get("ename") == NoCallsInPeriod.__name__ and executed.exists():
        from workbench.reports.period import finish_empty_period

        empty_message = finish_empty_period(executed)  # the report stopped on purpose: no calls in its period
        error = None if empty_message is not None else error

    clock = time.perf_counter()
    report = run_dir / REPORT_FILE
    if executed.exists():
        try:
            render_html(executed, report, language)
        except Exception as exc:
            error = error or {"cell_index": None, "execution_count": None, "ename": type(exc).__name__,
                              "evalue": f"rendering report.html failed: {exc}"}
    render_seconds = time.perf_counter() - clock

    clock = time.perf_counter()
    workbook = None
    try:
        workbook = write_run_workbook(run_dir, language)
    except Exception as exc:  # the tables stay as CSV; the run says the workbook is missing
        error = error or {"cell_index": None, "execution_count": None, "ename": "WorkbookError",
                          "evalue": f"writing {WORKBOOK_FILE} failed: {type(exc).__name__}: {exc}"}
    workbook_seconds = time.perf_counter() - clock

    clock = time.perf_counter()
    report_pdf = None
    if pdf and error is None and report.exists():
        try:
            report_pdf = write_pdf(report, run_dir / REPORT_PDF)
        except Exception as exc:  # report.html is kept; whoever asked for the PDF learns it is missing
            error = {"cell_index": None, "execution_count": None, "ename": "PdfError",
                     "evalue": f"writing {REPORT_PDF} failed: {exc}"}
    pdf_seconds = time.perf_counter() - clock

    finished = _now()
    status = "failed" if error else "succeeded"
    manifest.update(
        status=status,
        finished_at=finished.isoformat(),
        duration_seconds=round((finished - started).total_seconds(), 3),
        timings={
            "kernel_start_seconds": _kernel_start_seconds(executed),
            "execute_seconds": round(execute_seconds, 3),
            "render_seconds": round(render_seconds, 3),
            "workbook_seconds": round(workbook_seconds, 3),
            "pdf_seconds": round(pdf_seconds, 3) if pdf else None,
        },
        inputs=read_records(run_dir, INPUTS_FILE),
        outputs=_collect_outputs(run_dir, executed),
        executed_notebook=executed.name,
        report=REPORT_FILE if report.exists() else None,
        pdf=REPORT_PDF if report_pdf is not None else None,
        workbook=WORKBOOK_FILE if workbook is not None else None,
        language=language,
        error=error,
        empty_period=empty_message is not None,
        message=empty_message,
    )
    _write_json(run_dir / MANIFEST_FILE, manifest)
    log.info("%s %s in %.1f s: %s", name, status, manifest["duration_seconds"], run_dir)
    if status == "succeeded":
        latest = base / name / LATEST_FILE
        tmp = latest.with_suffix(f".tmp{os.getpid()}")  # parallel workers never share a temporary file
        tmp.write_text(run_id + "\n", encoding="utf-8")
        tmp.replace(latest)
    if build_site:
        _rebuild_site(base)

    if interrupted is not None:
        raise interrupted
    if error:
        where = f"cell {error['cell_index']}" if error.get("cell_index") is not None else "kernel"
        raise NotebookRunError(
            f"{where} raised {error['ename']}: {error['evalue']} (run kept in {run_dir})",
            notebook=notebook_path,
            run_dir=run_dir,
        )
    return RunResult(
        notebook=name,
        run_id=run_id,
        status=status,
        run_dir=run_dir,
        executed_notebook=executed,
        report_html=report,
        manifest_path=run_dir / MANIFEST_FILE,
        duration_seconds=manifest["duration_seconds"],
        manifest=manifest,
        report_pdf=report_pdf,
        workbook=workbook,
    )


def _rebuild_site(base: Path) -> None:
    """Rebuild ``<base>/index.html``; a broken site never fails the run it follows."""
    from workbench.reports.site import build_site

    try:
        build_site(base)
    except Exception as exc:  # the run itself is recorded; the index is a convenience
        log.warning("could not rebuild %s: %s", base / "index.html", exc)


def latest_run(notebook: str, outputs_dir: Path | None = None) -> Path | None:
    """The run folder named by ``outputs/<notebook>/LATEST``, or None if no run succeeded yet."""
    base = Path(outputs_dir) if outputs_dir is not None else paths.outputs_dir()
    latest = base / notebook / LATEST_FILE
    if not latest.exists():
        return None
    return base / notebook / latest.read_text(encoding="utf-8").strip()
