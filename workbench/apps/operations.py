"""Operations dashboard: KPI tiles against targets, interval heatmap, daily trend, drill-down to calls.

Reads the store's ``calls`` and ``surveys`` tables, every number through
:func:`workbench.kpis.compute_kpis`, so the dashboard and the KPI report agree
by construction; writes nothing. Served by ``workbench serve`` as
``notebooks/apps/operations.ipynb``, whose URL parameters (``?queues=billing``,
``?dimension_filter={"region": "north"}``, ``?group_by=member_tier``,
``?interface_language=zh``) are validated before the notebook runs.

Every text on the page is in the reader's language (``interface_language``):
labels and notices through :mod:`workbench.i18n`, numbers, percentages and
durations formatted for it; queue ids, dimension values and call records are
shown as stored. The layout works at phone width: tiles and filters wrap,
charts shrink to the screen and tables scroll sideways in their own box.
"""

from __future__ import annotations

from datetime import date, timedelta
from html import escape
from typing import Any

import ipywidgets as widgets
import pandas as pd

from workbench import charts, glossary, i18n
from workbench.apps.base import (
    CONTROL_LAYOUT,
    App,
    _in_kernel,
    breakdown_table,
    clickable_chart,
    dimension_title,
    table_html,
)
from workbench.i18n import N_, _, format_text, ngettext
from workbench.kpis import compute_kpis
from workbench.params import OperationsAppParameters
from workbench.store import readers

#: The calls behind a number: what the Calls list shows -> the glossary's call set
#: (:data:`workbench.glossary.CALL_SETS`), counted with the app's two thresholds.
CALL_SET_CHOICES: dict[str, str] = {
    N_("offered"): "offered",
    N_("answered"): "answered",
    N_("answered within the target time"): "answered_in_time",
    N_("answered after the target time"): "answered_late",
    N_("abandoned"): "abandoned",
    N_("short abandons"): "short_abandoned",
    N_("transferred"): "transferred",
}
#: A call's outcome (:mod:`workbench.schemas`: the workbench's own codes, not the export's) -> how the
#: calls list writes it.
OUTCOME_LABELS: dict[str, str] = {
    "answered": N_("answered"),
    "transferred": N_("transferred"),
    "abandoned": N_("abandoned"),
    "short_abandon": N_("short abandon"),
    "phantom": N_("phantom"),
}
#: Headings of the calls list's columns that :data:`workbench.i18n.COLUMN_LABELS` does not name.
CALL_COLUMN_LABELS: dict[str, str] = {
    "call_id": N_("Call"),
    "arrived_at": N_("Arrived at"),
    "hold_seconds": N_("Hold (s)"),
    "wrap_seconds": N_("Wrap-up (s)"),
    "outcome": N_("Outcome"),
}
DEFAULT_DAYS = 14
#: The Interval list's first choice (its value; the label is translated).
WHOLE_DAY = "whole day"
#: The language filter's choices: value (the queues' language line) -> label.
LANGUAGE_CHOICES: dict[str, str] = {"all": N_("all"), "zh": N_("Chinese"), "en": N_("English")}
#: KPI columns of the breakdown table by a dimension (headings: :data:`workbench.i18n.COLUMN_LABELS`, translated).
BREAKDOWN_COLUMNS: list[str] = ["offered", "answered", "abandonment_rate", "service_level", "asa_seconds",
                                "aht_seconds", "csat_mean", "csat_responses", "wait_unknown", "handle_unknown"]
#: Vega draws the clickable charts at a fixed width; on a phone they shrink to the screen rather than
#: scroll (the base style's fallback), so the trend shows every day at once: the SVG keeps its viewBox,
#: and a tap still picks the mark under the finger because Vega's SVG renderer finds it by element,
#: not by coordinates. Tables scroll sideways in their own box (:func:`~workbench.apps.base.table_html`).
PAGE_STYLE = (
    "<style>"
    ".workbench-app .wb-chart .vega-embed{display:block;max-width:100%;padding-right:0}"
    ".workbench-app .wb-chart svg{max-width:100%;height:auto}"
    "</style>"
)
CHART_WIDTH = 640


def _calls(count: int, kind: str = "") -> str:
    """``1 answered call``, ``5,120 answered calls`` in the interface language (``kind``: answered,
    unanswered, offered, or empty for plain calls)."""
    number = i18n.format_number(count)
    if kind == "answered":
        return ngettext("{count} answered call", "{count} answered calls", count).format(count=number)
    if kind == "unanswered":
        return ngettext("{count} unanswered call", "{count} unanswered calls", count).format(count=number)
    if kind == "offered":
        return ngettext("{count} offered call", "{count} offered calls", count).format(count=number)
    return ngettext("{count} call", "{count} calls", count).format(count=number)


def answered_without_wait(row: pd.Series) -> int:
    """Answered calls of a KPI row with no recorded wait: those the service level leaves out besides short abandons."""
    return int(row["offered"] - row["short_abandoned"] - row["service_level_calls"])


def population_sentences(row: pd.Series) -> list[str]:
    """What the wait and handle-time KPIs of one :func:`~workbench.kpis.compute_kpis` row were computed over,
    in words (the interface language), where some calls lacked the measure; empty when none did.

    Needs ``offered``, ``answered``, ``short_abandoned``, ``service_level_calls``,
    ``wait_unknown`` and ``handle_unknown``.
    """
    answered = int(row["answered"])
    no_wait = answered_without_wait(row)
    no_wait_unanswered = int(row["wait_unknown"]) - no_wait
    no_handle = int(row["handle_unknown"])
    sentences = []
    if no_wait:
        sentences.append(format_text(
            "ASA over {answered} with a known wait; {none} had none recorded, so the service level leaves them "
            "out too (it is over {calls}).", answered=_calls(answered - no_wait, "answered"),
            none=i18n.format_number(no_wait), calls=_calls(int(row["service_level_calls"]))))
    if no_wait_unanswered:
        sentences.append(format_text(
            "{unanswered} had no wait recorded; they still count as offered, and an abandon among them counts as "
            "abandoned, not as a short abandon.", unanswered=_calls(no_wait_unanswered, "unanswered")))
    if no_handle:
        sentences.append(format_text("AHT over {answered} with a known handle time; {none} had none recorded.",
                                     answered=_calls(answered - no_handle, "answered"),
                                     none=i18n.format_number(no_handle)))
    return sentences


def _tile(label: str, value: str, target: str, ok: bool | None, key: str, population: str = "") -> str:
    """One KPI tile: green when ``ok``, red when not, grey without a target or a value (texts escaped here)."""
    colour = {True: "#1e8449", False: "#c0392b", None: "#555"}[ok]
    title = f" title='{escape(population)}'" if population else ""
    return (
        f"<div class='wb-tile' data-kpi='{key}'{title} style='display:inline-block;flex:1 1 130px;min-width:130px;"
        f"max-width:220px;margin:4px;padding:8px 10px;border:1px solid #ddd;border-top:4px solid {colour};"
        f"border-radius:4px;box-sizing:border-box'>"
        f"<div style='font-size:12px;color:#555'>{escape(label)}</div>"
        f"<div class='wb-value' style='font-size:22px;font-weight:600;color:{colour}'>{escape(value)}</div>"
        f"<div style='font-size:11px;color:#777'>{escape(target)}</div></div>"
    )


class OperationsApp(App):
    """KPI tiles, interval heatmap and daily trend with queue, language, date and custom-dimension filters.

    When the store's calls carry custom dimensions (region, member tier, ...),
    each category or flag dimension gets a list of its values (picking one
    recomputes every figure for that slice) and "Break down by" shows the
    KPIs per value of one of them. Where calls lacked a wait or a handle time,
    a line under the tiles says how many and what each KPI was computed over.

    Drill-down: click a day on the daily trend or a cell of the heatmap (or
    pick them in the Day and Interval lists) for that day's intervals; click an
    interval there for the calls behind the number; the Calls list says which
    calls.

    Args:
        params: the notebook's validated parameters (filters' start values and targets).
        notices: messages shown from the start.
    """

    title = N_("Operations dashboard")
    summary = N_("Each tile is one KPI for the chosen queues and days: green meets its target, red misses it. "
                 "The heatmap and the daily trend show when the numbers slipped: click a day or a cell to see "
                 "its intervals, and an interval for the calls behind a number.")
    parameters_model = OperationsAppParameters
    params: OperationsAppParameters

    # -- building -------------------------------------------------------------
    def _build(self) -> widgets.Widget:
        p = self.params
        self._queue_languages = pd.DataFrame(columns=["queue_id", "language"])
        first = last = None
        self._missing = self.missing_tables("calls")
        if not self._missing:
            self._queue_languages = readers.queue_languages(self.store)
            first, last = readers.call_day_range(self.store)
        self.first_day, self.last_day = first, last
        self.queue = self._queue_picker(self._queue_languages["queue_id"], "not in the store")
        date_to = p.date_to or last or date.today()
        date_from = p.date_from or (date_to - timedelta(days=DEFAULT_DAYS - 1))
        if first is not None and date_from < first:
            date_from = first
        # The calls' language line, a filter (the page's own language is self.params.interface_language).
        self.language = widgets.Dropdown(options=[(_(label), value) for value, label in LANGUAGE_CHOICES.items()],
                                         value=p.language, description=_("Language"), layout=CONTROL_LAYOUT)
        self.date_from = widgets.DatePicker(value=date_from, description=_("From"), layout=CONTROL_LAYOUT)
        self.date_to = widgets.DatePicker(value=date_to, description=_("To"), layout=CONTROL_LAYOUT)
        self.measure = widgets.Dropdown(
            options=[(_(label), key) for key, label in charts.HEATMAP_MEASURES.items()],
            value="service_level", description=_("Heatmap"), layout=CONTROL_LAYOUT)
        self.day = widgets.Dropdown(options=[], description=_("Day"), layout=CONTROL_LAYOUT)
        self.interval = widgets.Dropdown(options=self._interval_options([]), value=WHOLE_DAY,
                                         description=_("Interval"), layout=CONTROL_LAYOUT)
        self.call_set = widgets.Dropdown(options=[(_(label), key) for label, key in CALL_SET_CHOICES.items()],
                                         value="abandoned", description=_("Calls"), layout=CONTROL_LAYOUT)
        pickers = self._dimension_pickers() if not self._missing else {}
        self.dimension_pickers = pickers
        self.group_by = self._group_by_picker(_("Break down by"), list(pickers))
        for control, name in ((self.language, "language"), (self.date_from, "date-from"),
                              (self.date_to, "date-to"), (self.day, "day"), (self.interval, "interval"),
                              (self.call_set, "call-set"), (self.measure, "measure")):
            control.add_class(f"wb-{name}")
        self.tiles = widgets.HTML()
        self.tiles.add_class("wb-tiles")
        self.populations = widgets.HTML()
        self.populations.add_class("wb-populations")
        self.breakdown = widgets.HTML()
        self.breakdown.add_class("wb-breakdown")
        self.heatmap = clickable_chart("cell", self._on_cell_click, "wb-heatmap")
        self.trend = clickable_chart("day", self._on_day_click, "wb-trend")
        self.day_chart = clickable_chart("interval", self._on_interval_click, "wb-day-chart")
        for chart in (self.heatmap, self.trend, self.day_chart):
            chart.add_class("wb-chart")
        self._renders = 0  # counts full redraws: the day chart follows the numbers of the latest one
        self._day_chart_drawn: tuple[str, int] | None = None  # (day, redraw count) shown in the day chart
        self._watch(self.queue, self.language, self.date_from, self.date_to, self.measure, self.group_by,
                    *pickers.values())
        self.day.observe(self._on_drill, names="value")
        self.interval.observe(self._on_drill, names="value")
        self.call_set.observe(self._on_drill, names="value")
        filters = widgets.HBox([self.queue, self.language, self.date_from, self.date_to],
                               layout={"flex_flow": "row wrap"})
        drill = widgets.HBox([self.day, self.interval, self.call_set], layout={"flex_flow": "row wrap"})
        dimensions = widgets.HBox([*pickers.values(), self.group_by], layout={"flex_flow": "row wrap"})
        dimensions.add_class("wb-dimensions")
        if not pickers:  # a store without custom dimensions shows no empty row
            dimensions.layout.display = "none"
        heading = escape(_("Drill down: a day, its intervals, the calls behind a number"))
        return widgets.VBox([
            widgets.HTML(PAGE_STYLE), filters, dimensions, self.tiles, self.populations, self.breakdown,
            self.measure, self.heatmap, self.trend, widgets.HTML(f"<h3 style='margin:8px 0 2px'>{heading}</h3>"),
            drill, self.day_chart,
        ])

    @staticmethod
    def _interval_options(starts: list[str]) -> list[tuple[str, str]]:
        """The Interval list: the whole day (its label translated), then each ``HH:MM`` start."""
        return [(_("whole day"), WHOLE_DAY), *((start, start) for start in starts)]

    # -- data -----------------------------------------------------------------
    @property
    def short_abandon_seconds(self) -> int:
        """Abandons quicker than this are short abandons, kept out of the rates and the 'abandoned' calls."""
        # TODO: read it from the parameters once OperationsAppParameters carries short_abandon_seconds.
        return getattr(self.params, "short_abandon_seconds", glossary.DEFAULT_SHORT_ABANDON_SECONDS)

    def selected_queues(self) -> list[str]:
        """Queue ids matching the queue and language filters (empty = nothing matches)."""
        table = self._queue_languages
        if self.language.value != "all":
            table = table[table["language"] == self.language.value]
        return glossary.select_queues(table["queue_id"], self.queues)

    def _kpi_args(self) -> dict[str, Any]:
        args = {
            "interval_minutes": self.params.interval_minutes,
            "target_answer_seconds": self.params.target_answer_seconds,
            "short_abandon_seconds": self.short_abandon_seconds,
            "queues": self._queues if self._filtered else None,
        }
        if self.dimension_filter:
            args["dimension_filter"] = self.dimension_filter
        return args

    # -- rendering --------------------------------------------------------------
    def _render(self) -> None:
        self.tables.clear()
        if self._missing:
            self.add_notice(format_text("No calls in the store ({path}): load them first with `make demo` or "
                                        "`workbench ingest <export> --profile <profile>`. Nothing to show yet.",
                                        path=self.store.path))
            self.tiles.value = self.populations.value = self.breakdown.value = ""
            self.heatmap.chart = self.trend.chart = self.day_chart.chart = None
            return
        first, last = self.date_from.value, self.date_to.value
        if first is None or last is None or last < first:
            self.add_notice(format_text("Pick a '{start}' day on or before the '{end}' day.", start=_("From"),
                                        end=_("To")))
            return
        self._queues = self.selected_queues()
        self._filtered = not glossary.is_all_queues(self.queues) or self.language.value != "all"
        if self._filtered and not self._queues:
            self.add_notice(format_text("No queue matches queue '{queue}' and language '{language}'.",
                                        queue=self.queue.label, language=self.language.label))
            return
        window = {"date_from": first.isoformat(), "date_to": last.isoformat()}
        total = compute_kpis(self.store, **window, **self._kpi_args())
        daily = compute_kpis(self.store, by=["day"], **window, **self._kpi_args())
        intervals = compute_kpis(self.store, by=["interval"], **window, **self._kpi_args())
        self.tables.update(total=total, daily=daily, intervals=intervals)
        self._renders += 1
        self.tiles.value = self._tiles_html(total.iloc[0])
        self.populations.value = "".join(f"<p style='margin:2px 4px;color:#555;font-size:13px'>{escape(s)}</p>"
                                         for s in population_sentences(total.iloc[0]))
        self._render_breakdown(window)
        if daily.empty:
            self.add_notice(format_text(
                "No calls between {first} and {last} for this selection (the store holds {start} to {end}).",
                first=i18n.format_date(first), last=i18n.format_date(last),
                start=i18n.format_date(self.first_day), end=i18n.format_date(self.last_day)))
            self.heatmap.chart = self.trend.chart = None
        else:
            self.heatmap.chart = charts.interval_heatmap(intervals, self.measure.value, width=CHART_WIDTH, pick="cell")
            self.trend.chart = charts.daily_kpi_trend(daily, self.params.target_answer_seconds, width=CHART_WIDTH,
                                                      height=120, pick="day")
        if self.missing_tables("surveys"):
            self.add_notice(_("CSAT needs survey responses and the store's surveys table is empty: "
                              "ingest the survey export to fill the CSAT tile."))
        days = [d.date().isoformat() if hasattr(d, "date") else str(d) for d in pd.to_datetime(daily["day"])]
        keep = self.day.value if self.day.value in days else (days[-1] if days else None)
        with self._quiet(), self.day.hold_sync():
            self.day.options = days
            self.day.value = keep
        self._render_drill()

    def _render_breakdown(self, window: dict[str, str]) -> None:
        """The KPIs per value of the "Break down by" dimension, with every filter applied; nothing without one."""
        dimension = self.group_by.value
        if not dimension:
            self.breakdown.value = ""
            self.tables.pop("breakdown", None)
            return
        kpis = compute_kpis(self.store, by=[dimension], **window, **self._kpi_args())
        self.tables["breakdown"] = kpis
        where = self.dimension_filter_label()
        caption = format_text("KPIs by {dimension}, {first} to {last}", dimension=dimension_title(dimension),
                              first=i18n.format_date(window["date_from"]), last=i18n.format_date(window["date_to"]))
        caption += f" ({where})" if where else ""
        headings = {column: i18n.COLUMN_LABELS.get(column, column) for column in BREAKDOWN_COLUMNS}
        self.breakdown.value = table_html(breakdown_table(kpis, dimension, headings), caption=caption)

    def _on_day_click(self, picked: list[dict[str, Any]]) -> None:
        """A click on the daily trend: drill into that day (a cleared pick keeps the drill)."""
        if picked and picked[0].get("day_key") in self.day.options:
            self.day.value = picked[0]["day_key"]  # the Day list's observer redraws

    def _on_cell_click(self, picked: list[dict[str, Any]]) -> None:
        """A click on a heatmap cell: drill into that day and interval."""
        if not picked or picked[0].get("day") not in self.day.options:
            return
        day, start = picked[0]["day"], picked[0].get("time")
        starts = self._interval_starts(day)
        # Options and value go to the page in one message: sent apart, the page may
        # snap the list back to its first entry and send "whole day" back.
        with self._quiet(), self.interval.hold_sync():
            self.day.value = day
            self.interval.options = self._interval_options(starts)
            self.interval.value = start if start in starts else WHOLE_DAY
        self._update_drill()

    def _interval_starts(self, day: str) -> list[str]:
        """``HH:MM`` of each interval of ``day`` in the current KPI table."""
        intervals = self.tables.get("intervals")
        if intervals is None:
            return []
        starts = pd.to_datetime(intervals["interval_start"])
        return [t.strftime("%H:%M") for t in starts[starts.dt.date.astype(str) == day]]

    def _on_interval_click(self, picked: list[dict[str, Any]]) -> None:
        """A click on an interval of the day chart: list the calls of that interval."""
        if picked and picked[0].get("time") in self._interval_starts(self.day.value):
            self.interval.value = picked[0]["time"]

    def _on_drill(self, change: dict[str, Any] | None = None) -> None:
        if self._updating:
            return
        if change is not None and change.get("owner") is self.day:
            with self._quiet(), self.interval.hold_sync():
                self.interval.options = self._interval_options(self._interval_starts(self.day.value))
                self.interval.value = WHOLE_DAY
        self._update_drill()

    def _update_drill(self) -> None:
        """Redraw the drill-down only, in the app's language (a list change is handled outside the app's cell)."""
        import time

        from IPython.display import clear_output

        started = time.perf_counter()
        with i18n.using_language(self.interface_language), self.output:
            if _in_kernel():
                clear_output(wait=True)
            self._render_drill()
            self._show_output_tables()
        self.last_update_seconds = time.perf_counter() - started

    def _render_drill(self) -> None:
        day = self.day.value
        if day is None or "intervals" not in self.tables:
            self.day_chart.chart = self._day_chart_drawn = None
            self.tables.pop("calls", None)
            return
        intervals = self.tables["intervals"]
        one_day = intervals[pd.to_datetime(intervals["interval_start"]).dt.date.astype(str) == day]
        self.tables["day_intervals"] = one_day
        # Redraw only for a new day or new numbers: a redraw would drop the clicked interval's highlight.
        if self._day_chart_drawn != (day, self._renders):
            self.day_chart.chart = charts.interval_profile(
                one_day, self.params.service_level_target,
                title=format_text("{day}: calls offered and service level per interval (click one for its calls)",
                                  day=day),
                width=CHART_WIDTH, pick="interval")
            self._day_chart_drawn = (day, self._renders)
        starts = self._interval_starts(day)
        if list(self.interval.options) != self._interval_options(starts):
            keep = self.interval.value if self.interval.value in starts else WHOLE_DAY
            with self._quiet(), self.interval.hold_sync():
                self.interval.options = self._interval_options(starts)
                self.interval.value = keep
        whole_day = glossary.Period.of(day, day)
        start, end = pd.Timestamp(whole_day.start), pd.Timestamp(whole_day.end)
        if self.interval.value != WHOLE_DAY:
            start = pd.Timestamp(f"{day} {self.interval.value}")
            end = start + pd.Timedelta(minutes=self.params.interval_minutes)
        self.tables["calls"] = self.calls_behind(self.call_set.value, start, end)

    def calls_behind(self, call_set: str, start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
        """The calls of glossary call set ``call_set`` arriving in [start, end), with the current filters.

        Counted with the app's ``target_answer_seconds`` and ``short_abandon_seconds``,
        as the KPIs are, so the list has as many calls as the number it explains.
        """
        return readers.calls_in_set(
            self.store, call_set, start=start.isoformat(), end=end.isoformat(),
            queues=self._queues if self._filtered else None,
            target_answer_seconds=self.params.target_answer_seconds,
            short_abandon_seconds=self.short_abandon_seconds,
            dimension_filter=self.dimension_filter or None)

    def _output_tables(self) -> list[tuple[str, str]]:
        calls = self.tables.get("calls")
        if calls is None or self.day.value is None:
            return []
        where = self.day.value if self.interval.value == WHOLE_DAY else f"{self.day.value} {self.interval.value}"
        caption = ngettext("{count} call {which}, {when}", "{count} calls {which}, {when}", len(calls)).format(
            count=i18n.format_number(len(calls)), which=self.call_set.label, when=where)
        if self.dimension_filter:
            caption += f" ({self.dimension_filter_label()})"
        # Headings and outcome codes for people; the records themselves (ids, queues, times) as stored.
        shown = calls.assign(outcome=[_(OUTCOME_LABELS[o]) if o in OUTCOME_LABELS else o for o in calls["outcome"]]) \
            if "outcome" in calls.columns else calls
        return [("calls", table_html(shown, caption=caption, labels=CALL_COLUMN_LABELS))]

    def _tiles_html(self, row: pd.Series) -> str:
        p = self.params

        def at_most(value: Any, limit: float) -> bool | None:
            return None if value is None or pd.isna(value) else bool(value <= limit)

        def at_least(value: Any, limit: float) -> bool | None:
            return None if value is None or pd.isna(value) else bool(value >= limit)

        def most(limit: str) -> str:
            return format_text("target ≤ {target}", target=limit)

        def least(limit: str) -> str:
            return format_text("target ≥ {target}", target=limit)

        answered = int(row["answered"])
        responses = int(row["csat_responses"])
        tiles = [
            _tile(_("Calls offered"), i18n.format_number(row["offered"]), _("calls reaching a queue"), None,
                  "offered"),
            _tile(_("Calls answered"), i18n.format_number(row["answered"]), _("incl. transferred"), None,
                  "answered"),
            _tile(_("Abandonment rate"), i18n.format_percent(row["abandonment_rate"]),
                  most(i18n.format_percent(p.abandonment_target, 0)),
                  at_most(row["abandonment_rate"], p.abandonment_target), "abandonment_rate",
                  format_text("over {offered}, short abandons left out",
                              offered=_calls(int(row["offered"] - row["short_abandoned"]), "offered"))),
            _tile(format_text("Service level ({seconds})", seconds=i18n.format_duration(p.target_answer_seconds)),
                  i18n.format_percent(row["service_level"]), least(i18n.format_percent(p.service_level_target, 0)),
                  at_least(row["service_level"], p.service_level_target), "service_level",
                  format_text("over {calls}", calls=_calls(int(row["service_level_calls"])))),
            _tile(_("ASA"), i18n.format_duration(row["asa_seconds"]), most(i18n.format_duration(p.asa_target_seconds)),
                  at_most(row["asa_seconds"], p.asa_target_seconds), "asa_seconds",
                  format_text("over {answered} with a known wait",
                              answered=_calls(answered - answered_without_wait(row), "answered"))),
            _tile(_("AHT"), i18n.format_duration(row["aht_seconds"]), most(i18n.format_duration(p.aht_target_seconds)),
                  at_most(row["aht_seconds"], p.aht_target_seconds), "aht_seconds",
                  format_text("over {answered} with a known handle time",
                              answered=_calls(answered - int(row["handle_unknown"]), "answered"))),
            _tile(_("CSAT"), i18n.format_number(row["csat_mean"], 2),
                  format_text("target ≥ {target} (1-5)", target=i18n.format_number(p.csat_target, 1)),
                  at_least(row["csat_mean"], p.csat_target), "csat_mean",
                  ngettext("over {count} survey response", "over {count} survey responses", responses).format(
                      count=i18n.format_number(responses))),
        ]
        return "<div style='display:flex;flex-wrap:wrap'>" + "".join(tiles) + "</div>"
