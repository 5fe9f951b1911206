"""The shared report site: one static ``outputs/index.html`` listing every run.

The page links each run's ``report.html``, ``report.pdf`` and ``tables.xlsx``
(when the run wrote them) and its executed notebook with relative links,
carries its own CSS and no script, so the whole ``outputs/`` folder can be
copied to any web server or shared drive and read offline. The site's texts
are in one interface language (``build_site(language=...)``, default the
centre's, :func:`workbench.i18n.default_language`); data (report names, run
ids, set names, errors) is shown as recorded, escaped. It is rebuilt
after every run (:func:`workbench.reports.runner.run_notebook` calls
:func:`build_site`) and by ``workbench report site``. Next to it,
``outputs/data_dictionary.html`` lists every canonical table and column with its
unit and meaning, and the custom dimensions the store holds
(:func:`data_dictionary`, also printed by ``workbench schema``).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from workbench import i18n, paths
from workbench.i18n import N_, _, format_text
from workbench.reports.record import REPORT_PDF, WORKBOOK_FILE

if TYPE_CHECKING:
    import pandas as pd

INDEX_FILE = "index.html"
DICTIONARY_FILE = "data_dictionary.html"
ALERTS_FILE = "alerts.json"
BATCHES_DIR = "_batches"


@dataclass(frozen=True)
class RunEntry:
    """One run folder as the site shows it."""

    report: str
    notebook: str
    run_id: str
    status: str
    started_at: str
    duration_seconds: float | None
    report_link: str | None
    notebook_link: str | None
    alerts: int | None
    report_set: str | None
    report_date: str | None
    error: str | None
    latest: bool
    empty_period: bool = False
    pdf_link: str | None = None
    workbook_link: str | None = None


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None  # a run still being written, or a stray file: skip it rather than fail the site
    return data if isinstance(data, dict) else None  # valid JSON of another shape is a stray file too


def url_path(path: Path, base: Path) -> str:
    """``path`` relative to ``base`` as a URL path, each part percent-encoded.

    Folder names come from notebook names and run ids; encoded, a name such as
    ``javascript:x`` or ``a"b`` stays a relative path and never becomes a scheme or markup.
    """
    return "/".join(quote(part, safe="") for part in path.relative_to(base).parts)


def collect_runs(outputs_dir: str | Path | None = None) -> list[RunEntry]:
    """Every ``<outputs>/<notebook>/<run_id>/manifest.json``, latest first.

    The report name is ``manifest["context"]["report"]`` when a report set
    ran it (e.g. ``kpi_overview[zh]``), otherwise the notebook name.
    """
    base = Path(outputs_dir) if outputs_dir is not None else paths.outputs_dir()
    entries = []
    for manifest_path in base.glob("*/*/manifest.json"):
        manifest = _read_json(manifest_path)
        if not manifest or "run_id" not in manifest:
            continue
        run_dir = manifest_path.parent
        notebook = manifest.get("notebook") or run_dir.parent.name
        context = manifest.get("context") or {}
        latest_file = run_dir.parent / "LATEST"
        latest = latest_file.exists() and latest_file.read_text(encoding="utf-8").strip() == run_dir.name
        alerts = _read_json(run_dir / ALERTS_FILE)
        executed = manifest.get("executed_notebook") or f"{notebook}.ipynb"
        error = manifest.get("error")
        pdf, workbook = run_dir / REPORT_PDF, run_dir / WORKBOOK_FILE  # fixed names: a manifest never picks a path
        entries.append(
            RunEntry(
                report=context.get("report") or notebook,
                notebook=notebook,
                run_id=run_dir.name,
                status=manifest.get("status", "unknown"),
                started_at=manifest.get("started_at") or "",
                duration_seconds=manifest.get("duration_seconds"),
                report_link=url_path(run_dir / "report.html", base) if (run_dir / "report.html").exists() else None,
                notebook_link=url_path(run_dir / executed, base) if (run_dir / executed).exists() else None,
                alerts=len(alerts.get("alerts", [])) if alerts else None,
                report_set=context.get("set"),
                report_date=context.get("date"),
                error=f"{error.get('ename')}: {error.get('evalue')}" if isinstance(error, dict) else None,
                latest=latest,
                empty_period=bool(manifest.get("empty_period")),
                pdf_link=url_path(pdf, base) if pdf.is_file() else None,
                workbook_link=url_path(workbook, base) if workbook.is_file() else None,
            )
        )
    return sorted(entries, key=lambda e: (e.started_at, e.run_id), reverse=True)


_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans CJK SC",sans-serif;margin:2rem;color:#222}
h1{font-size:1.5rem}h2{font-size:1.2rem;margin-top:2rem}
table{border-collapse:collapse;width:100%;font-size:.9rem}
th,td{border-bottom:1px solid #ddd;padding:.35rem .5rem;text-align:left;vertical-align:top}
th{background:#f4f4f4}
.succeeded{color:#1a7f37;font-weight:600}.failed{color:#c62828;font-weight:600}.running{color:#9a6700}
.alerts{color:#c62828;font-weight:600}.muted{color:#777}.err{color:#c62828;font-size:.8rem}
"""


# Run states as the site names them; the CSS class stays the recorded state.
STATUS_TEXTS = {"succeeded": N_("succeeded"), "failed": N_("failed"), "running": N_("running"),
                "unknown": N_("unknown")}


def _status(status: str) -> str:
    return _(STATUS_TEXTS[status]) if status in STATUS_TEXTS else status


def _run_header() -> str:
    headings = (_("started (UTC)"), _("status"), _("links"), _("alerts"), _("set"), _("report date"), _("took"),
                _("run id"))
    return "".join(f"<th>{escape(h)}</th>" for h in headings)


def _row(entry: RunEntry) -> str:
    """The cells of one run (without ``<tr>``), in :func:`_run_header`'s order; every value escaped."""
    links = " · ".join(
        f'<a href="{escape(link)}">{escape(label)}</a>'
        for link, label in ((entry.report_link, _("report")), (entry.pdf_link, _("PDF")),
                            (entry.workbook_link, _("workbook")), (entry.notebook_link, _("notebook")))
        if link
    )
    alerts = (
        '<span class="muted">-</span>' if entry.alerts is None
        else f'<span class="alerts">{entry.alerts}</span>' if entry.alerts else "0"
    )
    duration = (escape(i18n.format_duration(entry.duration_seconds))
                if isinstance(entry.duration_seconds, (int, float)) else "")
    error = f'<div class="err">{escape(entry.error[:300])}</div>' if entry.error else ""
    # A report for a period without calls succeeds on purpose; say so, so nobody reads it as figures.
    no_calls = _("no calls in this period")
    empty = f'<div class="muted">{escape(no_calls)}</div>' if entry.empty_period else ""
    latest = escape(_(" (LATEST)")) if entry.latest else ""
    return (
        f"<td>{escape(entry.started_at[:19].replace('T', ' '))}</td>"
        f'<td class="{escape(entry.status)}">{escape(_status(entry.status))}{latest}{empty}{error}</td>'
        f"<td>{links}</td><td>{alerts}</td><td>{escape(entry.report_set or '')}</td>"
        f"<td>{escape(entry.report_date or '')}</td>"
        f"<td>{duration}</td><td class=\"muted\">{escape(entry.run_id)}</td>"
    )


def _batches_section(base: Path) -> str:
    """The report-set batches (``<outputs>/_batches/*.json``), latest first, in the current language."""
    batches = []
    for path in (base / BATCHES_DIR).glob("*.json"):
        batch = _read_json(path)
        if batch and "set" in batch:
            batches.append(batch)
    if not batches:
        return ""
    batches.sort(key=lambda b: str(b.get("started_at", "")), reverse=True)
    rows = "".join(
        f"<tr><td>{escape(str(b.get('started_at', ''))[:19].replace('T', ' '))}</td><td>{escape(str(b['set']))}</td>"
        f"<td>{escape(str(b.get('date', '')))}</td>"
        f"<td class=\"{'succeeded' if b.get('exit_code') == 0 else 'failed'}\">"
        + escape(format_text("{succeeded} of {total} succeeded", succeeded=b.get("succeeded", 0),
                             total=len(b.get("reports", []))))
        + f"</td><td>{escape(str(b.get('alerts', 0)))}</td></tr>"
        for b in batches[:50]
    )
    headings = "".join(f"<th>{escape(h)}</th>" for h in (_("started (UTC)"), _("set"), _("date"), _("status"),
                                                         _("alerts")))
    heading = _("Report set batches")
    return (f"<h2>{escape(heading)}</h2><table><thead><tr>{headings}</tr></thead>"
            f"<tbody>{rows}</tbody></table>")


def _page(title: str, body: str) -> str:
    """A whole page in the current language: ``<html lang>``, the site's CSS, no script."""
    return (
        f'<!DOCTYPE html>\n<html lang="{i18n.HTML_LANG[i18n.current_language()]}"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{_CSS}</style></head><body>{body}</body></html>\n"
    )


def render_index(entries: list[RunEntry], batches_html: str = "", title: str | None = None,
                 language: str | None = None) -> str:
    """The index page: latest run per report, batches, then every run grouped by report, latest first.

    Args:
        batches_html: the batches section (:func:`build_site` passes it), already in ``language``.
        title: the page heading; default "Workbench reports" in ``language``.
        language: the site's language (zh | en); None: the current interface language.
    """
    with i18n.using_language(language):
        title = title if title is not None else _("Workbench reports")
        by_report: dict[str, list[RunEntry]] = {}
        for entry in entries:
            by_report.setdefault(entry.report, []).append(entry)
        header = f"<thead><tr>{_run_header()}</tr></thead>"
        newest = "".join(
            f"<tr><td>{escape(name)}</td>{_row(runs[0])}</tr>"
            for name, runs in sorted(by_report.items(), key=lambda item: item[1][0].started_at, reverse=True)
        )
        sections = "".join(
            f'<h2 id="{escape(name)}">{escape(name)}</h2><table>{header}<tbody>'
            + "".join(f"<tr>{_row(e)}</tr>" for e in runs) + "</tbody></table>"
            for name, runs in sorted(by_report.items())
        )
        latest_heading, report_heading, no_runs = _("Latest run of each report"), _("report"), _("No runs yet.")
        latest_table = (
            f"<h2>{escape(latest_heading)}</h2><table><thead><tr><th>{escape(report_heading)}</th>"
            f"{_run_header()}</tr></thead><tbody>{newest}</tbody></table>"
            if entries else f"<p>{escape(no_runs)}</p>"
        )
        summary = format_text("{runs} runs of {reports} reports.", runs=len(entries), reports=len(by_report))
        offline = _("Static page: every link is relative, nothing is loaded from the network.")
        dictionary = _("Data dictionary")
        dictionary_note = _(": every table and column with unit and meaning, and the custom dimensions of the store.")
        return _page(title, (
            f"<h1>{escape(title)}</h1><p class=\"muted\">{escape(summary)} {escape(offline)}</p>"
            f'<p><a href="{DICTIONARY_FILE}">{escape(dictionary)}</a>{escape(dictionary_note)}</p>'
            f"{latest_table}{batches_html}{sections}"
        ))


#: Columns of :func:`data_dictionary`.
DICTIONARY_COLUMNS = ["table", "column", "type", "required", "unit", "meaning", "dimension", "profile"]


def data_dictionary(store_path: str | Path | None = None) -> tuple[pd.DataFrame, str | None]:
    """Every canonical table and column with type, unit and meaning, and the store's custom dimensions.

    Canonical columns come from :data:`workbench.schemas.TABLES` (unit by
    :func:`workbench.schemas.column_unit`); the custom dimensions from the
    store's catalogue (:func:`workbench.store.readers.dimensions`), each listed
    under its table as ``dim_<name>`` with its value type. The store is opened
    read only and only when its file exists: the dictionary of the canonical
    tables never needs one.

    Returns:
        The frame (:data:`DICTIONARY_COLUMNS`; ``dimension`` and ``profile``
        empty for canonical columns, ``required`` a bool) and a note saying why
        no dimensions could be read (no store file, store busy), else None.
    """
    import pandas as pd

    from workbench.glossary import DIMENSION_TYPES
    from workbench.schemas import TABLES, column_unit
    from workbench.store import Store, readers

    rows = [
        {"table": t.name, "column": c.name, "type": c.sql_type, "required": c.name in t.required_columns,
         "unit": column_unit(c.name, t.name), "meaning": c.description, "dimension": "", "profile": ""}
        for t in TABLES.values() for c in t.columns
    ]
    store_file = Path(store_path) if store_path is not None else paths.store_path()
    note = None
    dimensions = pd.DataFrame(columns=["table_name", "dimension", "value_type", "column_name", "description",
                                       "profile"])
    if not store_file.is_file():
        note = format_text("no store at {path}: custom dimensions are listed once data is loaded", path=store_file)
    else:
        try:
            with Store(store_file, read_only=True) as store:
                dimensions = readers.dimensions(store)
        except Exception as exc:  # noqa: BLE001 - a busy or older store (StoreError, DuckDB's errors) must not
            # stop the page: it still lists every canonical column, and says why dimensions are missing.
            note = format_text("custom dimensions of {path} not read: {reason}", path=store_file,
                               reason=str(exc).splitlines()[0][:200])
    for d in dimensions.itertuples(index=False):
        rows.append({"table": d.table_name, "column": d.column_name, "type": DIMENSION_TYPES.get(d.value_type, ""),
                     "required": False,
                     "unit": {"flag": "true/false", "number": column_unit(d.dimension)}.get(d.value_type, ""),
                     "meaning": format_text("Custom dimension {name} ({value_type}): {description}", name=d.dimension,
                                            value_type=d.value_type, description=d.description or "").rstrip(": ："),
                     "dimension": d.dimension, "profile": d.profile or ""})
    order = {name: i for i, name in enumerate(TABLES)}
    frame = pd.DataFrame(rows, columns=DICTIONARY_COLUMNS)
    frame = frame.sort_values("table", key=lambda s: s.map(order), kind="stable").reset_index(drop=True)
    return frame, note


def render_dictionary(frame: pd.DataFrame, note: str | None = None, title: str | None = None,
                      language: str | None = None) -> str:
    """The data-dictionary page: one table per canonical table, its dimensions last; every value escaped.

    The page's own texts are in ``language`` (None: the current interface
    language), and so are the units and meanings of canonical columns (marked
    texts of :mod:`workbench.schemas`) and table descriptions; table names,
    column names, types and the store's own dimension descriptions are shown as
    they are.
    """
    from workbench.schemas import TABLES

    with i18n.using_language(language):
        title = title if title is not None else _("Data dictionary")
        yes = escape(_("yes"))
        headings = "".join(f"<th>{escape(h)}</th>" for h in (_("column"), _("type"), _("required"), _("unit"),
                                                             _("meaning")))
        sections = []
        for name, columns in frame.groupby("table", sort=False):
            description = _(TABLES[name].description) if name in TABLES else ""
            rows = "".join(
                f"<tr><td><code>{escape(str(r.column))}</code></td><td>{escape(str(r.type))}</td>"
                # Unit and meaning are marked schema texts (a dimension's meaning is already in the page's
                # language, and its own description is data: gettext leaves texts it does not know as they are).
                f"<td>{yes if r.required else ''}</td><td>{escape(_(str(r.unit)))}</td>"
                f"<td>{escape(_(str(r.meaning)))}{_profile_note(r.profile)}</td></tr>"
                for r in columns.itertuples(index=False)
            )
            dimensions = int((columns["dimension"] != "").sum())
            extra = " · " + format_text("{count} custom dimension(s)", count=dimensions) if dimensions else ""
            sections.append(
                f'<h2 id="{escape(str(name))}">{escape(str(name))}</h2>'
                f'<p class="muted">{escape(description)}{escape(extra)}</p>'
                f"<table><thead><tr>{headings}</tr></thead><tbody>{rows}</tbody></table>"
            )
        contents = " · ".join(f'<a href="#{escape(str(n))}">{escape(str(n))}</a>' for n in frame["table"].unique())
        note_html = f'<p class="muted">{escape(note)}</p>' if note else ""
        intro = _("Every canonical table of the store and its columns. Times are the centre's local wall-clock "
                  "time unless the unit says UTC; shares are 0..1; a measure the export did not give is NULL "
                  "(unknown), never 0.")
        reports = _("Reports")
        return _page(title, (
            f'<h1>{escape(title)}</h1><p><a href="{INDEX_FILE}">{escape(reports)}</a></p>'
            f'<p class="muted">{escape(intro)}</p>{note_html}<p>{contents}</p>{"".join(sections)}'
        ))


def _profile_note(profile: str) -> str:
    if not profile:
        return ""
    text = format_text("(profile {name})", name=profile)
    return f' <span class="muted">{escape(text)}</span>'


def _write_atomically(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")  # concurrent runs each write their own, then swap
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def build_site(outputs_dir: str | Path | None = None, store_path: str | Path | None = None,
               language: str | None = None) -> Path:
    """Write ``<outputs>/index.html`` and ``data_dictionary.html``; return the index's path.

    The index lists the run folders and batch summaries found under
    ``outputs_dir``; the dictionary page (:func:`data_dictionary`) reads the
    custom dimensions of ``store_path`` (default the configured store) when it
    exists. Both pages are in ``language`` (zh | en; default the centre's
    :func:`workbench.i18n.default_language`), whatever language each run used.
    """
    base = Path(outputs_dir) if outputs_dir is not None else paths.outputs_dir()
    base.mkdir(parents=True, exist_ok=True)
    chosen = i18n.check_language(language) if language else i18n.default_language()
    with i18n.using_language(chosen):
        _write_atomically(base / DICTIONARY_FILE, render_dictionary(*data_dictionary(store_path)))
        index = base / INDEX_FILE
        _write_atomically(index, render_index(collect_runs(base), _batches_section(base)))
    return index
