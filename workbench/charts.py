"""Altair chart builders that work with no network, in the reader's language.

Builders take small, already aggregated DataFrames (Altair refuses more than
5,000 rows; aggregate first, e.g. with :mod:`workbench.sample.reading`) and
return an Altair chart (``alt.Chart``, or a layered/concatenated one); they
never display it. :func:`enable_offline_rendering`
picks a renderer that needs no CDN, under Papermill, nbconvert HTML and Voilà.

Language: titles, axis, legend and tooltip titles are translated when a
builder runs (:func:`workbench.i18n._`), in :func:`workbench.i18n.current_language`.
Words of the product shown as values (speaker, outcome, language line,
forecast/actual ...) get a translated label column beside the data column,
which keeps its value; data (queue ids, topic labels, transcripts) is never
translated. The language's Vega locale (Chinese month and day names, 上午/下午)
and a font that draws Chinese (:func:`chart_config`) reach every renderer two
ways: the ``workbench`` Altair theme, enabled by every builder, adds them to
each top-level spec (``to_dict``, Altair's renderers and ``save``,
``altair.JupyterChart``), and :func:`to_svg`, :func:`to_png` and
:func:`to_pdf` add them to the spec they render whatever theme is active.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from workbench import i18n
from workbench.errors import InputDataError
from workbench.glossary import require_columns
from workbench.i18n import N_, _, format_text

if TYPE_CHECKING:
    import altair as alt
    import pandas as pd

MAX_CHART_ROWS = 5000
OFFLINE_KINDS = ("svg", "png", "html")
LANGUAGE_COLORS = {"domain": ["zh", "en"], "range": ["#c0392b", "#2c6fbb"]}
# Where Debian's fonts-noto-cjk (installed by `make setup`) and other CJK fonts live;
# WORKBENCH_FONT_DIRS (os.pathsep-separated) adds folders, e.g. on another system.
CJK_FONT_DIRS = ("/usr/share/fonts/opentype/noto", "/usr/share/fonts/truetype/noto",
                 "/usr/share/fonts/opentype/noto-cjk", "/usr/share/fonts/truetype/wqy")  # fmt: skip
_registered_font_dirs: list[str] | None = None

# Left to itself vl-convert draws Latin text in Liberation Sans and falls back, per
# character, to the first font with the glyph: Noto *Serif* CJK *JP* (Japanese glyph
# forms). Naming a Simplified Chinese sans first draws all text, Chinese data in an
# English chart too, in one face; unknown families are skipped, and the list must end
# in a generic family (a lone unknown family draws no text at all).
CHART_FONT = "Noto Sans CJK SC, Source Han Sans SC, Noto Sans SC, WenQuanYi Micro Hei, sans-serif"
# d3-format / d3-time-format definitions (Vega's config.locale) per interface language;
# English uses Vega's built-in en-US. Short months are 1月 (d3's zh-CN repeats 一月).
NUMBER_LOCALES: dict[str, dict[str, Any]] = {
    "zh": {"decimal": ".", "thousands": ",", "grouping": [3], "currency": ["¥", ""]},
}
TIME_LOCALES: dict[str, dict[str, Any]] = {
    "zh": {
        "dateTime": "%x %A %X",
        "date": "%Y年%-m月%-d日",
        "time": "%H:%M:%S",
        "periods": ["上午", "下午"],
        "days": ["星期日", "星期一", "星期二", "星期三", "星期四", "星期五", "星期六"],
        "shortDays": ["周日", "周一", "周二", "周三", "周四", "周五", "周六"],
        "months": ["一月", "二月", "三月", "四月", "五月", "六月",
                   "七月", "八月", "九月", "十月", "十一月", "十二月"],
        "shortMonths": [f"{month}月" for month in range(1, 13)],
    },
}
# Day-level time labels and tooltips, and the multi-scale labels of a raw time axis
# (Vega's default mixes "%b %d" and "%I %p": 1月 05, 08 上午).
DATE_FORMATS = {"zh": "%Y年%-m月%-d日"}
DAY_AXIS_FORMATS = {"zh": "%-m月%-d日"}
# A day axis never ticks inside a day: with two or three days Vega would label noon too ("1月5日" twice).
DAY_TICKS = {"interval": "day", "step": 1}
TIME_AXIS_FORMATS: dict[str, dict[str, str]] = {
    "zh": {"year": "%Y年", "quarter": "%-m月", "month": "%-m月", "week": "%-m月%-d日", "date": "%-m月%-d日",
           "hours": "%H:%M", "minutes": "%H:%M", "seconds": "%H:%M:%S", "milliseconds": "%S.%L"},
}  # fmt: skip
THEME = "workbench"
_base_theme: Any = None

#: Words of the product shown as values; the data keeps the code, the chart shows the word
#: (in English the code itself where it always was one: answered, agent, forecast ...).
LANGUAGE_LABELS: dict[str, str] = {"zh": N_("Chinese"), "en": N_("English")}
OUTCOME_LABELS: dict[str, str] = {"answered": N_("answered"), "abandoned": N_("abandoned")}
SPEAKER_LABELS: dict[str, str] = {"agent": N_("agent"), "customer": N_("customer"), "unknown": N_("unknown")}
SERIES_LABELS: dict[str, str] = {"actual": N_("actual"), "forecast": N_("forecast")}
PLAN_LABELS: dict[str, str] = {"baseline": N_("stored plan"), "what_if": N_("what-if")}
TOPIC_STATUS_LABELS: dict[str, str] = {"known": N_("known"), "new": N_("new")}
FLAG_LABELS: dict[bool, str] = {True: N_("yes"), False: N_("no")}
#: Staffing measures :func:`staffing_heatmap` knows by name; others show their column label.
STAFFING_MEASURES: dict[str, str] = {
    "raw_agents": N_("Agents required"),
    "scheduled_agents": N_("Scheduled agents"),
    "what_if_required_agents": N_("Agents required (what-if)"),
    "calls": N_("Calls"),
}


# --------------------------------------------------------------------------- language of charts
def chart_config(language: str | None = None) -> dict[str, Any]:
    """The Vega-Lite ``config`` a chart in ``language`` (None: the current one) is rendered with.

    ``font``: a Simplified Chinese sans first (see :data:`CHART_FONT`);
    for Chinese also ``locale`` (d3 number and time locale: 一月, 周一,
    上午/下午) and ``timeFormat`` (``2026年1月5日`` in tooltips).
    """
    chosen = i18n.resolve(language)
    config: dict[str, Any] = {"font": CHART_FONT}
    if chosen in TIME_LOCALES:
        config["locale"] = {"number": dict(NUMBER_LOCALES[chosen]), "time": dict(TIME_LOCALES[chosen])}
        config["timeFormat"] = DATE_FORMATS[chosen]
    return config


def localised_spec(chart: alt.TopLevelMixin, language: str | None = None) -> dict[str, Any]:
    """``chart.to_dict()`` with :func:`chart_config` added (the chart's own config wins)."""
    spec = chart.to_dict()
    config = spec.setdefault("config", {})
    for key, value in chart_config(language).items():
        config.setdefault(key, value)
    return spec


def _theme() -> dict[str, Any]:
    """The ``workbench`` theme: the theme it replaced, plus :func:`chart_config` of the language now."""
    base = dict(_base_theme() or {}) if _base_theme is not None else {}
    base["config"] = {**chart_config(), **base.get("config", {})}
    return base


def enable_chart_language() -> None:
    """Make every top-level chart spec carry :func:`chart_config` (an Altair theme wrapping the active one).

    The theme is read each time a spec is made, so a chart follows the
    language current when it is displayed. Builders call this, so charts shown
    by any route (a renderer, ``save``, ``altair.JupyterChart``) get it.
    """
    import altair as alt

    global _base_theme
    if alt.theme.active == THEME:
        return
    _base_theme = alt.theme.get()
    if THEME not in alt.theme.names():
        alt.theme.register(THEME, enable=False)(_theme)
    alt.theme.enable(THEME)


def _labels(values: pd.Series, labels: Mapping[Any, str]) -> pd.Series:
    """Each value's word from ``labels`` translated now; values not listed shown as they are, missing ones missing."""
    words = {code: _(text) for code, text in labels.items()}

    def word(value: Any) -> Any:
        if value is None or (not isinstance(value, str) and value != value):  # None, NaN
            return value
        return words.get(value, value if isinstance(value, str) else str(value))

    return values.map(word)


def _domain(labels: Mapping[Any, str], codes: Iterable[Any]) -> list[str]:
    """The translated words of ``codes`` in order (a colour scale's domain over a label column)."""
    return [_(labels[code]) for code in codes]


def _format(formats: Mapping[str, Any]) -> Any:
    """The current language's entry of ``formats``, or Undefined (Vega's default) when it has none."""
    import altair as alt

    return formats.get(i18n.current_language(), alt.Undefined)


def register_chart_fonts() -> list[str]:
    """Give the offline renderer (vl-convert) the CJK fonts; return the folders registered.

    vl-convert draws PNG/PDF text with its own font database: without a CJK
    font every Chinese character becomes the same empty box. It reads the
    system fonts, but registering the folders explicitly also covers fonts
    kept elsewhere (``WORKBENCH_FONT_DIRS``). Done once per process.
    """
    global _registered_font_dirs
    if _registered_font_dirs is not None:
        return list(_registered_font_dirs)
    import os
    from pathlib import Path

    import vl_convert as vlc

    extra = [d for d in os.environ.get("WORKBENCH_FONT_DIRS", "").split(os.pathsep) if d]
    folders = [d for d in (*extra, *CJK_FONT_DIRS) if Path(d).is_dir()]
    for folder in folders:
        vlc.register_font_directory(folder)
    _registered_font_dirs = folders
    return list(folders)


# Characters XML cannot hold: vl-convert aborts the whole process (a Rust panic that
# cannot unwind) on one of them in a label, so a hostile queue name would kill a kernel.
_NON_XML = "[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]"


def xml_safe_text(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells hold no character XML forbids (each becomes U+FFFD)."""
    text_columns = [c for c in frame.columns if frame[c].dtype == object or str(frame[c].dtype) == "string"]
    if not text_columns:
        return frame
    cleaned = frame.copy()
    for column in text_columns:
        values = cleaned[column]
        is_text = values.map(lambda v: isinstance(v, str))
        cleaned[column] = values.where(~is_text, values.astype(str).str.replace(_NON_XML, "\ufffd", regex=True))
    return cleaned


def _safe_data_transformer(data=None, max_rows: int = MAX_CHART_ROWS):
    from altair.vegalite.data import default_data_transformer

    if data is None:
        return lambda frame: _safe_data_transformer(frame, max_rows=max_rows)
    import pandas as pd

    if isinstance(data, pd.DataFrame):
        data = xml_safe_text(data)
    return default_data_transformer(data, max_rows=max_rows)


def enable_safe_chart_data() -> None:
    """Make every chart's data pass :func:`xml_safe_text` on its way to the renderer (once per process)."""
    import altair as alt

    if "workbench" not in alt.data_transformers.names():
        alt.data_transformers.register("workbench", _safe_data_transformer)
    if alt.data_transformers.active == "default":
        alt.data_transformers.enable("workbench")


def to_png(chart: alt.TopLevelMixin, scale: float = 1.0) -> bytes:
    """Render a chart to PNG bytes offline, in the current language, Chinese text drawn with a CJK font."""
    import vl_convert as vlc

    register_chart_fonts()
    enable_safe_chart_data()
    return vlc.vegalite_to_png(localised_spec(chart), scale=scale)


def to_svg(chart: alt.TopLevelMixin) -> str:
    """Render a chart to an SVG string offline, in the current language (text stays text: the viewer draws it)."""
    import vl_convert as vlc

    register_chart_fonts()  # text is measured for layout with these fonts
    enable_safe_chart_data()
    return vlc.vegalite_to_svg(localised_spec(chart))


def to_pdf(chart: alt.TopLevelMixin, scale: float = 1.0) -> bytes:
    """Render a chart to PDF bytes offline, in the current language, its fonts (a CJK one for Chinese) embedded."""
    import vl_convert as vlc

    register_chart_fonts()
    enable_safe_chart_data()
    return vlc.vegalite_to_pdf(localised_spec(chart), scale=scale)


def enable_offline_rendering(kind: str = "svg") -> str:
    """Make Altair display charts without any network request; return the renderer's name.

    ``svg`` / ``png`` draw static images with vl-convert (work everywhere,
    including inside ``ipywidgets.Output``); ``html`` inlines Vega into each
    output (~0.9 MB a chart) and stays interactive offline. Altair's default
    renderer loads Vega from a CDN and the ``mimetype`` one breaks Papermill.
    Charts are drawn in the current language (:func:`enable_chart_language`).
    """
    import altair as alt

    if kind not in OFFLINE_KINDS:
        raise ValueError(f"kind must be one of {OFFLINE_KINDS}, got {kind!r}")
    enable_safe_chart_data()
    enable_chart_language()
    register_chart_fonts()
    if kind == "html":
        alt.renderers.enable("html", template="inline")
    else:
        alt.renderers.enable(kind)
    return kind


def _check(df: pd.DataFrame, columns: Iterable[str], chart: str) -> None:
    """The column contract (:func:`workbench.glossary.require_columns`) and Altair's row limit.

    Every builder calls it first, so it also enables the language theme
    (:func:`enable_chart_language`): a built chart shown by any route carries the locale.
    """
    require_columns(df, columns, chart)
    if len(df) > MAX_CHART_ROWS:
        raise InputDataError(
            f"{chart} got {len(df)} rows, more than Altair's {MAX_CHART_ROWS}: aggregate before charting"
        )
    enable_chart_language()


def _with_language_label(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with ``language_label``: the language line as a word (``zh`` -> 中文 / Chinese)."""
    return frame.assign(language_label=_labels(frame["language"], LANGUAGE_LABELS))


def _language_color(alt_module):
    """Colour by language line (needs ``language_label``), zh red and en blue as before."""
    return alt_module.Color("language_label:N", title=_("Language"),
                            scale=alt_module.Scale(domain=_domain(LANGUAGE_LABELS, LANGUAGE_COLORS["domain"]),
                                                   range=LANGUAGE_COLORS["range"]))


def _language_tip(alt_module):
    return alt_module.Tooltip("language_label:N", title=_("Language"))


def daily_volume(daily: pd.DataFrame, *, width: int = 640, height: int = 220) -> alt.Chart:
    """Stacked bars of calls offered per day and language.

    Needs columns ``date, language, calls``.
    """
    import altair as alt

    _check(daily, ["date", "language", "calls"], "daily_volume")
    data = _with_language_label(daily.assign(date=daily["date"].astype(str)))
    return (
        alt.Chart(data, title=_("Calls offered per day"))
        .mark_bar()
        .encode(
            x=alt.X("date:T", title=_("Day"), timeUnit="yearmonthdate",
                    axis=alt.Axis(format=_format(DAY_AXIS_FORMATS), tickCount=DAY_TICKS)),
            y=alt.Y("calls:Q", title=_("Calls offered"), stack="zero"),
            color=_language_color(alt),
            tooltip=[alt.Tooltip("date:N", title=_("Day")), _language_tip(alt),
                     alt.Tooltip("calls:Q", title=_("Calls offered"))],
        )
        .properties(width=width, height=height)
    )


def _time_of_day(profile: pd.DataFrame) -> pd.DataFrame:
    """``profile`` without ``interval_start``, plus ``time`` (its time of day on one fixed day, for the
    axis) and ``interval`` (``"HH:MM"``, for tooltips)."""
    import pandas as pd

    starts = pd.to_datetime(profile["interval_start"].astype(str))
    return profile.drop(columns="interval_start").assign(
        time=pd.Timestamp("2000-01-01") + (starts - starts.dt.normalize()), interval=starts.dt.strftime("%H:%M"))


def calls_by_interval(
    profile: pd.DataFrame, interval_minutes: int, *, width: int = 640, height: int = 220
) -> alt.Chart:
    """Intraday profile: mean calls offered per interval of the day, one line per language.

    Needs columns ``interval_start`` (timestamps, only their time of day is
    used, as :func:`workbench.sample.reading.interval_profile` gives),
    ``language``, ``calls_per_day``.
    """
    import altair as alt

    _check(profile, ["interval_start", "language", "calls_per_day"], "calls_by_interval")
    data = _with_language_label(_time_of_day(profile))
    title = format_text("Intraday profile: mean calls offered per {minutes}-minute interval", minutes=interval_minutes)
    return (
        alt.Chart(data, title=title)
        .mark_line(point=True, interpolate="step-after")
        .encode(
            x=alt.X("time:T", title=_("Time of day"), axis=alt.Axis(format="%H:%M")),
            y=alt.Y("calls_per_day:Q", title=_("Calls per interval (mean over days)")),
            color=_language_color(alt),
            tooltip=[alt.Tooltip("interval:N", title=_("Interval start")), _language_tip(alt),
                     alt.Tooltip("calls_per_day:Q", title=_("Calls per interval (mean over days)"), format=".1f")],
        )
        .properties(width=width, height=height)
    )


def queue_comparison(summary: pd.DataFrame, *, width: int = 300, height: int = 180) -> alt.HConcatChart:
    """Calls offered and abandonment rate per queue, bars side by side per language.

    Needs columns ``queue, language, offered, abandon_rate``.
    """
    import altair as alt

    _check(summary, ["queue", "language", "offered", "abandon_rate"], "queue_comparison")
    base = alt.Chart(_with_language_label(summary)).encode(
        y=alt.Y("queue:N", title=None),
        yOffset="language:N",
        color=_language_color(alt),
        tooltip=[alt.Tooltip("queue:N", title=_("Queue")), _language_tip(alt),
                 alt.Tooltip("offered:Q", title=_("Calls offered")),
                 alt.Tooltip("abandon_rate:Q", title=_("Abandonment rate"), format=".1%")],
    )
    offered = base.mark_bar().encode(x=alt.X("offered:Q", title=_("Calls offered"))).properties(
        title=_("Calls offered per queue"), width=width, height=height
    )
    abandoned = base.mark_bar().encode(
        x=alt.X("abandon_rate:Q", title=_("Abandoned share"), axis=alt.Axis(format="%"))
    ).properties(title=_("Abandonment per queue"), width=width, height=height)
    return alt.hconcat(offered, abandoned)


def service_level_by_interval(
    profile: pd.DataFrame, target: float, target_answer_seconds: int, *, width: int = 640, height: int = 200
) -> alt.LayerChart:
    """Share of calls answered within ``target_answer_seconds`` per interval of the day, with the target as a rule.

    Needs columns ``interval_start`` (timestamps, only their time of day is
    used), ``language``, ``service_level``.
    """
    import altair as alt
    import pandas as pd

    _check(profile, ["interval_start", "language", "service_level"], "service_level_by_interval")
    data = _with_language_label(_time_of_day(profile))
    lines = (
        alt.Chart(data)
        .mark_line(point=True)
        .encode(
            x=alt.X("time:T", title=_("Time of day"), axis=alt.Axis(format="%H:%M")),
            y=alt.Y(
                "service_level:Q",
                title=format_text("Answered within {seconds} s", seconds=target_answer_seconds),
                axis=alt.Axis(format="%"),
                scale=alt.Scale(domain=[0, 1]),
            ),
            color=_language_color(alt),
            tooltip=[alt.Tooltip("interval:N", title=_("Interval start")), _language_tip(alt),
                     alt.Tooltip("service_level:Q", title=_("Service level"), format=".1%")],
        )
    )
    rule = alt.Chart(pd.DataFrame({"target": [target]})).mark_rule(strokeDash=[4, 4], color="black").encode(
        y="target:Q"
    )
    return (lines + rule).properties(
        title=format_text("Service level per interval (target {target} within {seconds} s)",
                          target=i18n.format_percent(target, 0), seconds=target_answer_seconds),
        width=width,
        height=height,
    )


def wait_distribution(waits: pd.DataFrame, *, width: int = 640, height: int = 200) -> alt.Chart:
    """Histogram of waits, answered and abandoned calls stacked.

    Needs columns ``wait_bin_seconds`` (lower bin edge), ``outcome``, ``calls``.
    """
    import altair as alt

    _check(waits, ["wait_bin_seconds", "outcome", "calls"], "wait_distribution")
    data = waits.assign(outcome_label=_labels(waits["outcome"], OUTCOME_LABELS))
    return (
        alt.Chart(data, title=_("Calls that waited: time in queue before answer or abandon (last bin: and longer)"))
        .mark_bar()
        .encode(
            x=alt.X("wait_bin_seconds:O", title=_("Wait (seconds, bin start)")),
            y=alt.Y("calls:Q", title=_("Calls"), stack="zero"),
            color=alt.Color("outcome_label:N", title=_("Outcome")),
            tooltip=[alt.Tooltip("wait_bin_seconds:O", title=_("Wait (seconds, bin start)")),
                     alt.Tooltip("outcome_label:N", title=_("Outcome")), alt.Tooltip("calls:Q", title=_("Calls"))],
        )
        .properties(width=width, height=height)
    )


def csat_distribution(csat: pd.DataFrame, *, width: int = 300, height: int = 200) -> alt.Chart:
    """Share of survey responses per CSAT score (1-5), side by side per language.

    Needs columns ``csat, language, share``.
    """
    import altair as alt

    _check(csat, ["csat", "language", "share"], "csat_distribution")
    return (
        alt.Chart(_with_language_label(csat), title=_("CSAT distribution (share of responses)"))
        .mark_bar()
        .encode(
            x=alt.X("csat:O", title=_("CSAT (1 worst, 5 best)")),
            xOffset="language:N",
            y=alt.Y("share:Q", title=_("Share of responses"), axis=alt.Axis(format="%")),
            color=_language_color(alt),
            tooltip=[alt.Tooltip("csat:O", title=_("Satisfaction (CSAT)")), _language_tip(alt),
                     alt.Tooltip("share:Q", title=_("Share of responses"), format=".1%")],
        )
        .properties(width=width, height=height)
    )


def kpi_queue_comparison(kpis: pd.DataFrame, *, width: int = 260, height: int = 200) -> alt.HConcatChart:
    """Calls offered, service level and abandonment rate per queue, three bar panels side by side.

    Needs columns ``queue_id, offered, service_level, abandonment_rate`` (one row per queue,
    e.g. ``compute_kpis(store, by=["queue"])``).
    """
    import altair as alt

    _check(kpis, ["queue_id", "offered", "service_level", "abandonment_rate"], "kpi_queue_comparison")
    base = alt.Chart(kpis).encode(
        y=alt.Y("queue_id:N", title=None),
        tooltip=[
            alt.Tooltip("queue_id:N", title=_("Queue")),
            alt.Tooltip("offered:Q", title=_("Calls offered")),
            alt.Tooltip("service_level:Q", title=_("Service level"), format=".1%"),
            alt.Tooltip("abandonment_rate:Q", title=_("Abandonment rate"), format=".1%"),
        ],
    )
    offered = base.mark_bar(color="#4c78a8").encode(x=alt.X("offered:Q", title=_("Calls offered")))
    service = base.mark_bar(color="#54a24b").encode(
        x=alt.X("service_level:Q", title=_("Service level"), axis=alt.Axis(format="%"),
                scale=alt.Scale(domain=[0, 1]))
    )
    abandon = base.mark_bar(color="#e45756").encode(
        x=alt.X("abandonment_rate:Q", title=_("Abandonment rate"), axis=alt.Axis(format="%"))
    )
    return alt.hconcat(
        offered.properties(title=_("Calls offered"), width=width, height=height),
        service.properties(title=_("Service level"), width=width, height=height),
        abandon.properties(title=_("Abandonment rate"), width=width, height=height),
    )


def daily_kpi_trend(
    daily: pd.DataFrame,
    target_answer_seconds: float,
    *,
    width: int = 640,
    height: int = 160,
    pick: str | None = None,
) -> alt.VConcatChart:
    """Calls offered per day (bars) above service level per day (line), sharing the day axis.

    Needs columns ``day, offered, service_level`` (e.g. ``compute_kpis(store, by=["day"])``).

    Args:
        daily: one row per day.
        target_answer_seconds: the threshold T named in the title.
        width: chart width in pixels.
        height: height of each panel in pixels.
        pick: name of a click selection on the bars, holding the clicked day
            as ``day_key`` (``YYYY-MM-DD``); the picked bar stays opaque, the
            rest fade. None: a static chart.
    """
    import altair as alt
    import pandas as pd

    _check(daily, ["day", "offered", "service_level"], "daily_kpi_trend")
    data = daily[["day", "offered", "service_level"]].assign(day=daily["day"].astype(str))
    # A string copy of the day: the temporal field is parsed to a timestamp in the browser.
    data["day_key"] = pd.to_datetime(data["day"]).dt.strftime("%Y-%m-%d")
    x = alt.X("day:T", title=_("Day"), timeUnit="yearmonthdate", axis=alt.Axis(format=_format(DAY_AXIS_FORMATS), tickCount=DAY_TICKS))
    tooltip = [alt.Tooltip("day:T", title=_("Day")), alt.Tooltip("offered:Q", title=_("Calls offered")),
               alt.Tooltip("service_level:Q", title=_("Service level"), format=".1%")]
    offered = (
        alt.Chart(data, title=_("Calls offered per day (click a day to drill down)") if pick
                  else _("Calls offered per day"))
        .mark_bar(color="#4c78a8", cursor="pointer" if pick else "default")
        .encode(x=x, y=alt.Y("offered:Q", title=_("Calls offered")), tooltip=tooltip)
        .properties(width=width, height=height)
    )
    if pick:
        selection = alt.selection_point(name=pick, fields=["day_key"], on="click", clear="dblclick")
        offered = offered.add_params(selection).encode(
            opacity=alt.condition(selection, alt.value(1.0), alt.value(0.45)))
    service = (
        alt.Chart(data, title=format_text("Service level per day (answered within {seconds} s)",
                                          seconds=f"{target_answer_seconds:g}"))
        .mark_line(point=True, color="#54a24b")
        .encode(
            x=x,
            y=alt.Y("service_level:Q", title=_("Service level"), axis=alt.Axis(format="%"),
                    scale=alt.Scale(domain=[0, 1])),
            tooltip=tooltip,
        )
        .properties(width=width, height=height)
    )
    return alt.vconcat(offered, service)


#: Heatmap measure -> its name (a catalogue text: translate with ``_`` where shown).
HEATMAP_MEASURES = {"service_level": N_("Service level"), "offered": N_("Calls offered"),
                    "abandonment_rate": N_("Abandonment rate")}  # fmt: skip


def _per_interval_and_day(measure_label: str, pick: bool) -> str:
    """A heatmap's title: ``<measure> per interval and day``, with the drill-down hint when clickable."""
    if pick:
        return format_text("{measure} per interval and day (click a cell to drill down)", measure=measure_label)
    return format_text("{measure} per interval and day", measure=measure_label)


def interval_heatmap(
    kpis: pd.DataFrame,
    measure: str = "service_level",
    *,
    width: int = 720,
    height: int | None = None,
    pick: str | None = None,
) -> alt.Chart:
    """Day x time-of-day heatmap (rect marks) of one KPI per interval.

    Needs columns ``interval_start`` (timestamp of the interval start, e.g.
    ``compute_kpis(store, by=["interval"])``) and ``measure``, one of
    ``service_level``, ``offered`` or ``abandonment_rate``.

    Args:
        kpis: one row per interval.
        measure: the KPI coloured.
        width: chart width in pixels.
        height: chart height in pixels; None: 12 per day.
        pick: name of a click selection of one cell, holding ``day``
            (``YYYY-MM-DD``) and ``time`` (``HH:MM``); the rest of the grid
            fades. None: a static chart.
    """
    import altair as alt
    import pandas as pd

    if measure not in HEATMAP_MEASURES:
        raise ValueError(f"measure must be one of {list(HEATMAP_MEASURES)}, got {measure!r}")
    _check(kpis, ["interval_start", measure], "interval_heatmap")
    starts = pd.to_datetime(kpis["interval_start"])
    data = pd.DataFrame(
        {"day": starts.dt.strftime("%Y-%m-%d"), "time": starts.dt.strftime("%H:%M"), measure: kpis[measure].to_numpy()}
    )
    is_rate = measure != "offered"
    scale = (
        alt.Scale(scheme="redyellowgreen", domain=[0, 1]) if measure == "service_level"
        else alt.Scale(scheme="reds", domain=[0, 1]) if is_rate
        else alt.Scale(scheme="blues")
    )  # fmt: skip
    days = data["day"].nunique()
    label = _(HEATMAP_MEASURES[measure])
    chart = (
        alt.Chart(data, title=_per_interval_and_day(label, bool(pick)))
        .mark_rect(cursor="pointer" if pick else "default")
        .encode(
            x=alt.X("time:O", title=_("Interval start"), axis=alt.Axis(labelAngle=-90)),
            y=alt.Y("day:O", title=_("Day")),
            color=alt.Color(
                f"{measure}:Q", title=label, scale=scale,
                legend=alt.Legend(format="%") if is_rate else alt.Legend(),
            ),
            tooltip=[alt.Tooltip("day:O", title=_("Day")), alt.Tooltip("time:O", title=_("Interval start")),
                     alt.Tooltip(f"{measure}:Q", title=label, format=".1%" if is_rate else "d")],
        )
        .properties(width=width, height=height if height is not None else max(60, 12 * days))
    )
    if pick:
        selection = alt.selection_point(name=pick, fields=["day", "time"], on="click", clear="dblclick")
        chart = chart.add_params(selection).encode(opacity=alt.condition(selection, alt.value(1.0), alt.value(0.5)))
    return chart


def reject_reasons(counts: pd.DataFrame, *, width: int = 480, height: int | None = None) -> alt.Chart:
    """Rows refused at ingestion per reason code, one horizontal bar each.

    Needs columns ``reason_code, rows`` (e.g. :func:`workbench.ingest.review.reject_reason_counts`);
    ``example`` is shown in the tooltip when present.
    """
    import altair as alt

    _check(counts, ["reason_code", "rows"], "reject_reasons")
    tooltip = [alt.Tooltip("reason_code:N", title=_("Reason rejected")),
               alt.Tooltip("rows:Q", title=_("Rows rejected"))]
    if "example" in counts:
        tooltip.append(alt.Tooltip("example:N", title=_("Example")))
    return (
        alt.Chart(counts)
        .mark_bar(color="#e45756")
        .encode(
            y=alt.Y("reason_code:N", title=None, sort="-x"),
            x=alt.X("rows:Q", title=_("Rows rejected")),
            tooltip=tooltip,
        )
        .properties(title=_("Why rows were rejected"), width=width, height=height or max(60, 24 * len(counts)))
    )


SPEAKER_COLORS = {"domain": ["agent", "customer", "unknown"], "range": ["#2c6fbb", "#e67e22", "#7f8c8d"]}
#: Colours of a mono call's numbered speakers (speaker_1, speaker_2, ...) after the three roles.
SPEAKER_EXTRA_COLORS = ["#8e44ad", "#16a085", "#c0392b", "#d4ac0d"]


def dialogue_timeline(segments: pd.DataFrame, *, width: int = 640, height: int = 110) -> alt.Chart:
    """One call's turns on a time axis, a lane per speaker; the (redacted) text in the tooltip.

    Needs columns ``speaker_role, start_seconds, end_seconds, text`` (one call's
    ``transcript_segments``). Overlapping bars of the two lanes are overtalk.
    """
    import altair as alt

    _check(segments, ["speaker_role", "start_seconds", "end_seconds", "text"], "dialogue_timeline")
    data = segments[["speaker_role", "start_seconds", "end_seconds", "text"]]
    data = data.assign(speaker=speaker_words(data["speaker_role"]))
    lanes = _domain(SPEAKER_LABELS, SPEAKER_COLORS["domain"])
    lanes += sorted(set(data["speaker"]) - set(lanes))  # a mono call's numbered speakers get lanes too
    return (
        alt.Chart(data, title=_("Who spoke when"))
        .mark_bar(height=18)
        .encode(
            x=alt.X("start_seconds:Q", title=_("Seconds from the start of the recording")),
            x2="end_seconds:Q",
            y=alt.Y("speaker:N", title=None, sort=lanes),
            color=alt.Color("speaker:N", title=_("Speaker"),
                            scale=alt.Scale(domain=lanes, range=SPEAKER_COLORS["range"] + SPEAKER_EXTRA_COLORS),
                            legend=None),
            tooltip=[
                alt.Tooltip("speaker:N", title=_("Speaker")),
                alt.Tooltip("start_seconds:Q", title=_("Start (s)"), format=".1f"),
                alt.Tooltip("end_seconds:Q", title=_("End (s)"), format=".1f"),
                alt.Tooltip("text:N", title=_("What was said")),
            ],
        )
        .properties(width=width, height=height)
    )


def dialogue_table(segments: pd.DataFrame):
    """One call as a two-column dialogue (agent left, customer right), a pandas Styler rendering to escaped HTML.

    Needs columns ``speaker_role, start_seconds, end_seconds, text``. Each turn
    is a row holding its time span and its text in its speaker's column; a
    speaker other than agent or customer goes in the agent column, marked.
    Headings and the marker are in the current language; the text is as said.
    """
    import pandas as pd

    from workbench import safe_display

    _check(segments, ["speaker_role", "start_seconds", "end_seconds", "text"], "dialogue_table")
    ordered = segments.sort_values(["start_seconds", "end_seconds"], kind="stable")
    role = ordered["speaker_role"].astype(str)
    text = ordered["text"].astype(str)
    marker = speaker_words(role)
    time, agent, customer = _("time"), _("Agent"), _("Customer")
    table = pd.DataFrame(
        {
            time: [format_text("{start}–{end} s", start=f"{s:6.1f}", end=f"{e:.1f}")
                   for s, e in zip(ordered["start_seconds"], ordered["end_seconds"])],
            agent: text.where(role != "customer", "").where(role.isin(["agent", "customer"]),
                                                             "(" + marker + ") " + text),
            customer: text.where(role == "customer", ""),
        }
    )
    return (
        safe_display.table(table)  # transcript text is what callers said: escaped, never markup
        .set_properties(subset=[agent], **{"text-align": "left", "background-color": "#eaf1fb", "width": "45%"})
        .set_properties(subset=[customer], **{"text-align": "right", "background-color": "#fdf0e4", "width": "45%"})
        .set_properties(subset=[time], **{"white-space": "nowrap", "color": "#666"})
    )


def speaker_words(roles: pd.Series) -> pd.Series:
    """Speaker roles as people read them, translated: agent, customer, unknown, and a mono call's
    ``speaker_1``, ``speaker_2``, ... as "speaker 1", "speaker 2" (说话人 1) when their roles are not known."""
    words = _labels(roles, SPEAKER_LABELS)
    numbered = roles.astype(str).str.fullmatch(r"speaker_\d+")
    return words.where(~numbered, [format_text("speaker {number}", number=str(r).rsplit("_", 1)[-1])
                                   for r in roles.astype(str)])


def sentiment_trend(segments: pd.DataFrame, *, width: int = 640, height: int = 200) -> alt.LayerChart:
    """One call's sentiment turn by turn: a line per speaker over the call, -1 (negative) to 1 (positive).

    Needs columns ``speaker_role, start_seconds, end_seconds, text, sentiment_score`` (one call's
    ``transcript_segments``); uses ``agitated`` when present (agitated turns drawn larger and red).
    Turns without a score are left out. The tooltip holds the (redacted) text as data.
    """
    import altair as alt
    import pandas as pd

    _check(segments, ["speaker_role", "start_seconds", "end_seconds", "text", "sentiment_score"], "sentiment_trend")
    data = segments.dropna(subset=["sentiment_score"])
    agitated = (data["agitated"].astype("boolean").fillna(False).to_numpy(dtype=bool) if "agitated" in data.columns
                else False)
    data = data[["speaker_role", "start_seconds", "end_seconds", "text", "sentiment_score"]].assign(
        speaker=lambda f: speaker_words(f["speaker_role"]),
        agitated=_labels(pd.Series(agitated, index=data.index, dtype=bool), FLAG_LABELS)
        if len(data) else pd.Series(dtype=object),
    )
    lanes = _domain(SPEAKER_LABELS, SPEAKER_COLORS["domain"])
    lanes += sorted(set(data["speaker"]) - set(lanes))
    # The legend lists the speakers of this call only, each keeping its usual colour.
    palette = dict(zip(lanes, SPEAKER_COLORS["range"] + SPEAKER_EXTRA_COLORS))
    present = [lane for lane in lanes if lane in set(data["speaker"])]
    base = alt.Chart(data, title=_("Sentiment turn by turn"))
    x = alt.X("start_seconds:Q", title=_("Seconds from the start of the recording"))
    y = alt.Y("sentiment_score:Q", title=_("Sentiment (-1 negative, 1 positive)"), scale=alt.Scale(domain=[-1, 1]))
    colour = alt.Color("speaker:N", title=_("Speaker"),
                       scale=alt.Scale(domain=present, range=[palette[lane] for lane in present]))
    line = base.mark_line(interpolate="monotone", opacity=0.6).encode(x=x, y=y, color=colour)
    points = base.mark_point(filled=True).encode(
        x=x, y=y, color=colour,
        size=alt.condition(alt.datum.agitated == _(FLAG_LABELS[True]), alt.value(160), alt.value(50)),
        tooltip=[
            alt.Tooltip("speaker:N", title=_("Speaker")),
            alt.Tooltip("start_seconds:Q", title=_("Start (s)"), format=".1f"),
            alt.Tooltip("sentiment_score:Q", title=_("Sentiment score"), format=".2f"),
            alt.Tooltip("agitated:N", title=_("Agitated")),
            alt.Tooltip("text:N", title=_("What was said")),
        ],
    )
    zero = alt.Chart(pd.DataFrame({"zero": [0.0]})).mark_rule(color="#999", strokeDash=[4, 3]).encode(y="zero:Q")
    return alt.layer(zero, line, points).properties(width=width, height=height)


def forecast_vs_history(
    history: pd.DataFrame, forecast: pd.DataFrame, *, title: str | None = None,
    width: int = 720, height: int = 220,
) -> alt.LayerChart:
    """Recent actual volume and the forecast with its prediction band, one series.

    Needs ``history`` with columns ``ds, y`` and ``forecast`` with ``ds, yhat,
    yhat_lower, yhat_upper`` (already cut to a few weeks and summed over
    queues when several: together at most 5,000 rows). ``title``: None gives
    "Calls per interval" in the current language.
    """
    import altair as alt
    import pandas as pd

    _check(history, ["ds", "y"], "forecast_vs_history")
    _check(forecast, ["ds", "yhat", "yhat_lower", "yhat_upper"], "forecast_vs_history")
    actual = pd.DataFrame({"ds": pd.to_datetime(history["ds"]), "calls": history["y"].to_numpy(), "series": "actual"})
    predicted = pd.DataFrame({"ds": pd.to_datetime(forecast["ds"]), "calls": forecast["yhat"].to_numpy(),
                              "lower": forecast["yhat_lower"].to_numpy(), "upper": forecast["yhat_upper"].to_numpy(),
                              "series": "forecast"})
    _check(pd.concat([actual, predicted]), ["ds"], "forecast_vs_history")
    both = pd.concat([actual, predicted[["ds", "calls", "series"]]], ignore_index=True)
    both["series_label"] = _labels(both["series"], SERIES_LABELS)
    color = alt.Color("series_label:N", title=None,
                      scale=alt.Scale(domain=_domain(SERIES_LABELS, ["actual", "forecast"]),
                                      range=["#555555", "#2c6fbb"]))
    x = alt.X("ds:T", title=None, axis=alt.Axis(format=_format(TIME_AXIS_FORMATS)))
    band = alt.Chart(predicted).mark_area(opacity=0.25, color="#2c6fbb").encode(
        x=x, y=alt.Y("lower:Q", title=_("Calls")), y2="upper:Q")
    lines = alt.Chart(both).mark_line(strokeWidth=1).encode(
        x=x, y=alt.Y("calls:Q", title=_("Calls")), color=color,
        tooltip=[alt.Tooltip("ds:T", title=_("Interval start"), format="%a %Y-%m-%d %H:%M"),
                 alt.Tooltip("calls:Q", title=_("Calls")), alt.Tooltip("series_label:N", title=_("Series"))])
    return (band + lines).properties(title=_("Calls per interval") if title is None else title,
                                     width=width, height=height)


def _day_with_weekday(starts: pd.Series) -> pd.Series:
    """``Mon 2026-01-05`` / ``周一 2026-01-05``: each timestamp's day, its weekday in the current language."""
    short_days = TIME_LOCALES.get(i18n.current_language(), {}).get("shortDays")
    if not short_days:
        return starts.dt.strftime("%a %Y-%m-%d")
    weekday = ((starts.dt.dayofweek + 1) % 7).map(dict(enumerate(short_days)))  # d3's week starts on Sunday
    return weekday + " " + starts.dt.strftime("%Y-%m-%d")


def staffing_heatmap(
    requirements: pd.DataFrame, measure: str = "scheduled_agents", *, width: int = 720, height: int | None = None
) -> alt.Chart:
    """Day x time-of-day heatmap of required (or scheduled) agents.

    Needs columns ``interval_start`` and ``measure`` (``raw_agents``,
    ``scheduled_agents``, ``calls`` ...), one row per interval: sum over
    queues first (e.g. ``groupby("interval_start").sum()``).
    """
    import altair as alt
    import pandas as pd

    _check(requirements, ["interval_start", measure], "staffing_heatmap")
    starts = pd.to_datetime(requirements["interval_start"])
    data = pd.DataFrame({"day": _day_with_weekday(starts), "time": starts.dt.strftime("%H:%M"),
                         measure: requirements[measure].to_numpy(dtype=float)})
    if measure in STAFFING_MEASURES:
        label = _(STAFFING_MEASURES[measure])
    elif measure in i18n.COLUMN_LABELS:
        label = i18n.column_label(measure)
    else:
        label = measure.replace("_", " ").capitalize()
    days = data["day"].nunique()
    return (
        alt.Chart(data, title=_per_interval_and_day(label, False))
        .mark_rect()
        .encode(
            x=alt.X("time:O", title=_("Interval start"), axis=alt.Axis(labelAngle=-90)),
            y=alt.Y("day:O", title=_("Day"), sort=None),
            color=alt.Color(f"{measure}:Q", title=label, scale=alt.Scale(scheme="purples")),
            tooltip=[alt.Tooltip("day:O", title=_("Day")), alt.Tooltip("time:O", title=_("Interval start")),
                     alt.Tooltip(f"{measure}:Q", title=label, format=",.0f")],
        )
        .properties(width=width, height=height if height is not None else max(60, 14 * days))
    )


def backtest_comparison(summary: pd.DataFrame, *, width: int = 420, height: int | None = None) -> alt.Chart:
    """Mean MASE per series and model, the seasonal-naive baseline beside each model (lower is better).

    Needs columns ``unique_id, model, mase`` (e.g.
    :func:`workbench.forecast.backtest.summarise_backtest`).
    """
    import altair as alt

    _check(summary, ["unique_id", "model", "mase"], "backtest_comparison")
    series = summary["unique_id"].nunique()
    return (
        alt.Chart(summary[["unique_id", "model", "mase"]], title=_("Backtest: mean MASE (lower is better)"))
        .mark_bar()
        .encode(
            y=alt.Y("unique_id:N", title=None),
            yOffset="model:N",
            x=alt.X("mase:Q", title=_("MASE")),
            color=alt.Color("model:N", title=_("Model")),
            tooltip=[alt.Tooltip("unique_id:N", title=_("Series")), alt.Tooltip("model:N", title=_("Model")),
                     alt.Tooltip("mase:Q", title=_("MASE"), format=".3f")],
        )
        .properties(width=width, height=height if height is not None else max(60, 36 * series))
    )


# --------------------------------------------------------------------------- apps


def interval_profile(
    kpis: pd.DataFrame,
    service_level_target: float,
    *,
    title: str | None = None,
    width: int = 720,
    height: int = 180,
    pick: str | None = None,
) -> alt.LayerChart:
    """Calls offered per interval (bars) with service level (line, right axis) and its target (rule).

    Needs columns ``interval_start, offered, service_level`` (e.g. one day of
    ``compute_kpis(store, by=["interval"])``).

    Args:
        kpis: one row per interval.
        service_level_target: drawn as a dashed rule.
        title: chart title; None: "Intervals" in the current language.
        width: chart width in pixels.
        height: chart height in pixels.
        pick: name of a click selection on the bars, holding the clicked
            interval's ``time`` (``HH:MM``). None: a static chart.
    """
    import altair as alt
    import pandas as pd

    _check(kpis, ["interval_start", "offered", "service_level"], "interval_profile")
    data = pd.DataFrame({"time": pd.to_datetime(kpis["interval_start"]).dt.strftime("%H:%M"),
                         "offered": kpis["offered"].to_numpy(), "service_level": kpis["service_level"].to_numpy()})
    x = alt.X("time:O", title=_("Interval start"), axis=alt.Axis(labelAngle=-90))
    tooltip = [alt.Tooltip("time:O", title=_("Interval start")), alt.Tooltip("offered:Q", title=_("Calls offered")),
               alt.Tooltip("service_level:Q", title=_("Service level"), format=".1%")]
    bars = alt.Chart(data).mark_bar(color="#9ecae1", cursor="pointer" if pick else "default").encode(
        x=x, y=alt.Y("offered:Q", title=_("Calls offered")), tooltip=tooltip)
    if pick:
        selection = alt.selection_point(name=pick, fields=["time"], on="click", clear="dblclick")
        bars = bars.add_params(selection).encode(opacity=alt.condition(selection, alt.value(1.0), alt.value(0.5)))
    level = alt.Chart(data).mark_line(point=True, color="#31a354").encode(
        x=x, y=alt.Y("service_level:Q", title=_("Service level"), axis=alt.Axis(format="%"),
                     scale=alt.Scale(domain=[0, 1])), tooltip=tooltip)
    target = alt.Chart(pd.DataFrame({"target": [service_level_target]})).mark_rule(
        color="#31a354", strokeDash=[4, 3]).encode(y=alt.Y("target:Q", scale=alt.Scale(domain=[0, 1])))
    return (alt.layer(bars, alt.layer(level, target)).resolve_scale(y="independent")
            .properties(title=_("Intervals") if title is None else title, width=width, height=height))


def agents_what_if(
    plan: pd.DataFrame, *, title: str | None = None, width: int = 720, height: int = 200
) -> alt.Chart:
    """Required agents per interval: the stored plan and the what-if, one step line each.

    Needs columns ``interval_start, baseline, what_if`` (agents on the phones,
    summed over queues; at most 5,000 rows). ``title``: None gives "Required
    agents per interval" in the current language.
    """
    import altair as alt
    import pandas as pd

    _check(plan, ["interval_start", "baseline", "what_if"], "agents_what_if")
    data = pd.DataFrame({"interval_start": pd.to_datetime(plan["interval_start"]),
                         "baseline": plan["baseline"].to_numpy(), "what_if": plan["what_if"].to_numpy()})
    long = data.melt("interval_start", var_name="plan", value_name="agents")
    long["plan_label"] = _labels(long["plan"], PLAN_LABELS)
    return (
        alt.Chart(long, title=_("Required agents per interval") if title is None else title)
        .mark_line(interpolate="step-after")
        .encode(
            x=alt.X("interval_start:T", title=None, axis=alt.Axis(format=_format(TIME_AXIS_FORMATS))),
            y=alt.Y("agents:Q", title=_("Agents on the phones")),
            color=alt.Color("plan_label:N", title=None,
                            scale=alt.Scale(domain=_domain(PLAN_LABELS, ["baseline", "what_if"]),
                                            range=["#999999", "#6a3d9a"])),
            tooltip=[alt.Tooltip("interval_start:T", title=_("Interval start"), format="%a %H:%M"),
                     alt.Tooltip("plan_label:N", title=_("Plan")), alt.Tooltip("agents:Q", title=_("Agents"))],
        )
        .properties(width=width, height=height)
    )


# --------------------------------------------------------------------------- topics


def topic_sizes(topics: pd.DataFrame, *, width: int = 420, height: int | None = None) -> alt.Chart:
    """Documents per topic as horizontal bars, largest first, new topics highlighted.

    Needs columns ``topic, label, size``; uses ``is_new`` when present.
    """
    import altair as alt

    _check(topics, ["topic", "label", "size"], "topic_sizes")
    data = topics[["topic", "label", "size"]].copy()
    data["name"] = data["topic"].astype(str) + " " + data["label"].astype(str).str.slice(0, 40)
    data["new"] = topics["is_new"].fillna(False).astype(bool).map({True: "new", False: "known"}) \
        if "is_new" in topics.columns else "known"  # fmt: skip
    data["new_label"] = _labels(data["new"], TOPIC_STATUS_LABELS)
    return (
        alt.Chart(data, title=_("Documents per topic"))
        .mark_bar()
        .encode(
            x=alt.X("size:Q", title=_("Documents")),
            y=alt.Y("name:N", sort="-x", title=None),
            color=alt.Color("new_label:N", title=None,
                            scale=alt.Scale(domain=_domain(TOPIC_STATUS_LABELS, ["known", "new"]),
                                            range=["#4c78a8", "#e45756"])),
            tooltip=[alt.Tooltip("topic:Q", title=_("Topic")), alt.Tooltip("label:N", title=_("Label")),
                     alt.Tooltip("size:Q", title=_("Documents")), alt.Tooltip("new_label:N", title=_("Status"))],
        )
        .properties(width=width, height=height or max(120, 18 * len(data)))
    )


def topic_share_over_time(shares: pd.DataFrame, *, width: int = 640, height: int = 240) -> alt.Chart:
    """Stacked share of each topic per period.

    Needs columns ``period, topic, share`` (from ``workbench.topics.analysis.topic_share_over_time``);
    uses ``label`` when present.
    """
    import altair as alt

    _check(shares, ["period", "topic", "share"], "topic_share_over_time")
    data = shares.copy()
    data["name"] = data["label"].astype(str) if "label" in data.columns else data["topic"].astype(str)
    return (
        alt.Chart(data, title=_("Topic share per period"))
        .mark_bar()
        .encode(
            # one bar per period (a time axis makes day bars hairlines)
            x=alt.X("yearmonthdate(period):O", title=None, axis=alt.Axis(format=_format(DATE_FORMATS))),
            y=alt.Y("share:Q", title=_("Share of documents"), axis=alt.Axis(format="%"), stack="normalize"),
            color=alt.Color("name:N", title=_("Topic")),
            tooltip=[alt.Tooltip("period:T", title=_("Period")), alt.Tooltip("name:N", title=_("Topic")),
                     alt.Tooltip("share:Q", title=_("Share of documents"), format=".1%")],
        )
        .properties(width=width, height=height)
    )


def topic_pain(pain: pd.DataFrame, *, width: int = 420, height: int = 300) -> alt.Chart:
    """Topics by volume share (x) and harm (y, 1 = average); bubble size is pain = share x harm.

    Needs columns ``topic, share, harm, pain``; uses ``label`` when present.
    """
    import altair as alt
    import pandas as pd

    _check(pain, ["topic", "share", "harm", "pain"], "topic_pain")
    data = pain.copy()
    data["name"] = data["label"].astype(str) if "label" in data.columns else data["topic"].astype(str)
    points = alt.Chart(data, title=_("Pain: volume x harm")).mark_circle(opacity=0.7, color="#e45756").encode(
        x=alt.X("share:Q", title=_("Share of documents"), axis=alt.Axis(format="%")),
        y=alt.Y("harm:Q", title=_("Harm (1 = average)")),
        size=alt.Size("pain:Q", legend=None),
        tooltip=[alt.Tooltip("name:N", title=_("Topic")),
                 alt.Tooltip("share:Q", title=_("Share of documents"), format=".1%"),
                 alt.Tooltip("harm:Q", title=_("Harm (1 = average)"), format=".2f"),
                 alt.Tooltip("pain:Q", title=_("Pain"), format=".3f")],  # fmt: skip
    )
    # size=value: the points' size channel would otherwise set the labels' font size
    labels = points.mark_text(align="left", dx=7, fontSize=10, color="#333333").encode(text="name:N",
                                                                                       size=alt.value(10))
    average = alt.Chart(pd.DataFrame({"harm": [1.0]})).mark_rule(strokeDash=[4, 3], color="#999999").encode(y="harm:Q")
    return alt.layer(points, labels, average).properties(width=width, height=height)


def _interval_tips(alt_module, fmt: str) -> list:
    """Tooltips of an effect with its 95 % interval (columns ``effect, ci_low, ci_high``)."""
    return [alt_module.Tooltip("effect:Q", title=_("Effect"), format=fmt),
            alt_module.Tooltip("ci_low:Q", title=_("95 % interval, low"), format=fmt),
            alt_module.Tooltip("ci_high:Q", title=_("95 % interval, high"), format=fmt)]


def driver_effects(drivers: pd.DataFrame, *, width: int = 260, height: int | None = None) -> alt.HConcatChart:
    """Ranked satisfaction drivers per model: effect (log-odds of top box) with its 95 % interval.

    Needs columns ``model, feature, effect, ci_low, ci_high, rank`` (as from
    ``workbench.drivers.analyse_drivers(...).drivers``).
    """
    import altair as alt
    import pandas as pd

    _check(drivers, ["model", "feature", "effect", "ci_low", "ci_high", "rank"], "driver_effects")
    panels = []
    for model, data in drivers.groupby("model", sort=False):
        data = data.copy()
        tall = height or 22 * len(data)
        order = list(data.sort_values("rank")["feature"])
        y = alt.Y("feature:N", sort=order, title=None)
        base = alt.Chart(data, title=f"{model}")
        bars = base.mark_rule(strokeWidth=2, color="#999999").encode(
            y=y, x=alt.X("ci_low:Q", title=_("Effect on log-odds of top box")), x2="ci_high:Q"
        )
        points = base.mark_point(filled=True, size=60).encode(
            y=y, x="effect:Q",
            color=alt.condition(alt.datum.effect < 0, alt.value("#e45756"), alt.value("#4c78a8")),
            tooltip=[alt.Tooltip("feature:N", title=_("Driver")), *_interval_tips(alt, ".3f"),
                     alt.Tooltip("rank:Q", title=_("Rank"))],
        )  # fmt: skip
        zero = alt.Chart(pd.DataFrame({"x": [0.0]})).mark_rule(strokeDash=[4, 3], color="#666666").encode(x="x:Q")
        panels.append(alt.layer(bars, points, zero).properties(width=width, height=tall))
    return alt.hconcat(*panels)


def driver_curves(curves: pd.DataFrame, *, width: int = 220, height: int = 170) -> alt.Chart:
    """Partial-dependence curves of the top-box share, one panel per feature, a line per model with its band.

    Needs columns ``model, feature, value, top_box, ci_low, ci_high`` (as
    from ``workbench.drivers.effect_curves``).
    """
    import altair as alt

    _check(curves, ["model", "feature", "value", "top_box", "ci_low", "ci_high"], "driver_curves")
    base = alt.Chart().encode(
        x=alt.X("value:Q", title=None), color=alt.Color("model:N", title=_("Model"))
    )
    band = base.mark_area(opacity=0.2).encode(
        y=alt.Y("ci_low:Q", title=_("Top-box share"), axis=alt.Axis(format="%")), y2="ci_high:Q")
    line = base.mark_line(point=True).encode(
        y="top_box:Q", tooltip=[alt.Tooltip("model:N", title=_("Model")), alt.Tooltip("feature:N", title=_("Driver")),
                                alt.Tooltip("value:Q", title=_("Value")),
                                alt.Tooltip("top_box:Q", title=_("Top-box share"), format=".1%")]
    )  # fmt: skip
    return (
        alt.layer(band, line, data=curves.copy())
        .properties(width=width, height=height)
        .facet(facet=alt.Facet("feature:N", title=None), columns=2)
        .resolve_scale(x="independent")
    )


def agent_effects(agents: pd.DataFrame, *, width: int = 420, height: int | None = None, top: int = 25) -> alt.Chart:
    """Call-mix-adjusted, shrunk agent effects with 95 % intervals; the ``top`` most extreme agents.

    Needs columns ``agent_id, effect, ci_low, ci_high, surveys, differs`` (as
    from ``workbench.drivers.agent_effects``).
    """
    import altair as alt
    import pandas as pd

    _check(agents, ["agent_id", "effect", "ci_low", "ci_high", "surveys", "differs"], "agent_effects")
    data = agents.reindex(agents["effect"].abs().sort_values(ascending=False).index).head(top).copy()
    data["differs_label"] = _labels(data["differs"].astype(bool), FLAG_LABELS)
    order = list(data.sort_values("effect")["agent_id"])
    y = alt.Y("agent_id:N", sort=order, title=None)
    base = alt.Chart(data, title=_("Agents vs the average, after call mix (log-odds of top box)"))
    rules = base.mark_rule(color="#999999").encode(y=y, x=alt.X("ci_low:Q", title=_("Adjusted effect")), x2="ci_high:Q")
    points = base.mark_point(filled=True).encode(
        y=y, x="effect:Q", size=alt.Size("surveys:Q", title=_("Surveys")),
        color=alt.Color("differs_label:N", title=_("Differs"),
                        scale=alt.Scale(domain=_domain(FLAG_LABELS, [True, False]), range=["#e45756", "#aaaaaa"])),
        tooltip=[alt.Tooltip("agent_id:N", title=_("Agent")), alt.Tooltip("surveys:Q", title=_("Surveys")),
                 *_interval_tips(alt, ".2f")],
    )  # fmt: skip
    zero = alt.Chart(pd.DataFrame({"x": [0.0]})).mark_rule(strokeDash=[4, 3], color="#666666").encode(x="x:Q")
    return alt.layer(rules, points, zero).properties(width=width, height=height or 16 * len(data))
