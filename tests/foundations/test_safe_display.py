"""Data values never become markup: the escaping helpers, the sanitised report.html, the site index, alert
banners and e-mails, and real reports rendered from a store and an export full of HTML and script.

Findings are read from parsed HTML (:func:`workbench.safe_display.executable_markup`), never from a text
search: the escaped form ``&lt;script&gt;alert`` holds the same words as the live one.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from workbench.errors import WorkbenchError
from workbench.reports import runner
from workbench.safe_display import code, executable_markup, lines, markdown, markdown_text, table

# One of each kind of executable markup; the numbers tell them apart in a failure.
HOSTILE = [
    "<script>alert('x1')</script>",
    "<img src=x onerror=alert('x2')>",
    '<a href="javascript:alert(3)">x3</a>',
    "<iframe srcdoc='<script>alert(4)</script>'></iframe>",
    "<svg onload=alert(5)>",
    "[x6](javascript:alert(6))",
    '"><b onmouseover=alert(7)>x7</b>',
]


def text_of(html: str) -> str:
    """The text a browser would show (entities decoded, tags gone), one string."""
    parts: list[str] = []
    parser = HTMLParser(convert_charrefs=True)
    parser.handle_data = parts.append
    parser.feed(html)
    parser.close()
    return "".join(parts)


# --------------------------------------------------------------------------- the checker


@pytest.mark.parametrize("html, finding", [
    ("<p>a</p><script>alert(1)</script>", "<script> element"),
    ("<SCRIPT SRC=//x.test/a.js></SCRIPT>", "<script> element"),
    ("<img src=x onerror=alert(1)>", "onerror attribute on <img>"),
    ("<svg><g onload='x()'/></svg>", "onload attribute on <g>"),
    ('<a href="  JaVa&#x53;cript:alert(1)">x</a>', "javascript: URL in href of <a>"),
    ('<a href="java\tscript:alert(1)">x</a>', "javascript: URL in href of <a>"),
    ('<svg><a xlink:href="javascript:x()">x</a></svg>', "javascript: URL in xlink:href of <a>"),
    ("<iframe src=/x></iframe>", "<iframe> element"),
    ("<object data=x.swf></object>", "<object> element"),
    ("<embed src=x.swf>", "<embed> element"),
    ("<div srcdoc='<b>'>", "srcdoc attribute on <div>"),
    ('<meta http-equiv="Refresh" content="0;url=x">', "<meta http-equiv=refresh>"),
    ('<a href="data:text/html,<script>alert(1)</script>">x</a>', "data: URL in href of <a>"),
    ('<p style="width: expression(alert(1))">x</p>', "scripted CSS in the style of <p>"),
    ("<style>p { background: url(javascript:alert(1)) }</style>", "scripted CSS in a <style> element"),
    # Comments a browser closes sooner than Python's parser: the script after them runs.
    ("<!--><script>alert(1)</script>-->", "<script> element after a comment a browser has closed"),
    ("<!-- x --!><img src=x onerror=alert(1)>-->", "onerror attribute on <img> after a comment a browser has closed"),
    ("<![CDATA[><script>alert(1)</script>]]>", "<script> element after a CDATA section a browser has closed"),
])
def test_executable_markup_is_found(html, finding):
    assert finding in executable_markup(html)


def test_escaped_text_and_plain_formatting_are_not_findings():
    safe = ("<p>&lt;script&gt;alert(1)&lt;/script&gt; &lt;img src=x onerror=alert(2)&gt;</p>"
            "<table><tr><td style='text-align: right'>1</td></tr></table><style>td { color: red }</style>"
            "<a href='https://example.test/?q=javascript:x'>x</a><a href='../run/report.html'>r</a>"
            "<img src='data:image/svg+xml;base64,PHN2Zz4='><!-- <script> in a comment -->")
    assert executable_markup(safe) == []


# --------------------------------------------------------------------------- Markdown helpers


def render_markdown(text: str) -> str:
    """Markdown to HTML with the very renderer report.html uses."""
    from nbconvert.filters.markdown_mistune import markdown2html_mistune

    return markdown2html_mistune(text)


@pytest.mark.parametrize("value", HOSTILE + ["a\n# heading <script>x8</script>", "`tick` $math$ *star* _under_"])
def test_markdown_values_render_as_their_own_text(value):
    html = render_markdown(markdown_text("## {value}\n\nQueue {value} in {path}.", value=value, path=code(value)))
    assert executable_markup(html) == []
    assert text_of(html).count(" ".join(value.split())) == 3, html  # heading, sentence and code span


def test_unescaped_markdown_would_carry_markup():
    """Why the helpers exist: the report's Markdown renderer passes raw HTML and javascript: links through."""
    for value in (HOSTILE[0], HOSTILE[2], HOSTILE[5], "<img src=x onerror=alert(2)>"):
        assert executable_markup(render_markdown(f"Queue {value}")), value


def test_code_span_survives_backticks_and_blanks():
    assert code("a`b") == "``a`b``"
    assert code("`x`") == "`` `x` ``"
    assert code("") == ""
    assert text_of(render_markdown(markdown_text("{p}", p=code("``<b>`")))).strip() == "``<b>`"


def test_markdown_lines_and_format_specs():
    files = lines(markdown_text("- {name} through {profile}", name=code(n), profile="<i>p</i>") for n in ["a.csv", "b"])
    assert files == "- `a.csv` through &lt;i&gt;p&lt;/i&gt;\n- `b` through &lt;i&gt;p&lt;/i&gt;"
    assert lines(["<b>", code("x")], separator="; ") == "&lt;b&gt;; `x`"
    assert markdown_text("{n:,} calls, {share:.0%}", n=12345, share=0.5) == "12,345 calls, 50%"
    shown = markdown("Store: {store}", store="<b>x</b>")
    assert shown.data == "Store: &lt;b&gt;x&lt;/b&gt;"


# --------------------------------------------------------------------------- Styler tables


def hostile_frame() -> pd.DataFrame:
    frame = pd.DataFrame(
        {"queue_id": HOSTILE, "share": [0.25] * len(HOSTILE), "examples": [[value] for value in HOSTILE]},
        index=pd.Index([f"row {value}" for value in HOSTILE], name="<b onclick=alert(8)>index</b>"),
    )
    frame.columns = pd.Index(["<script>alert('col')</script>", "share", "examples"], name="<i onclick=x()>c</i>")
    return frame


def test_table_escapes_cells_labels_axis_names_and_objects():
    frame = hostile_frame()
    before = frame.copy()
    html = table(frame, {"share": "{:.0%}"}, index=True).to_html()
    assert executable_markup(html) == []
    shown = text_of(html)
    for value in HOSTILE:
        assert value in shown and f"row {value}" in shown
    assert "<script>alert('col')</script>" in shown and "25%" in shown
    pd.testing.assert_frame_equal(frame, before)  # the frame itself is not changed
    assert executable_markup(frame.style.to_html()), "a plain Styler passes markup through"


def test_table_formats_and_hides_the_index_by_default():
    frame = pd.DataFrame({"x": [1.23456, None]}, index=["<b>hidden</b>", "y"])
    html = table(frame, precision=2, na_rep="-").to_html()
    assert "1.23" in html and ">-<" in html and "hidden" not in html


def test_dialogue_table_escapes_what_callers_said():
    from workbench.charts import dialogue_table

    segments = pd.DataFrame({"speaker_role": ["agent", "customer", "<b onclick=alert(9)>x</b>"],
                             "start_seconds": [0.0, 2.0, 4.0], "end_seconds": [1.5, 3.5, 5.0],
                             "text": ["hello", "<script>alert('said')</script>", "<img src=x onerror=alert(10)>"]})
    html = dialogue_table(segments).to_html()
    assert executable_markup(html) == []
    assert "<script>alert('said')</script>" in text_of(html)


# --------------------------------------------------------------------------- report.html


SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="60" height="20"><text x="1" y="15">chart</text></svg>'


def hostile_notebook(path: Path) -> Path:
    """An executed-looking notebook whose cells and outputs carry markup of every kind a kernel can emit."""
    nb = new_notebook(cells=[
        new_markdown_cell("# Report\n\nIntro <script>alert('cell')</script> [x](javascript:alert(11))"),
        new_code_cell("x", outputs=[
            new_output("display_data", data={"text/html": "<style>td { color: #222 }</style><table><tr>"
                                                          f"<td>{HOSTILE[0]}</td><td>{HOSTILE[1]}</td></tr></table>"
                                                          f"{HOSTILE[3]}{HOSTILE[4]}",
                                             "text/plain": "table"}),
            new_output("execute_result", data={"text/markdown": f"## Heading\n\n{HOSTILE[2]} {HOSTILE[5]}",
                                               "text/plain": "md"}, execution_count=1),
            new_output("display_data", data={"application/javascript": "alert('js')", "text/plain": "js"}),
            new_output("display_data", data={"text/vnd.mermaid": "</pre><script>alert('mermaid')</script>",
                                             "text/plain": "mermaid"}),
            new_output("display_data", data={"image/svg+xml": SVG, "text/plain": "<Chart>"}),
        ]),
    ])
    nb.metadata.kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    return path


def test_report_html_is_sanitised_and_keeps_headings_tables_and_charts(tmp_path):
    report = tmp_path / "report.html"
    runner.render_html(hostile_notebook(tmp_path / "nb.ipynb"), report)
    html = report.read_text(encoding="utf-8")
    assert executable_markup(html) == []
    assert "<script" not in html.lower()  # not even the template's own (require.js, MathJax, mermaid)
    shown = text_of(html)
    assert HOSTILE[0] in shown and "<script>alert('cell')</script>" in shown  # shown as text, not dropped
    assert "<h1" in html and "<h2" in html and "<table" in html and "td { color: #222 }" in html
    assert html.count('src="data:image/svg+xml;base64,') == 1  # the chart, drawn as an image


def test_report_css_fetches_nothing():
    """A report opens without requests of its own: CSS that would load a file is text, plain CSS stays."""
    cleaned = runner.clean_report_html(
        "<style>@import url(https://e.test/a.css);</style><style>p { background: u\\72l(https://e.test/b) }</style>"
        "<style>td { color: red }</style><p style='cursor: url(https://e.test/c), auto; color: red'>x</p>")
    assert "<style>td { color: red }</style>" in cleaned
    assert "&lt;style&gt;@import url(https://e.test/a.css);&lt;/style&gt;" in cleaned
    assert "&lt;style&gt;p { background: u\\72l(https://e.test/b) }&lt;/style&gt;" in cleaned
    assert '<p style="color: red;">x</p>' in cleaned


def test_report_is_not_written_when_markup_would_survive(tmp_path, monkeypatch):
    monkeypatch.setattr(runner, "clean_report_html", lambda fragment: str(fragment))  # as if the sanitiser let everything through
    report = tmp_path / "report.html"
    with pytest.raises(WorkbenchError, match="executable markup"):
        runner.render_html(hostile_notebook(tmp_path / "nb.ipynb"), report)
    assert not report.exists()


# --------------------------------------------------------------------------- site, banner, mail


def hostile_run(outputs: Path, notebook: str = "javascript:alert(12)", run_id: str = '20260302T063000Z-"><b>') -> Path:
    """A run folder whose every name and manifest value carries markup."""
    run_dir = outputs / notebook / run_id
    run_dir.mkdir(parents=True)
    manifest = {"run_id": run_id, "notebook": notebook, "status": HOSTILE[1], "started_at": "2026-03-02T06:30:00",
                "duration_seconds": 3.0, "executed_notebook": f"{HOSTILE[4]}.ipynb",
                "context": {"report": HOSTILE[0], "set": HOSTILE[2], "date": HOSTILE[3]},
                "error": {"ename": HOSTILE[4], "evalue": HOSTILE[6]}}
    (run_dir / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    (run_dir / "report.html").write_text("<html><head></head><body><h1>KPIs</h1></body></html>", encoding="utf-8")
    (run_dir / f"{HOSTILE[4]}.ipynb").write_text("{}", encoding="utf-8")
    (outputs / notebook / "LATEST").write_text(run_id + "\n", encoding="utf-8")
    return run_dir


def test_site_index_shows_hostile_names_and_values_as_text(tmp_path):
    from workbench.reports.site import build_site

    out = tmp_path / "outputs"
    hostile_run(out)
    (out / "_batches").mkdir()
    (out / "_batches" / "b.json").write_text(json.dumps(
        {"set": HOSTILE[0], "date": HOSTILE[1], "started_at": HOSTILE[2], "exit_code": 1, "succeeded": HOSTILE[4],
         "reports": [{}], "alerts": HOSTILE[6]}), encoding="utf-8")
    html = build_site(out).read_text(encoding="utf-8")
    assert executable_markup(html) == []
    shown = text_of(html)
    for value in (HOSTILE[0], HOSTILE[1], HOSTILE[4], HOSTILE[6]):
        assert value in shown


def hostile_alerts() -> dict:
    fired = {"id": "<script>alert('id')</script>", "kind": "abandonment_above", "severity": HOSTILE[1],
             "status": "fired", "message": f"worst {HOSTILE[0]} on 2026-03-02", "count": 1, "details": []}
    missing = {**fired, "status": "no_data", "message": HOSTILE[3]}
    return {"report": HOSTILE[4], "window": {"date_from": HOSTILE[6], "date_to": None},
            "rules": [fired, missing], "alerts": [fired]}


def test_alert_banner_escapes_rule_results():
    from workbench.reports.alerts import banner_html, insert_banner

    page = insert_banner("<html><body><p>r</p></body></html>", banner_html(hostile_alerts()))
    assert executable_markup(page) == []
    assert f"worst {HOSTILE[0]}" in text_of(page) and HOSTILE[3] in text_of(page)


def test_alert_fired_on_a_hostile_queue_id_reaches_the_banner_as_text(tmp_path):
    from workbench.reports.alerts import AlertRules, apply_alerts
    from workbench.store import Store

    store = tmp_path / "store.duckdb"
    start = datetime(2026, 3, 2, 9)
    calls = pd.DataFrame([{"call_id": f"c{i}", "queue_id": HOSTILE[0], "language": HOSTILE[1],
                           "arrived_at": start + timedelta(minutes=i), "wait_seconds": 60.0 if i % 2 else 5.0,
                           "talk_seconds": None if i % 2 else 100.0, "outcome": "abandoned" if i % 2 else "answered"}
                          for i in range(40)])
    with Store(store) as opened:
        opened.write_batch({"calls": calls}, batch_id="seed")
    run_dir = hostile_run(tmp_path / "outputs", notebook="kpi_overview", run_id="20260302T000000Z-00000000")
    manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    (run_dir / "manifest.json").write_text(json.dumps({**manifest, "parameters": {"store_path": str(store)}}))
    rules = AlertRules.model_validate({"rules": [{"id": "abandonment_high", "kind": "abandonment_above",
                                                  "threshold": 0.2, "min_offered": 10}]})
    result = apply_alerts(run_dir, rules=rules)
    assert [a["id"] for a in result["alerts"]] == ["abandonment_high"]
    page = (run_dir / "report.html").read_text(encoding="utf-8")
    assert executable_markup(page) == [] and HOSTILE[0] in text_of(page)


def test_mail_bodies_escape_values_and_attach_only_inert_reports(tmp_path):
    from workbench.reports.mail import build_alerts_message, build_report_message

    run_dir = hostile_run(tmp_path / "outputs")
    (run_dir / "alerts.json").write_text(json.dumps(hostile_alerts()), encoding="utf-8")
    message = build_report_message(run_dir)
    body = message.get_body(("html",)).get_content()
    assert executable_markup(body) == [] and HOSTILE[0] in text_of(body)
    [attachment] = list(message.iter_attachments())
    assert executable_markup(attachment.get_content()) == []
    alerts_body = build_alerts_message([run_dir]).get_body(("html",)).get_content()
    assert executable_markup(alerts_body) == [] and HOSTILE[4] in text_of(alerts_body)

    (run_dir / "report.html").write_text("<html><body><script>alert('old')</script></body></html>", encoding="utf-8")
    message = build_report_message(run_dir)
    assert list(message.iter_attachments()) == []  # an unsanitised report is linked, never attached
    assert "not attached" in message.get_body(("html",)).get_content()


# --------------------------------------------------------------------------- real reports, rendered by the runner


@pytest.mark.notebook
@pytest.mark.slow
def test_kpi_report_from_a_hostile_store_is_inert_and_keeps_its_charts(tmp_path):
    """Queue ids, languages, agents and customers full of markup: the report, its banner, the index and the mail."""
    from workbench.reports.alerts import AlertRules, apply_alerts
    from workbench.reports.mail import build_report_message
    from workbench.reports.runner import run_notebook
    from workbench.reports.site import build_site
    from workbench.store import Store

    store = tmp_path / "store.duckdb"
    queues, languages = [HOSTILE[0], HOSTILE[4]], [HOSTILE[1], HOSTILE[2]]
    rows = []
    for day in range(3):
        for q, (queue, language) in enumerate(zip(queues, languages)):
            for i in range(40):
                gave_up = i % 4 == 0
                rows.append({"call_id": f"c{q}-{day}-{i}", "queue_id": queue, "language": language,
                             "agent_id": HOSTILE[6], "customer_id": HOSTILE[3],
                             "arrived_at": datetime(2026, 3, 1 + day, 9) + timedelta(minutes=7 * i),
                             "wait_seconds": 45.0 if gave_up else 8.0 + i % 30,
                             "talk_seconds": None if gave_up else 200.0 + i,
                             "outcome": "abandoned" if gave_up else "answered"})
    with Store(store) as opened:
        opened.write_batch({"calls": pd.DataFrame(rows)}, batch_id="seed")
    outputs = tmp_path / "outputs"
    result = run_notebook("kpi_overview", {"store_path": str(store)}, parameter_set="smoke", outputs_dir=outputs)

    html = result.report_html.read_text(encoding="utf-8")
    assert executable_markup(html) == []
    shown = text_of(html)
    for value in queues + languages:
        assert value in shown, value  # shown as text, not dropped
    assert html.count('src="data:image/svg+xml;base64,') >= 4  # queue comparison, trend, two heatmaps, CSAT

    rules = AlertRules.model_validate({"rules": [{"id": "abandonment_high", "kind": "abandonment_above",
                                                  "threshold": 0.1, "min_offered": 10}]})
    assert apply_alerts(result.run_dir, rules=rules)["alerts"]
    assert executable_markup(result.report_html.read_text(encoding="utf-8")) == []
    assert executable_markup(build_site(outputs).read_text(encoding="utf-8")) == []
    [attachment] = list(build_report_message(result.run_dir).iter_attachments())
    assert executable_markup(attachment.get_content()) == []


ACD_HEADER = "Call ID,Skill,Line,ANI,DNIS,Call Start,Call End,Queue Time,Ring Time,Talk Time,Hold Time,Wrap Time," \
             "Disposition,Agent ID,Transfer To"
ACD_ROW = "C{n},EN_SALES,English,1,2,2026/01/05 09:00:00,2026/01/05 09:05:00,0:00:10,0:00:05,0:04:00,0:00:00,0:00:30," \
          "ANSWERED,A1,"


@pytest.mark.notebook
@pytest.mark.slow
def test_ingest_report_shows_rejected_cells_as_text(tmp_path):
    """Cells rejected for markup in an export appear in the reject-reason examples, as text."""
    from workbench.reports.runner import run_notebook

    rows = [ACD_ROW.format(n=n) for n in range(1, 6)] + [
        ACD_ROW.format(n=6).replace("EN_SALES", HOSTILE[0]),  # unknown_value: the Skill cell
        ACD_ROW.format(n=7).replace("2026/01/05 09:00:00", HOSTILE[1]),  # bad_timestamp: the Call Start cell
        ACD_ROW.format(n=8).replace("ANSWERED", HOSTILE[4]),  # unknown_outcome
        ACD_ROW.format(n=9).replace(",A1,", f",{HOSTILE[6].replace(',', ' ')},"),  # loaded: an agent id
    ]
    exports = tmp_path / "exports"
    exports.mkdir()
    (exports / "acd.csv").write_text("\n".join([ACD_HEADER, *rows]) + "\n", encoding="utf-8")
    result = run_notebook("ingest_overview", {
        "store_path": str(tmp_path / "store.duckdb"), "exports_dir": str(exports),
        "exports": [{"path": "acd.csv", "profile": "sample_acd"}], "rejects_dir": str(tmp_path / "rejects"),
    }, outputs_dir=tmp_path / "outputs")
    reasons = pd.read_csv(result.run_dir / "tables" / "reject_reasons.csv")
    assert reasons["rows"].sum() >= 3
    html = result.report_html.read_text(encoding="utf-8")
    assert executable_markup(html) == []
    shown = text_of(html)
    assert HOSTILE[0] in shown and HOSTILE[1] in shown and HOSTILE[4] in shown


@pytest.mark.notebook
@pytest.mark.slow
def test_topic_report_shows_hostile_transcripts_and_queues_as_text(tmp_path, monkeypatch):
    """Topic examples (what callers said) and the queue x language split come from data: both stay text."""
    from workbench.reports.runner import run_notebook
    from workbench.store import Store

    monkeypatch.setenv("WORKBENCH_OUTPUTS_DIR", str(tmp_path / "outputs"))  # the topic run folder goes there too
    themes = ["my bill is wrong and I was charged twice this month",
              "I cannot log in and need to reset my password",
              f"the parcel never arrived {HOSTILE[0]} {HOSTILE[1]} where is my delivery"]
    turns, calls = [], []
    for n in range(36):
        call_id = f"c{n:03d}"
        turns.append({"call_id": call_id, "turn_index": 0, "speaker": "customer", "text": themes[n % 3],
                      "language": "en"})
        calls.append({"call_id": call_id, "queue_id": HOSTILE[4], "language": HOSTILE[2],
                      "arrived_at": datetime(2026, 3, 1 + n % 2, 9) + timedelta(minutes=n), "wait_seconds": 5.0,
                      "talk_seconds": 100.0, "outcome": "answered"})
    sample = tmp_path / "sample"
    sample.mkdir()
    pd.DataFrame(turns).to_csv(sample / "transcripts.csv", index=False)
    store = tmp_path / "store.duckdb"
    with Store(store) as opened:
        opened.write_batch({"calls": pd.DataFrame(calls)}, batch_id="seed")
    result = run_notebook("topic_overview", {
        "store_path": str(store), "sample_dir": str(sample), "source": "sample", "min_documents": 10, "n_topics": 3,
        "embedding": "tfidf_svd", "time_grain": "D", "record_in_store": False,
    })
    html = result.report_html.read_text(encoding="utf-8")
    assert executable_markup(html) == []
    shown = text_of(html)
    assert HOSTILE[0] in shown and HOSTILE[1] in shown  # the examples, as text
    assert HOSTILE[4] in shown and HOSTILE[2] in shown  # the queue x language split, as text
