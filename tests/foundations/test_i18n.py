"""The interface language: catalogues complete, one translation per text, formatting per locale."""

from __future__ import annotations

from datetime import date

import pytest

from workbench import i18n
from workbench.errors import ParameterError


def test_every_marked_text_has_a_chinese_translation_and_none_is_unused():
    """The catalogue check ``workbench i18n check`` runs: a new `_()` text without a zh entry fails here."""
    missing = i18n.missing_translations("zh")
    assert not missing, "no zh translation for:\n" + "\n".join(
        f"  {where[0]}: {text[:80]!r}" for text, where in sorted(missing.items())[:40])
    assert i18n.obsolete_translations("zh") == []


def test_kpi_names_follow_chinese_contact_centre_terms():
    expected = {"service_level": "服务水平", "abandonment_rate": "放弃率", "answer_rate": "接通率",
                "asa_seconds": "平均应答速度（秒）", "aht_seconds": "平均处理时长（秒）", "fcr_rate": "一次解决率（无重复来电）",
                "occupancy": "占用率"}
    for column, label in expected.items():
        assert i18n.column_label(column, "zh") == label
        assert i18n.column_label(column, "en") != label
    assert i18n.column_label("queue_names_are_data", "zh") == "queue_names_are_data"


def test_labelled_columns_keep_the_frame_and_data():
    import pandas as pd

    frame = pd.DataFrame({"queue_id": ["billing_zh"], "service_level": [0.8]})
    labelled = i18n.labelled_columns(frame, "zh")
    assert list(labelled.columns) == ["队列", "服务水平"]
    assert labelled.iloc[0, 0] == "billing_zh"  # data is never translated
    assert list(frame.columns) == ["queue_id", "service_level"]  # the input is untouched


def test_language_choice_order(monkeypatch, tmp_path):
    monkeypatch.setenv("WORKBENCH_PARAMETERS_DIR", str(tmp_path))
    monkeypatch.delenv(i18n.LANGUAGE_ENV, raising=False)
    assert i18n.default_language() == "en"  # no centre settings: the source language
    (tmp_path / "centre.yaml").write_text("interface_language: zh-CN\n", encoding="utf-8")
    assert i18n.default_language() == "zh"
    monkeypatch.setenv(i18n.LANGUAGE_ENV, "en")
    assert i18n.default_language() == "en"
    with i18n.using_language("zh"):
        assert i18n._("Service level") == "服务水平"
    assert i18n._("Service level") == "Service level"


def test_bad_centre_settings_name_the_file_and_field(monkeypatch, tmp_path):
    monkeypatch.setenv("WORKBENCH_PARAMETERS_DIR", str(tmp_path))
    monkeypatch.delenv(i18n.LANGUAGE_ENV, raising=False)
    (tmp_path / "centre.yaml").write_text("interface_language: fr\n", encoding="utf-8")
    with pytest.raises(ParameterError) as caught:
        i18n.default_language()
    assert "centre.yaml" in str(caught.value) and "interface_language" in str(caught.value)
    (tmp_path / "centre.yaml").write_text("interface_langauge: zh\n", encoding="utf-8")
    with pytest.raises(ParameterError, match="interface_langauge"):
        i18n.centre_settings()


def test_one_text_translated_two_ways_is_refused(monkeypatch, tmp_path):
    folder = tmp_path / "zh" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    for name, text in (("a.po", "服务水平"), ("b.po", "服务等级")):
        (folder / name).write_text(f'msgid "Service level"\nmsgstr "{text}"\n', encoding="utf-8")
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)
    i18n.catalogue.cache_clear()
    try:
        with pytest.raises(ParameterError, match="b.po"):
            i18n.catalogue("zh")
    finally:
        monkeypatch.undo()
        i18n.catalogue.cache_clear()


def test_untranslated_source_text_on_a_chinese_page_is_found():
    page = "<h2>服务水平</h2><p>Calls with no wait recorded: 3</p><td>north</td>"
    assert i18n.untranslated_texts(page, "zh") == ["Calls with no wait recorded"]
    assert i18n.untranslated_texts("<h2>服务水平</h2><td>Queue</td>", "zh") == []  # one short word may be data
    assert i18n.untranslated_texts(page, "en") == []


def test_markdown_is_translated_block_by_block_and_headings_stay_headings(monkeypatch):
    monkeypatch.setattr(i18n, "catalogue", lambda language: {"Service level": "服务水平", "Calls offered": "呼入量"})
    text = "## Service level\nCalls offered\n\nUnknown block stays"
    assert i18n.markdown_blocks(text) == ["Service level", "Calls offered", "Unknown block stays"]
    assert i18n.translate_markdown(text, "zh") == "## 服务水平\n呼入量\n\nUnknown block stays"
    assert i18n.translate_markdown(text, "en") == text


def test_numbers_dates_and_durations_follow_the_language():
    assert i18n.format_date(date(2026, 3, 1), "zh") == "2026年3月1日"
    assert i18n.format_date(date(2026, 3, 1), "en") == "1 Mar 2026"
    assert i18n.format_date("2026-03-01", "zh", with_weekday=True) == "周日 2026年3月1日"
    assert i18n.format_duration(125, "zh") == "2分05秒"
    assert i18n.format_duration(125, "en") == "2 min 05 s"
    assert i18n.format_duration(3720, "zh") == "1小时02分"
    assert i18n.format_percent(0.8534, 1, "zh") == "85.3%"
    assert i18n.format_number(12345.678, 1, "en") == "12,345.7"
    assert i18n.format_number(float("nan")) == i18n.MISSING
    assert i18n.format_percent(None) == i18n.MISSING


def test_parameters_accept_the_interface_language_and_refuse_others():
    from workbench.params import validate_parameters

    assert validate_parameters("kpi_overview", {"interface_language": "zh_CN"}).interface_language == "zh"
    assert validate_parameters("operations", {}).interface_language is None
    with pytest.raises(ParameterError, match="interface_language"):
        validate_parameters("kpi_overview", {"interface_language": "fr"})


def test_people_table_formats_by_column_and_keeps_data():
    import pandas as pd

    frame = pd.DataFrame({
        "queue_id": ["billing_zh", None], "service_level": [0.8534, None], "offered": [12345.0, 7.0],
        "aht_seconds": [312.44, 5.0], "is_new": [True, False], "model": ["logistic", "other"],
        "week_start": pd.to_datetime(["2026-03-02", "2026-03-09"]), "issue": ["a; b", "c"],
    })
    shown = i18n.people_table(
        frame, "zh", percent={"service_level"}, whole={"offered"}, decimals={"aht_seconds": 2},
        dates={"week_start"}, words={"logistic": "Satisfaction (CSAT)"},
        special={"issue": lambda value, language: value.upper()})
    assert list(shown.columns[:4]) == ["队列", "服务水平", "呼入量", "平均处理时长（秒）"]
    row = shown.iloc[0].tolist()
    assert row[:4] == ["billing_zh", "85.3%", "12,345", "312.44"]
    assert row[4] == i18n.gettext(i18n.YES, "zh") and shown.iloc[1, 4] == i18n.gettext(i18n.NO, "zh")
    assert row[5] == "满意度（CSAT）" and shown.iloc[1, 5] == "other"  # words translated, other text is data
    assert row[6] == "2026年3月2日" and row[7] == "A; B"
    assert shown.iloc[1, :2].tolist() == ["", ""]  # missing values show empty
    assert frame.loc[0, "service_level"] == 0.8534  # the input is untouched
    percent_by_rule = i18n.people_table(frame[["service_level"]], "en", percent=lambda c: c.endswith("_level"))
    assert percent_by_rule.iloc[0, 0] == "85.3%"


def test_people_table_keeps_missing_empty_before_column_rules_and_as_is_untouched():
    import numpy as np
    import pandas as pd

    frame = pd.DataFrame({
        "model": ["prophet", None], "vip": [True, None], "week_start": ["2026-03-02", pd.NaT],
        "is_new": pd.array([True, None], dtype="boolean"), "picked": pd.Series([np.bool_(False), "x"], dtype=object),
        "rows": pd.array([12345, None], dtype="Int64"),
    })
    calls = []
    shown = i18n.people_table(
        frame, "en", whole={"rows"}, dates={"week_start"}, as_is={"vip"}, words={"prophet": "Satisfaction (CSAT)"},
        special={"model": lambda value, language: calls.append(value) or value.upper()})
    assert calls == ["prophet"]  # a special column function never sees a missing value
    assert shown.iloc[0].tolist() == ["PROPHET", True, "2 Mar 2026", "yes", "no", "12,345"]  # as_is keeps True
    assert shown.iloc[1].tolist() == ["", "", "", "", "x", ""]


def test_every_kpi_column_has_a_heading_people_read_in_both_languages():
    """A saved KPI table's workbook sheet once showed transfer_rate, fcr_calls, ... as raw names in Chinese."""
    from workbench.interval_kpis import INTERVAL_KPI_COLUMNS
    from workbench.kpis import KPI_COLUMNS

    assert [c for c in (*KPI_COLUMNS, *INTERVAL_KPI_COLUMNS) if c not in i18n.COLUMN_LABELS] == []
    for column in KPI_COLUMNS:
        assert i18n.column_label(column, "zh") != column
        assert not any("\u4e00" <= ch <= "\u9fff" for ch in i18n.column_label(column, "en"))
