"""A run's shareable outputs: the workbook of its tables, the PDF of its report, people's CSV, the site links.

Fast tests build the files from DataFrames and hand-made executed notebooks;
the PDF tests print with Debian's Chromium (``browser``) and open the result
with poppler's ``pdftoppm`` / ``pdftotext``; one test runs a real kernel.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import re
import shutil
import subprocess
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from workbench import i18n
from workbench.csvfiles import PEOPLE_ENCODING, csv_text, read_csv, write_csv
from workbench.errors import NotebookRunError
from workbench.reports import record, runner
from workbench.reports.record import (
    REPORT_PDF,
    RUN_DIR_ENV,
    WORKBOOK_FILE,
    save_table,
    sheet_names,
    write_run_workbook,
    write_workbook,
)
from workbench.reports.site import build_site

BOM = b"\xef\xbb\xbf"
HOSTILE = '=HYPERLINK("http://evil.example/x","click")'
# A bar chart as the report template shows one: an SVG output, drawn through <img src="data:...">.
SVG_CHART = ('<svg xmlns="http://www.w3.org/2000/svg" width="400" height="200"><rect x="10" y="40" width="120" '
             'height="150" fill="#1f77b4"/><rect x="150" y="90" width="120" height="100" fill="#ff7f0e"/></svg>')
ZH_HEADING = "接通率概览"
ZH_SECOND = "放弃率分析"

needs_poppler = pytest.mark.skipif(shutil.which("pdftoppm") is None or shutil.which("pdftotext") is None,
                                   reason="poppler-utils missing: `make system-deps` installs it")


def kpi_frame() -> pd.DataFrame:
    """Messy typed rows: a formula-like queue name, Chinese text, missing values, dates and times."""
    return pd.DataFrame({
        "queue_id": [HOSTILE, "账单_zh", None],
        "offered": pd.array([120, None, 7], dtype="Int64"),
        "service_level": [0.81, float("nan"), 1.0],
        "interval_start": pd.to_datetime(["2026-03-02 09:00", None, "2026-03-02 09:15"]),
        "date": pd.to_datetime(["2026-03-02", "2026-03-02", "2026-03-03"]),
        "custom_note": ["-3.5", "+86 10 1234", "@team"],
    })


# --------------------------------------------------------------------------- workbook


def test_sheet_names_are_valid_unique_and_short():
    names = sheet_names(["kpi/by:queue[zh]?", "q" * 40, "Q" * 40, "'quoted'", "", "History"])
    assert names[0] == "kpi_by_queue_zh__"
    assert all(len(n) <= 31 and not set(n) & set("[]:*?/\\") for n in names)
    assert len({n.casefold() for n in names}) == len(names)  # Excel compares sheet names ignoring case
    assert names[3] == "quoted" and names[4] == "table" and names[5] == "History_"


def test_workbook_keeps_types_translates_headings_and_quotes_formulas(tmp_path):
    from openpyxl import load_workbook

    frame = kpi_frame()
    before = frame.copy()
    path = write_workbook({"kpis/by queue": frame, "empty": frame.iloc[:0]}, tmp_path / "t.xlsx", "zh")
    pd.testing.assert_frame_equal(frame, before)  # the argument is not changed

    book = load_workbook(path)
    assert book.sheetnames == ["kpis_by queue", "empty"]
    sheet = book["kpis_by queue"]
    rows = list(sheet.values)
    assert rows[0] == tuple(i18n.labelled_columns(frame, "zh").columns)
    assert rows[0][:3] == ("队列", "呼入量", "服务水平")  # readable, translated headings
    assert sheet.freeze_panes == "A2"
    first, second, third = rows[1], rows[2], rows[3]
    assert first[1] == 120 and isinstance(first[1], int) and first[2] == pytest.approx(0.81)
    assert sheet["C2"].number_format == "0.0%" and sheet["B2"].number_format == "General"  # a share shows as 81.0%
    assert first[3] == dt.datetime(2026, 3, 2, 9, 0) and sheet["D2"].is_date
    assert sheet["E2"].is_date and sheet["E2"].number_format == "yyyy-mm-dd"  # a date column shows no time
    assert second[1] is None and second[2] is None and second[3] is None  # missing values: empty cells
    assert third[0] is None and second[0] == "账单_zh"
    # The formula-like text is text: exactly as in the data, quote-prefixed, never a formula.
    assert sheet["A2"].value == HOSTILE and sheet["A2"].data_type == "s" and sheet["A2"].quotePrefix
    assert sheet["F3"].value == "+86 10 1234" and sheet["F3"].quotePrefix
    assert sheet["F2"].value == "-3.5" and not sheet["F2"].quotePrefix  # a plain number as text runs nothing
    assert sheet.column_dimensions["A"].width > len("队列")
    assert list(book["empty"].values) == [rows[0]]

    english = load_workbook(write_workbook({"k": frame}, tmp_path / "en.xlsx", "en"))
    assert next(english["k"].values)[:3] == ("Queue", "Calls offered", "Service level")


def test_save_table_writes_people_csv_and_typed_copy_and_the_run_workbook(tmp_path, monkeypatch):
    from openpyxl import load_workbook

    monkeypatch.setenv(RUN_DIR_ENV, str(tmp_path))
    assert write_run_workbook(tmp_path, "en") is None  # no tables, no workbook
    csv = save_table(kpi_frame(), "kpis")
    save_table(pd.DataFrame({"n": [1, 2], "words": [1, "two"]}), "mixed")  # Arrow cannot type this column as is
    save_table(pd.DataFrame([[1, 2]], columns=["a", "a"]), "repeated")

    raw = csv.read_bytes()
    assert raw.startswith(BOM) and "账单_zh".encode() in raw  # Excel on a Chinese Windows reads it as UTF-8
    assert read_csv(csv)["queue_id"][0] == HOSTILE  # the byte-order mark does not reach the column name
    typed = pd.read_parquet(tmp_path / "tables" / "kpis.parquet")
    assert str(typed["offered"].dtype) == "Int64" and pd.api.types.is_datetime64_any_dtype(typed["interval_start"])
    assert list(record.saved_tables(tmp_path)) == ["kpis", "mixed", "repeated"]

    path = write_run_workbook(tmp_path, "zh")
    assert path == tmp_path / WORKBOOK_FILE
    book = load_workbook(path)
    assert book.sheetnames == ["kpis", "mixed", "repeated"]
    assert [r for r in book["mixed"].values][1:] == [(1, "1"), (2, "two")]
    assert next(book["repeated"].values) == ("a", "a (2)")


def test_machine_csv_stays_plain_utf8(tmp_path):
    frame = pd.DataFrame({"queue_id": ["账单"], "offered": [3]})
    plain = write_csv(frame, tmp_path / "forecast.csv")
    assert not plain.read_bytes().startswith(BOM) and plain.read_bytes().startswith(b"queue_id,")
    assert not csv_text(frame).startswith("\ufeff")  # text for a pipe carries no byte-order mark
    people = write_csv(frame, tmp_path / "people.csv", encoding=PEOPLE_ENCODING)
    assert people.read_bytes().startswith(BOM)


# --------------------------------------------------------------------------- PDF


def executed_report(folder: Path, sections: int = 2) -> Path:
    """A hand-made executed notebook: a title, ``sections`` Chinese sections, each with text and an SVG chart."""
    cells = [new_markdown_cell("# 呼叫中心日报")]
    for number in range(sections):
        cells.append(new_markdown_cell(f"## {(ZH_HEADING, ZH_SECOND)[number % 2]}\n\n第 {number + 1} 节。"))
        code = new_code_cell("chart")
        code.outputs = [new_output("display_data", data={"image/svg+xml": SVG_CHART, "text/plain": "<chart>"})]
        cells.append(code)
    nb = new_notebook(cells=cells)
    path = folder / "done.ipynb"
    nbformat.write(nb, path)
    return path


def pdf_pages(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


def render_pages(pdf: Path, folder: Path) -> list[Path]:
    """Every page of ``pdf`` as a PNG (pdftoppm), which fails on a broken file."""
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(pdf), str(folder / "page")], check=True, timeout=120)
    return sorted(folder.glob("page-*.png"))


@needs_poppler
@pytest.mark.slow
@pytest.mark.browser
def test_report_pdf_has_sections_on_pages_chinese_text_and_charts(tmp_path):
    html = tmp_path / "report.html"
    runner.render_html(executed_report(tmp_path, sections=2), html, "zh")
    pdf = runner.write_pdf(html, tmp_path / REPORT_PDF)

    assert pdf.read_bytes().startswith(b"%PDF-")
    assert pdf_pages(pdf) == 2  # the second section starts a new page
    pages = render_pages(pdf, tmp_path)
    assert len(pages) == 2 and all(p.stat().st_size > 1000 for p in pages)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert ZH_HEADING in text and ZH_SECOND in text and "呼叫中心日报" in text  # CJK glyphs, not boxes
    assert text.index(ZH_HEADING) < text.index("\f") < text.index(ZH_SECOND)  # one section per page
    # The charts are drawn: each page holds the chart's blue bar.
    from PIL import Image

    for page in pages:
        pixels = Image.open(page).convert("RGB").getdata()
        assert sum(1 for r, g, b in pixels if b > 150 and r < 80) > 50, page

    single = tmp_path / "one"
    single.mkdir()
    runner.render_html(executed_report(single, sections=1), single / "report.html", "zh")
    assert pdf_pages(runner.write_pdf(single / "report.html", single / REPORT_PDF)) == 1


class _CountingHandler(SimpleHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self):  # noqa: N802 - the http.server name
        self.hits.append(self.path)
        super().do_GET()

    def log_message(self, *args):
        pass


@pytest.mark.slow
@pytest.mark.browser
def test_write_pdf_makes_no_request(tmp_path):
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_CountingHandler, directory=str(tmp_path)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        html = tmp_path / "report.html"
        html.write_text(
            f'<!DOCTYPE html><html><head><meta charset="utf-8"><link rel="stylesheet" href="{base}/x.css">'
            f'<style>@font-face{{font-family:f;src:url({base}/f.woff)}} body{{font-family:f}}</style></head>'
            f'<body><h1>{ZH_HEADING}</h1><img src="{base}/chart.png"><img src="local.png"></body></html>',
            encoding="utf-8",
        )

        async def in_an_event_loop() -> Path:  # as in a Jupyter kernel, where Playwright's sync API refuses to run
            return runner.write_pdf(html, tmp_path / "out.pdf")

        pdf = asyncio.run(in_an_event_loop())
    finally:
        server.shutdown()
        server.server_close()
    assert pdf.is_file() and pdf.read_bytes().startswith(b"%PDF-")
    assert _CountingHandler.hits == []  # the page's own requests were aborted, none reached the server
    assert not list(tmp_path.glob(".out.pdf.*"))  # no temporary file left


def test_write_pdf_names_a_missing_file(tmp_path):
    with pytest.raises(runner.WorkbenchError, match="no HTML file"):
        runner.write_pdf(tmp_path / "absent.html", tmp_path / "x.pdf")


@pytest.mark.parametrize(("body", "marked"), [
    ("<h1>T</h1><h2>A</h2><p>a</p><h2 id='b'>B</h2><h2>C</h2>", ["B", "C"]),  # sections are ## under a title
    ("<h1>T</h1><h2>Part</h2><h3>x</h3><h3 class=\"k\">y</h3>", ["y"]),  # one ## introducing ### sections
    ("<h1>T</h1><p>just one section</p><h2>A</h2>", []),
])
def test_sections_after_the_first_start_a_printed_page(body, marked):
    out = runner._mark_sections(body)
    found = re.findall(r"<h\d[^>]*class=\"[^\"]*" + runner.SECTION_BREAK_CLASS + r"[^>]*>([^<]*)<", out)
    assert found == marked
    assert re.sub(r' class="' + runner.SECTION_BREAK_CLASS + r' ?"|' + runner.SECTION_BREAK_CLASS + " ", "", out) \
        == body.replace(' class=""', "")
    assert "." + runner.SECTION_BREAK_CLASS + " { break-before: page; }" in runner.REPORT_PRINT_CSS
    assert "@page { size: A4" in runner.REPORT_PRINT_CSS and "break-inside: avoid" in runner.REPORT_PRINT_CSS


# --------------------------------------------------------------------------- the runner, without a kernel


@pytest.fixture
def fake_kernel(tmp_path, monkeypatch):
    """Papermill replaced by a copy of a hand-made executed notebook that saved one table."""
    import papermill

    done = executed_report(tmp_path)
    notebook = tmp_path / "daily.ipynb"
    source = new_notebook(cells=[new_code_cell("x = 1", metadata={"tags": ["parameters"]})])
    source.metadata.kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(source, notebook)

    def execute(_input, output, **options):
        shutil.copy(done, output)
        run_dir = Path(options["cwd"])
        monkeypatch.setenv(RUN_DIR_ENV, str(run_dir))
        save_table(kpi_frame(), "kpis")
        monkeypatch.delenv(RUN_DIR_ENV)

    monkeypatch.setattr(papermill, "execute_notebook", execute)
    return notebook


def test_failed_pdf_fails_the_run_and_keeps_report_and_workbook(fake_kernel, tmp_path, monkeypatch):
    def broken(html_path, pdf_path):
        raise runner.WorkbenchError("Chromium crashed")

    monkeypatch.setattr(runner, "write_pdf", broken)
    out = tmp_path / "outputs"
    with pytest.raises(NotebookRunError, match="PdfError: writing report.pdf failed: Chromium crashed"):
        runner.run_notebook(fake_kernel, outputs_dir=out, pdf=True)
    [run_dir] = (out / "daily").iterdir()
    manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["status"] == "failed" and manifest["error"]["ename"] == "PdfError"
    assert manifest["report"] == "report.html" and (run_dir / "report.html").is_file()
    assert manifest["pdf"] is None and not (run_dir / REPORT_PDF).exists()
    assert manifest["workbook"] == WORKBOOK_FILE and (run_dir / WORKBOOK_FILE).is_file()
    assert not (out / "daily" / "LATEST").exists()


def test_run_without_pdf_writes_workbook_and_site_lists_it(fake_kernel, tmp_path, monkeypatch):
    monkeypatch.setattr(runner, "write_pdf", lambda *a: pytest.fail("no PDF was asked for"))
    out = tmp_path / "outputs"
    result = runner.run_notebook(fake_kernel, outputs_dir=out)
    assert result.workbook == result.run_dir / WORKBOOK_FILE and result.report_pdf is None
    outputs = {o["path"]: o for o in result.manifest["outputs"]}
    assert len(outputs[WORKBOOK_FILE]["sha256"]) == 64 and "tables/kpis.csv" in outputs
    assert result.manifest["timings"]["pdf_seconds"] is None
    index = (out / "index.html").read_text(encoding="utf-8")
    assert f'href="daily/{result.run_id}/{WORKBOOK_FILE}"' in index and REPORT_PDF not in index


# --------------------------------------------------------------------------- a real kernel, PDF and workbook


@needs_poppler
@pytest.mark.slow
@pytest.mark.notebook
@pytest.mark.browser
def test_run_notebook_with_pdf_in_chinese(tmp_path):
    from openpyxl import load_workbook

    nb = new_notebook(cells=[
        new_markdown_cell("# 日报"),
        new_code_cell("interface_language = None", metadata={"tags": ["parameters"]}),
        new_markdown_cell(f"## {ZH_HEADING}"),
        new_code_cell(
            "import pandas as pd\nfrom IPython.display import SVG, display\n"
            "from workbench.reports.record import save_table\n"
            "save_table(pd.DataFrame({'queue_id': ['billing'], 'offered': [12],"
            " 'interval_start': pd.to_datetime(['2026-03-02 09:00'])}), 'kpis')\n"
            f"display(SVG({SVG_CHART!r}))"
        ),
        new_markdown_cell(f"## {ZH_SECOND}"),
        new_code_cell(f"display(SVG({SVG_CHART!r}))"),
    ])
    nb.metadata.kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    notebook = tmp_path / "daily_zh.ipynb"
    nbformat.write(nb, notebook)
    out = tmp_path / "outputs"

    result = runner.run_notebook(notebook, {"interface_language": "zh"}, outputs_dir=out, pdf=True)

    assert result.status == "succeeded" and result.report_pdf == result.run_dir / REPORT_PDF
    manifest = result.manifest
    assert manifest["pdf"] == REPORT_PDF and manifest["workbook"] == WORKBOOK_FILE and manifest["language"] == "zh"
    outputs = {o["path"]: o for o in manifest["outputs"]}
    assert len(outputs[REPORT_PDF]["sha256"]) == 64 and len(outputs[WORKBOOK_FILE]["sha256"]) == 64
    assert manifest["timings"]["pdf_seconds"] > 0
    assert pdf_pages(result.report_pdf) >= 2
    assert len(render_pages(result.report_pdf, tmp_path)) == pdf_pages(result.report_pdf)
    text = subprocess.run(["pdftotext", str(result.report_pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert ZH_HEADING in text and ZH_SECOND in text
    book = load_workbook(result.workbook)
    assert book.sheetnames == ["kpis"]
    assert list(book["kpis"].values) == [("队列", "呼入量", "时段开始"), ("billing", 12, dt.datetime(2026, 3, 2, 9))]
    assert (result.run_dir / "tables" / "kpis.csv").read_bytes().startswith(BOM)
    index = build_site(out, store_path=tmp_path / "none.duckdb", language="zh").read_text(encoding="utf-8")
    for name in ("report.html", REPORT_PDF, WORKBOOK_FILE):
        assert f'href="daily_zh/{result.run_id}/{name}"' in index


def test_a_missing_value_of_a_nullable_text_column_is_kept_missing(tmp_path, monkeypatch):
    """A KPI breakdown by a dimension some calls lack holds pd.NA among words: saving it once raised
    "boolean value of NA is ambiguous" and failed the whole report."""
    monkeypatch.setenv(RUN_DIR_ENV, str(tmp_path))
    # numbers and words in one column: Arrow refuses it as is, so each value is made text, missing kept
    frame = pd.DataFrame({"region": pd.array(["north", 7, pd.NA], dtype=object), "offered": [3, 4, 5]})
    save_table(frame, "by_dimension")
    typed = pd.read_parquet(tmp_path / "tables" / "by_dimension.parquet")
    assert typed["region"].tolist()[:2] == ["north", "7"] and pd.isna(typed["region"].iloc[2])
