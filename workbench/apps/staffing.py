"""Staffing planner: the stored plan and what-if sliders recomputed with Erlang (no refitting).

Reads the store's ``staffing`` and ``forecasts`` tables (written by
``notebooks/staffing_forecast.ipynb`` under a run id; the latest run by
default) and re-plans with :func:`workbench.staffing.what_if.what_if`; writes
``outputs/apps/staffing/*.csv`` only when Export is clicked. Served by
``workbench serve`` as ``notebooks/apps/staffing.ipynb`` (URL parameters
such as ``?queues=billing``, ``?run_id=...`` or ``?interface_language=zh``
are validated before the notebook runs). The store keeps the plan's
numbers but not its settings (targets, occupancy cap, callers' patience), so
those come from the run's ``outputs/staffing_forecast/<run_id>/tables/staffing.csv``
when it exists, else from the staffing notebook's defaults, Erlang A with
the callers' patience estimated from the store's calls as the notebook does
(the app says so). The app also says what the run's history came from: call
records or ACD interval reports (:func:`workbench.store.readers.run_volume_source`).

Every text on the page is in the reader's language (``interface_language``),
numbers and percentages formatted for it; queue ids and run ids are shown as
stored. At phone width the controls wrap, the sliders narrow and the charts
shrink to the screen.
"""

from __future__ import annotations

import base64
import warnings
from datetime import datetime, timezone
from html import escape
from pathlib import Path
from typing import Any

import ipywidgets as widgets
import pandas as pd

from workbench import charts, glossary, i18n, paths
from workbench.apps.base import CONTROL_LAYOUT, App, chart_svg
from workbench.csvfiles import csv_text, read_csv
from workbench.i18n import N_, _, format_text
from workbench.params import StaffingAppParameters, StaffingForecastParameters
from workbench.pipelines.staffing import queue_patience
from workbench.staffing.what_if import what_if
from workbench.store import readers

#: Settings :func:`what_if` needs on each row, besides the plan's numbers.
SETTINGS = ["service_level_target", "target_answer_seconds", "max_occupancy", "shrinkage",
            "mean_patience_seconds", "max_abandonment"]
EXPORT_COLUMNS = ["queue_id", "interval_start", "interval_minutes", "calls", "aht_seconds", "raw_agents",
                  "scheduled_agents", "what_if_calls", "what_if_aht_seconds", "what_if_service_level_target",
                  "what_if_target_answer_seconds", "what_if_shrinkage", "what_if_raw_agents",
                  "what_if_scheduled_agents", "what_if_service_level", "what_if_occupancy"]
#: The Day list's first choice (its value; the label is translated).
ALL_DAYS = "all days"
#: Where a run's forecast history came from (:func:`workbench.store.readers.run_volume_source`) -> how the
#: page says it (the sources of :data:`workbench.pipelines.staffing.SOURCE_DESCRIPTIONS`).
HISTORY_SOURCES: dict[str, str] = {
    "calls": N_("forecast from call records (table calls)"),
    "interval_stats": N_("forecast from ACD interval reports (table interval_stats)"),
}
CHART_WIDTH = 640
TILE_STYLE = ("display:inline-block;flex:1 1 150px;min-width:150px;max-width:260px;margin:4px;padding:8px 10px;"
              "border:1px solid #ddd;border-top:4px solid #6a3d9a;border-radius:4px;box-sizing:border-box")


class StaffingApp(App):
    """Required agents per interval from the stored plan, with what-if sliders and CSV export.

    Args:
        params: validated parameters (run, queue and the sliders' start values).
        notices: messages shown from the start.
    """

    title = N_("Staffing planner")
    summary = N_("How many agents each interval needs to meet the service-level target, from the stored plan. "
                 "Move the sliders to see what another target, handle time, shrinkage or volume would need "
                 "(red: more agents than planned), then export the table to plan shifts.")
    parameters_model = StaffingAppParameters
    params: StaffingAppParameters

    # -- loading --------------------------------------------------------------
    def _load_plan(self) -> pd.DataFrame | None:
        self._missing = self.missing_tables("staffing")
        if self._missing:
            return None
        run_id = self.params.run_id or readers.latest_run_id(self.store, "staffing")
        plan = readers.staffing_plan(self.store, run_id)
        if plan.empty:
            known = ", ".join(readers.run_ids(self.store, "staffing"))
            self._fixed_notices.append(format_text(
                "Staffing run '{run}' is not in the store; showing the latest (known runs: {known}).",
                run=run_id, known=known))
            run_id = readers.latest_run_id(self.store, "staffing")
            plan = readers.staffing_plan(self.store, run_id)
        self.run_id = run_id
        plan = plan.rename(columns={"required_agents": "raw_agents"})
        plan["interval_minutes"] = plan["interval_minutes"].astype(float)
        return self._with_settings(plan, run_id)

    def _with_settings(self, plan: pd.DataFrame, run_id: str) -> pd.DataFrame:
        """``plan`` with the settings it was made with, from the run folder or the defaults."""
        table = paths.outputs_dir() / "staffing_forecast" / run_id / "tables" / "staffing.csv"
        if table.is_file():
            stored = read_csv(table, usecols=lambda c: c in {"queue_id", "interval_start", *SETTINGS})
            stored["interval_start"] = pd.to_datetime(stored["interval_start"])
            merged = plan.merge(stored, on=["queue_id", "interval_start"], how="left")
            if not merged[SETTINGS].isna().any().any():
                self.settings_source = str(table)
                return merged
        defaults = StaffingForecastParameters()
        self.settings_source = "defaults"
        planned = plan.assign(service_level_target=defaults.service_level_target,
                              target_answer_seconds=float(defaults.target_answer_seconds),
                              max_occupancy=defaults.max_occupancy, shrinkage=defaults.shrinkage,
                              mean_patience_seconds=float("inf"), max_abandonment=defaults.max_abandonment)
        model = _("Erlang C")
        if defaults.erlang_a:
            # The notebook's own estimate (its default is Erlang A): callers' patience per queue from the calls.
            patience = queue_patience(self.store, short_abandon_seconds=defaults.short_abandon_seconds)
            by_queue = patience.set_index("queue_id")["mean_patience_seconds"]
            # A series split by a dimension (billing_zh|region=north) takes its queue's patience.
            queue_of_series = planned["queue_id"].astype(str).str.split("|", regex=False).str[0]
            planned["mean_patience_seconds"] = queue_of_series.map(by_queue).fillna(float("inf")).to_numpy(float)
            model = (_("Erlang A with callers' patience estimated from the store's calls") if len(patience)
                     else _("Erlang C (the store holds no call records to estimate callers' patience from)"))
        self._fixed_notices.append(format_text(
            "The settings of run '{run}' were not found (its folder of results holds no {file}); the what-if "
            "assumes the staffing notebook's defaults: service level {level} in {seconds}, occupancy cap "
            "{occupancy}, shrinkage {shrinkage}, {model}.", run=run_id, file=table.name,
            level=i18n.format_percent(defaults.service_level_target, 0),
            seconds=i18n.format_duration(defaults.target_answer_seconds),
            occupancy=i18n.format_percent(defaults.max_occupancy, 0),
            shrinkage=i18n.format_percent(defaults.shrinkage, 0), model=model))
        return planned

    # -- building -------------------------------------------------------------
    def _build(self) -> widgets.Widget:
        p = self.params
        self.run_id = None
        self.settings_source = ""
        self.plan = self._load_plan()
        self.forecast = None
        if self.plan is not None:
            forecast = readers.forecast_run(self.store, self.run_id)
            self.forecast = forecast if len(forecast) else None
        plan = self.plan if self.plan is not None else pd.DataFrame(columns=["queue_id", "interval_start", *SETTINGS])
        self.queue = self._queue_picker(plan["queue_id"].unique(), "not in the plan")

        def start(value: float | None, column: str, fallback: float) -> float:
            if value is not None:
                return value
            return float(plan[column].median()) if len(plan) else fallback

        # As wide as the screen allows up to 560 px, so a phone shows the whole slider and its readout.
        slider = {"continuous_update": False, "layout": {"width": "100%", "max_width": "560px"},
                  "style": {"description_width": "11em"}}
        self.service_level_target = widgets.FloatSlider(
            value=start(p.service_level_target, "service_level_target", 0.8), min=0.5, max=0.99, step=0.01,
            readout_format=".0%", description=_("Service-level target"), **slider)
        self.target_answer_seconds = widgets.IntSlider(
            value=int(start(p.target_answer_seconds, "target_answer_seconds", 20)), min=5, max=120, step=5,
            description=_("Answer within (s)"), **slider)
        self.aht_multiplier = widgets.FloatSlider(value=p.aht_multiplier, min=0.5, max=2.0, step=0.05,
                                                  readout_format=".2f", description=_("AHT multiplier"), **slider)
        self.shrinkage = widgets.FloatSlider(value=start(p.shrinkage, "shrinkage", 0.3), min=0.0, max=0.8,
                                             step=0.01, readout_format=".0%", description=_("Shrinkage"), **slider)
        self.volume_uplift = widgets.FloatSlider(value=p.volume_uplift, min=-0.5, max=1.0, step=0.01,
                                                 readout_format="+.0%", description=_("Volume uplift"), **slider)
        days = sorted({d.date().isoformat() for d in pd.to_datetime(plan["interval_start"])})
        self.day = widgets.Dropdown(options=[(_("all days"), ALL_DAYS), *((day, day) for day in days)],
                                    value=days[0] if days else ALL_DAYS, description=_("Day"), layout=CONTROL_LAYOUT)
        self.export_button = widgets.Button(description=_("Export CSV"), icon="download",
                                            tooltip=_("Save the requirement table and offer it as a download"))
        self.export_link = widgets.HTML()
        self.export_button.on_click(self.export_csv)
        for control, name in ((self.day, "day"), (self.service_level_target, "sl-target"),
                              (self.target_answer_seconds, "answer-seconds"), (self.aht_multiplier, "aht"),
                              (self.shrinkage, "shrinkage"), (self.volume_uplift, "uplift"),
                              (self.export_button, "export")):
            control.add_class(f"wb-{name}")
        self.tiles = widgets.HTML()
        self.heatmap = widgets.HTML()
        self.day_chart = widgets.HTML()
        self.forecast_chart = widgets.HTML()
        for view, name in ((self.tiles, "tiles"), (self.heatmap, "heatmap"), (self.day_chart, "day-chart"),
                           (self.forecast_chart, "forecast-chart")):
            view.add_class(f"wb-{name}")
        self._watch(self.queue, self.service_level_target, self.target_answer_seconds, self.aht_multiplier,
                    self.shrinkage, self.volume_uplift, self.day)
        model = _("Erlang A") if self._erlang_a() else _("Erlang C")
        source = widgets.HTML("<p style='color:#555;margin:2px 0'>" + format_text(
            "Run {run}, {source}; recomputed with {model} on every change (no refitting).",
            run=f"<code>{escape(str(self.run_id))}</code>",
            source=f"<span class='wb-volume-source'>{escape(self.history_source())}</span>",
            model=escape(model)) + "</p>")
        sliders = widgets.VBox([self.service_level_target, self.target_answer_seconds, self.aht_multiplier,
                                self.shrinkage, self.volume_uplift], layout={"width": "100%"})
        wrap = {"flex_flow": "row wrap", "align_items": "center"}
        return widgets.VBox([
            source, widgets.HBox([self.queue, self.day], layout=wrap), sliders, self.tiles, self.day_chart,
            self.heatmap, self.forecast_chart, widgets.HBox([self.export_button, self.export_link], layout=wrap),
        ])

    def history_source(self) -> str:
        """What the run's forecast history came from, as shown: call records or ACD interval reports."""
        if self.run_id is None:
            return _("no run")
        source = readers.run_volume_source(self.store, self.run_id)
        if source is None:
            return _("history source not recorded")
        if source in HISTORY_SOURCES:
            return _(HISTORY_SOURCES[source])
        return format_text("forecast from {source}", source=source)

    def _erlang_a(self) -> bool:
        return self.plan is not None and bool(pd.to_numeric(self.plan["mean_patience_seconds"]).lt(float("inf")).any())

    # -- computing ------------------------------------------------------------
    def selected(self) -> pd.DataFrame:
        """The stored plan's rows for the chosen queue (all columns)."""
        plan = self.plan
        return plan[plan["queue_id"].isin(glossary.select_queues(plan["queue_id"].unique(), self.queues))]

    def requirements(self) -> pd.DataFrame:
        """The what-if for the chosen queue and slider values (see :func:`what_if` for the columns)."""
        return what_if(self.selected(), service_level_target=self.service_level_target.value,
                       target_answer_seconds=self.target_answer_seconds.value,
                       aht_multiplier=self.aht_multiplier.value, volume_uplift=self.volume_uplift.value,
                       shrinkage=self.shrinkage.value)

    # -- rendering --------------------------------------------------------------
    def _render(self) -> None:
        self.tables.clear()
        if self.plan is None:
            self.add_notice(format_text(
                "No staffing plan in the store ({path}): the table '{tables}' is empty. Run the staffing notebook "
                "first (`workbench run staffing_forecast --params demo`, part of `make demo`).",
                path=self.store.path, tables=", ".join(self._missing)))
            for view in (self.tiles, self.heatmap, self.day_chart, self.forecast_chart):
                view.value = ""
            return
        if self.forecast is None:
            self.add_notice(format_text("The store holds no forecast of run '{run}': the forecast band is not shown.",
                                        run=self.run_id))
        result = self.requirements()
        self.tables["requirements"] = result
        hours = result["interval_minutes"].iloc[0] / 60 if len(result) else 0.5
        per_interval = result.groupby("interval_start", as_index=False)[
            ["calls", "raw_agents", "what_if_raw_agents", "scheduled_agents", "what_if_scheduled_agents"]].sum()
        self.tables["per_interval"] = per_interval
        self.tiles.value = self._tiles_html(result, per_interval, hours)
        self.heatmap.value = chart_svg(charts.staffing_heatmap(
            per_interval.assign(what_if_required_agents=per_interval["what_if_raw_agents"]),
            "what_if_required_agents", width=CHART_WIDTH))
        shown = per_interval
        if self.day.value != ALL_DAYS:
            shown = per_interval[pd.to_datetime(per_interval["interval_start"]).dt.date.astype(str) == self.day.value]
        self.day_chart.value = chart_svg(charts.agents_what_if(
            pd.DataFrame({"interval_start": shown["interval_start"], "baseline": shown["raw_agents"],
                          "what_if": shown["what_if_raw_agents"]}),
            title=format_text("Required agents per interval ({day}): stored plan and what-if", day=self.day.label),
            width=CHART_WIDTH))
        if self.forecast is not None:
            forecast = self.forecast[self.forecast["queue_id"].isin(result["queue_id"].unique())]
            total = forecast.groupby("ds", as_index=False)[["yhat", "yhat_lower", "yhat_upper"]].sum()
            if self.day.value != ALL_DAYS:
                total = total[pd.to_datetime(total["ds"]).dt.date.astype(str) == self.day.value]
            with warnings.catch_warnings():  # no history to draw: pandas warns about concatenating nothing
                warnings.simplefilter("ignore", FutureWarning)
                self.forecast_chart.value = chart_svg(charts.forecast_vs_history(
                    pd.DataFrame({"ds": pd.Series(dtype="datetime64[ns]"), "y": pd.Series(dtype=float)}), total,
                    title=_("Stored forecast: calls per interval with its 80 % band"), width=CHART_WIDTH,
                    height=160))

    def _tiles_html(self, result: pd.DataFrame, per_interval: pd.DataFrame, hours: float) -> str:
        def tile(label: str, key: str, value: str, note: str, colour: str = "#555") -> str:
            return (f"<div class='wb-tile' data-kpi='{key}' style='{TILE_STYLE}'>"
                    f"<div style='font-size:12px;color:#555'>{escape(label)}</div>"
                    f"<div class='wb-value' style='font-size:22px;font-weight:600'>{escape(value)}</div>"
                    f"<div style='font-size:11px;color:{colour}'>{escape(note)}</div></div>")

        def compared(label: str, key: str, base: float, new: float) -> str:
            change = new - base
            # More agents than the stored plan is the cost to notice: red; fewer: green.
            colour = "#555" if abs(change) < 1e-9 else ("#c0392b" if change > 0 else "#1e8449")
            sign = "+" if change >= 0 else ""
            note = format_text("stored plan {value} ({change})", value=i18n.format_number(base),
                               change=sign + i18n.format_number(change))
            return tile(label, key, i18n.format_number(new), note, colour)

        with_calls = result[result["what_if_calls"] > 0]
        level = (float((with_calls["what_if_service_level"] * with_calls["what_if_calls"]).sum()
                       / with_calls["what_if_calls"].sum()) if len(with_calls) else float("nan"))
        tiles = [
            compared(_("Agent-hours on the phones"), "required_agent_hours", result["raw_agents"].sum() * hours,
                     result["what_if_raw_agents"].sum() * hours),
            compared(_("Paid agent-hours (after shrinkage)"), "scheduled_agent_hours",
                     result["scheduled_agents"].sum() * hours, result["what_if_scheduled_agents"].sum() * hours),
            compared(_("Peak agents in an interval"), "peak_required_agents", per_interval["raw_agents"].max(),
                     per_interval["what_if_raw_agents"].max()),
            tile(_("Expected service level"), "expected_service_level", i18n.format_percent(level),
                 _("call-weighted, at the what-if agents")),
        ]
        return "<div style='display:flex;flex-wrap:wrap'>" + "".join(tiles) + "</div>"

    # -- export ---------------------------------------------------------------
    def export_csv(self, _button: Any = None, folder: str | Path | None = None) -> Path | None:
        """Write the current requirement table to ``outputs/apps/staffing/`` and offer it as a download link."""
        with i18n.using_language(self.interface_language):  # a click is handled outside the app's cell
            return self._export_csv(folder)

    def _export_csv(self, folder: str | Path | None) -> Path | None:
        result = self.tables.get("requirements")
        if result is None or result.empty:
            self.export_link.value = f"<em>{escape(_('Nothing to export.'))}</em>"
            return None
        out_dir = Path(folder) if folder is not None else paths.outputs_dir() / "apps" / "staffing"
        out_dir.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
        name = f"requirements_{self.run_id}_{self.queue.value}_{stamp}.csv"
        text = csv_text(result[[c for c in EXPORT_COLUMNS if c in result.columns]])
        path = out_dir / name
        path.write_text(text, encoding="utf-8")
        payload = base64.b64encode(text.encode("utf-8")).decode("ascii")
        link = format_text("Download {file}", file=escape(name))
        saved = format_text("(also saved as {path})", path=escape(str(path)))
        self.export_link.value = (
            f"<a class='wb-download' download='{escape(name)}' href='data:text/csv;base64,{payload}' "
            f"style='overflow-wrap:anywhere'>{link}</a> <span style='color:#555;overflow-wrap:anywhere'>{saved}</span>")
        return path
