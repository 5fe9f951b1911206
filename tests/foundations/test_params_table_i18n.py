"""The parameter table a notebook cell shows (NotebookParameters._repr_html_) in the reader's language."""

from __future__ import annotations

import re
from html import escape

from workbench import i18n
from workbench.glossary import PARAMETER_NAMES
from workbench.params import parameter_model, registered_notebooks


def _model():
    """A registered notebook model with glossary parameters (date_from, interface_language), from its defaults."""
    for name, model in sorted(registered_notebooks().items()):
        if "date_from" in model.model_fields:
            return parameter_model(name).model_validate({})
    raise AssertionError("no registered model has date_from")


def test_parameter_table_in_chinese_has_chinese_headings_and_glossary_meanings():
    params = _model()
    with i18n.using_language("zh"):
        html = params._repr_html_()
    assert "<th>参数</th><th>取值</th><th>含义</th>" in html
    # date_from's meaning is the glossary text plus the model's note: the glossary part is translated.
    assert "<td>包含的第一天（ISO 日期，本地时间）；" in html
    assert "<td>阅读页面、报告和邮件所用的语言（zh、en）；" in html  # interface_language: the glossary text itself
    assert PARAMETER_NAMES["date_from"] not in html
    assert "<code>date_from</code>" in html  # parameter names are shown as they are
    glossary_texts = set(PARAMETER_NAMES.values())
    assert [t for t in i18n.untranslated_texts(re.sub(r"<[^>]+>", " ", html), "zh") if t in glossary_texts] == []


def test_parameter_table_in_english_is_unchanged():
    params = _model()
    with i18n.using_language("en"):
        html = params._repr_html_()
    assert "<th>parameter</th><th>value</th><th>meaning</th>" in html
    assert f"<td>{PARAMETER_NAMES['date_from']}; None = open</td>" in html
    assert f"<td>{escape(PARAMETER_NAMES['interface_language'])}</td>" in html


def test_every_glossary_meaning_has_a_chinese_translation():
    table = i18n.catalogue("zh")
    assert [text for text in PARAMETER_NAMES.values() if text not in table] == []


def _meaning_cells(html: str) -> dict[str, str]:
    """Parameter name -> the text of its meaning cell, from a rendered parameter table."""
    import html as html_module

    rows = re.findall(r"<tr><td><code>([^<]*)</code></td><td>.*?</td><td>(.*?)</td></tr>", html)
    return {html_module.unescape(name): html_module.unescape(cell) for name, cell in rows}


def _defaults(notebook: str, model):
    """``model`` validated from its defaults, or from the least each required field needs when it has some."""
    required = {name: "x" for name, field in model.model_fields.items() if field.is_required()}
    if "exports" in required:  # ingest_exports: a list of export entries
        required["exports"] = [{"path": "calls.csv", "profile": "generic"}]
    return model.model_validate(required)


def test_every_notebook_parameter_table_in_chinese_leaves_no_english_meaning():
    models = registered_notebooks()
    assert models, "no registered notebook models"
    for notebook, model in sorted(models.items()):
        params = _defaults(notebook, model)
        with i18n.using_language("zh"):
            html = params._repr_html_()
        # Values are shown as they are (a default title may itself be a catalogue text): check everything else.
        without_values = re.sub(r"(<tr><td><code>[^<]*</code></td>)<td>.*?</td>", r"\1", html)
        text = re.sub(r"<[^>]+>", " ", without_values)
        assert i18n.untranslated_texts(text, "zh") == [], notebook
        cells = _meaning_cells(html)
        assert set(cells) == set(params.model_dump(mode="json")), notebook
        english = {name: cell for name, cell in cells.items() if cell and not re.search(r"[\u4e00-\u9fff]", cell)}
        assert english == {}, notebook


def test_model_notes_after_glossary_texts_are_translated_separately():
    # The note a model appends to a glossary text is its own catalogue entry, which _repr_html_'s split looks up.
    table = i18n.catalogue("zh")
    for model in registered_notebooks().values():
        for name, field in model.model_fields.items():
            glossary = PARAMETER_NAMES.get(name, "")
            description = field.description or ""
            if glossary and description.startswith(glossary) and description != glossary:
                note = description[len(glossary):].lstrip("; ")
                assert note in table, (model.__name__, name, note)
