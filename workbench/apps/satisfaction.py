"""Satisfaction drivers: ranked drivers with intervals, effect curves, a what-if and the adjusted agent table.

What moves CSAT: the drivers ranked by their effect on the chance of a
top-box score with 95 % intervals, the effect curves (expected top-box share
with every call set to a value), a what-if calculator read off those curves,
and each agent's effect after call mix, shrunk toward the average. Served as
``notebooks/apps/satisfaction.ipynb``; nothing is refitted and nothing written.

Reads the tables a finished run of ``notebooks/satisfaction_drivers.ipynb``
saved under ``outputs/satisfaction_drivers/<run_id>/tables/`` (``LATEST`` names
the newest run): ``drivers_detail.csv`` (else ``drivers.csv``),
``effect_curves.csv``, ``what_if.csv`` and ``agent_effects.csv``. The what-if
interpolates the saved effect curves (expected top-box share with every call
set to a value), so nothing is refitted on a click.

When the store's calls carry custom dimensions, "CSAT by" shows the survey
figures per value of one of them (CSAT by member tier), computed by
:func:`workbench.kpis.compute_kpis` on the store's ``calls`` and ``surveys``,
as the KPI report does.

When the store holds call sentiment (``speech_metrics``, scored from the
transcripts), "Negative calls by" shows the share of negative calls per queue,
agent or day (:func:`workbench.store.readers.call_sentiment`, every scored call
in the store), and a line says where the run ranked the sentiment drivers
(``call_sentiment``, ``negative_call``, ``sentiment_turnaround`` of
:data:`workbench.drivers.table.SENTIMENT_FEATURES`).

Every text on the page is in the reader's language (``interface_language``);
the driver and agent tables as :func:`workbench.drivers.display.display_table`
shows them in the reports. Driver names and agent ids are data, shown as stored.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

import ipywidgets as widgets
import numpy as np
import pandas as pd

from workbench import charts, i18n, paths
from workbench.apps.base import CONTROL_LAYOUT, App, breakdown_table, chart_svg, dimension_title, table_html
from workbench.csvfiles import read_csv
from workbench.drivers.display import VALUE_WORDS, display_table
from workbench.drivers.table import SENTIMENT_FEATURES
from workbench.errors import StoreError
from workbench.i18n import N_, _
from workbench.kpis import compute_kpis
from workbench.params import SatisfactionAppParameters

NOTEBOOK = "satisfaction_drivers"
MISSING_HOW = N_("The drivers come from an analysis run: ask your analyst to run "
                 "`workbench run satisfaction_drivers --params demo`.")
DRIVER_COLUMNS = ["rank", "feature", "kind", "step", "effect", "ci_low", "ci_high", "direction"]
#: KPI column -> its heading in the CSAT-by-dimension table (N_ texts, shown translated).
CSAT_BY_COLUMNS: dict[str, str] = {
    "answered": N_("Answered calls"),
    "survey_response_rate": N_("Surveyed"),
    "csat_responses": N_("Responses"),
    "csat_mean": N_("Mean CSAT (1-5)"),
    "csat_top_box_rate": N_("Top box (5 of 5)"),
}

#: Fewer survey responses than this for a value: its CSAT is marked as resting on few answers.
FEW_RESPONSES = 30
#: "Negative calls by" choices: column of :func:`workbench.store.readers.call_sentiment` -> its word (N_ text).
NEGATIVE_BY: dict[str, str] = {"queue_id": N_("Queue"), "agent_id": N_("Agent"), "day": N_("Day")}
#: Headings of the negative-calls table (the rest: i18n.COLUMN_LABELS).
NEGATIVE_LABELS: dict[str, str] = {"calls": N_("Calls with a sentiment")}
AGENT_COLUMNS = ["agent_id", "surveys", "top_box_rate", "expected_rate", "effect", "ci_low", "ci_high", "shrinkage",
                 "differs"]


def runs_folder() -> Path:
    """``outputs/satisfaction_drivers``."""
    return paths.outputs_dir() / NOTEBOOK


def latest_run_id() -> str | None:
    """The run ``outputs/satisfaction_drivers/LATEST`` names, if any."""
    latest = runs_folder() / "LATEST"
    if not latest.is_file():
        return None
    return latest.read_text(encoding="utf-8").strip() or None


def interpolate_curve(curve: pd.DataFrame, value: float) -> dict[str, float]:
    """``top_box``, ``ci_low``, ``ci_high`` of one model's curve of one feature at ``value`` (clipped to its range)."""
    curve = curve.sort_values("value")
    x = curve["value"].to_numpy(dtype=float)
    at = float(np.clip(value, x.min(), x.max()))
    return {"value": at, **{c: float(np.interp(at, x, curve[c].to_numpy(dtype=float)))
                            for c in ("top_box", "ci_low", "ci_high")}}


def _share(value: float, sign: bool = False) -> str:
    """A share as a percentage for the reader's language (``sign``: always with + or -)."""
    if value is None or pd.isna(value):
        return _("n/a")
    text = i18n.format_percent(value, 1)
    return ("+" + text) if sign and value >= 0 else text


def _band(low: float, high: float, sign: bool = False) -> str:
    if pd.isna(low) or pd.isna(high):
        return _("no interval saved")
    return _("{low} to {high}").format(low=_share(low, sign), high=_share(high, sign))


def model_word(model: str) -> str:
    """A driver model's name in words for the reader (``logistic`` -> logistic regression); others as saved."""
    return _(VALUE_WORDS[model]) if model in VALUE_WORDS else str(model)


def _value(value: float) -> str:
    """A driver's value (seconds, a count, 0/1) as a number for the reader's language, up to 4 significant digits."""
    decimals = 0 if float(value).is_integer() else min(3, max(0, 3 - int(np.floor(np.log10(abs(value))))))
    return i18n.format_number(value, decimals)


class SatisfactionApp(App):
    """What moves CSAT, from the latest satisfaction-drivers run: drivers, curves, what-if, agents.

    Args:
        params: validated parameters (run, driver model, what-if start values).
        notices: messages shown from the start.
    """

    title = N_("Satisfaction drivers")
    summary = N_("What moves customer satisfaction (CSAT): the drivers ranked by how much they change the chance "
                 "of a top score (5 of 5), each with its 95 % interval; a driver whose interval does not cross "
                 "zero has a clear effect. Use the what-if to see how much a change across every call, such as "
                 "30 seconds less waiting, would move the top-score share. The agent table compares agents after "
                 "allowing for the calls they took: coach those who differ, not those who only had hard calls.")
    parameters_model = SatisfactionAppParameters
    params: SatisfactionAppParameters

    # -- loading --------------------------------------------------------------
    def _read(self, name: str) -> pd.DataFrame | None:
        path = self.tables_dir / f"{name}.csv" if self.tables_dir is not None else None
        if path is None or not path.is_file():
            return None
        try:
            frame = read_csv(path)
        except pd.errors.EmptyDataError:
            return None
        return frame if len(frame) else None

    def _load(self) -> None:
        self.run_id = self.params.run_id or latest_run_id()
        if self.params.run_id and not (runs_folder() / self.params.run_id / "tables").is_dir():
            latest = latest_run_id()
            self._fixed_notices.append(_("Satisfaction run '{run}' has no results; showing the latest ({latest}).")
                                       .format(run=self.params.run_id, latest=latest or _("none")))
            self.run_id = latest
        folder = runs_folder() / self.run_id / "tables" if self.run_id else None
        self.tables_dir = folder if folder is not None and folder.is_dir() else None
        self.drivers = self._read("drivers_detail")
        if self.drivers is None:
            self.drivers = self._read("drivers")
        self.curves = self._read("effect_curves")
        self.saved_what_if = self._read("what_if")
        self.agents = self._read("agent_effects")
        self.sentiment = self._call_sentiment()

    def _call_sentiment(self) -> pd.DataFrame | None:
        """Every call of the store with a stored sentiment (:func:`readers.call_sentiment`); None when none is."""
        from workbench.store import readers

        try:
            if not readers.sentiment_call_count(self.store):
                return None
            return readers.call_sentiment(self.store)
        except StoreError:  # no store (yet): the drivers still come from the run folder
            return None

    # -- building -------------------------------------------------------------
    def _build(self) -> widgets.Widget:
        p = self.params
        self._svg_cache: dict[tuple, str] = {}
        self._load()
        curves = self.curves if self.curves is not None else pd.DataFrame(columns=["model", "feature", "value"])
        features = list(dict.fromkeys(curves["feature"]))
        models = list(dict.fromkeys(curves["model"])) or ["logistic", "boosting"]
        feature = p.what_if_feature
        if features and feature not in features:
            self._fixed_notices.append(_("'{feature}' has no effect curve in this run; the what-if uses "
                                         "'{used}' (curves: {known}).").format(
                feature=feature, used=features[0], known=_(", ").join(features)))
            feature = features[0]
        self.driver_model = widgets.Dropdown(options=[(model_word(m), m) for m in models], value=p.driver_model if p.driver_model in models
                                             else models[0], description=_("Model"), layout=CONTROL_LAYOUT)
        self.feature = widgets.Dropdown(options=features, value=feature if features else None,
                                        description=_("What if"), layout=CONTROL_LAYOUT)
        self.start_value = widgets.FloatText(value=self._default_start(feature) if p.what_if_from is None
                                             else p.what_if_from, description=_("Every call at"),
                                             layout=CONTROL_LAYOUT, style={"description_width": "initial"})
        change = -1.0 if self._is_binary(feature) and abs(p.what_if_change) > 1 else p.what_if_change
        self.change = widgets.FloatText(value=change, description=_("Change by"), layout=CONTROL_LAYOUT,
                                        style={"description_width": "initial"})
        self.differs_only = widgets.Checkbox(value=False, description=_("Only agents who differ from the average"),
                                             indent=False, layout={"width": "auto", "max_width": "100%"})
        for control, name in ((self.driver_model, "driver-model"), (self.feature, "feature"), (self.start_value, "from"),
                              (self.change, "change"), (self.differs_only, "differs-only")):
            control.add_class(f"wb-{name}")
        self.drivers_chart = widgets.HTML()
        self.drivers_table = widgets.HTML()
        self.curves_chart = widgets.HTML()
        self.what_if = widgets.HTML()
        self.agents_chart = widgets.HTML()
        self.agents_table = widgets.HTML()
        for view, name in ((self.drivers_chart, "drivers-chart"), (self.drivers_table, "drivers"),
                           (self.curves_chart, "curves-chart"), (self.what_if, "what-if"),
                           (self.agents_chart, "agents-chart"), (self.agents_table, "agents")):
            view.add_class(f"wb-{name}")
        self._csat_by_cache: dict[str, pd.DataFrame] = {}
        self.csat_by = self._group_by_picker(_("CSAT by"), self.pickable_dimensions())
        self.csat_by.add_class("wb-csat-by-picker")
        self.csat_by_table = widgets.HTML()
        self.csat_by_table.add_class("wb-csat-by")
        self.negative_by = widgets.Dropdown(options=[(_(word), column) for column, word in NEGATIVE_BY.items()],
                                            value="queue_id", description=_("Negative calls by"),
                                            layout=CONTROL_LAYOUT, style={"description_width": "initial"})
        self.negative_by.add_class("wb-negative-by")
        self.sentiment_driver = widgets.HTML()
        self.sentiment_driver.add_class("wb-sentiment-driver")
        self.negative_table = widgets.HTML()
        self.negative_table.add_class("wb-negative-share")
        if self.sentiment is None:  # nothing to split: the table says why instead
            self.negative_by.layout.display = "none"
        self.feature.observe(self._feature_changed, names="value")
        self._watch(self.driver_model, self.start_value, self.change, self.differs_only, self.csat_by, self.negative_by)
        source = widgets.HTML(
            f"<p style='color:#555;margin:2px 0'>"
            + escape(_("Results of the analysis run {run}.").format(run=self.run_id)) + "</p>"
            if self.tables_dir is not None else "")
        csat_by = widgets.VBox([self.csat_by, self.csat_by_table])
        if len(self.csat_by.options) < 2:  # a store without custom dimensions shows no empty section
            csat_by.layout.display = "none"
        return widgets.VBox([
            source, self.driver_model, self.drivers_chart, self.drivers_table, self.curves_chart,
            widgets.HBox([self.feature, self.start_value, self.change]), self.what_if,
            self.differs_only, self.agents_chart, self.agents_table, self.sentiment_driver, self.negative_by,
            self.negative_table, csat_by,
        ])

    def _default_start(self, feature: str | None) -> float:
        """The middle of ``feature``'s curve (rounded), 1 for a yes/no driver (so a change of -1 removes it)."""
        if self.curves is None or feature is None:
            return 0.0
        values = self.curves.loc[self.curves["feature"] == feature, "value"]
        if values.empty:
            return 0.0
        if self._is_binary(feature):
            return 1.0
        return float(round((values.min() + values.max()) / 2))

    def _is_binary(self, feature: str | None) -> bool:
        values = self.curves.loc[self.curves["feature"] == feature, "value"] if self.curves is not None else []
        return len(values) > 0 and set(pd.Series(values).round(6)) <= {0.0, 1.0}

    def _feature_changed(self, change: dict) -> None:
        """A new driver starts from its own typical value (a yes/no driver: from yes to no)."""
        if self._updating:
            return
        with self._quiet():
            self.start_value.value = self._default_start(change["new"])
            if self._is_binary(change["new"]):
                self.change.value = -1.0
            elif self._is_binary(change["old"]):
                self.change.value = self.params.what_if_change
        self._update()

    def _svg(self, key: tuple, draw) -> str:
        """A chart's SVG, drawn once per key (the what-if inputs do not redraw the charts)."""
        if key not in self._svg_cache:
            self._svg_cache[key] = chart_svg(draw())
        return self._svg_cache[key]

    # -- computing ------------------------------------------------------------
    def what_if_result(self) -> pd.DataFrame:
        """The what-if on the saved curve of the chosen model and driver: one row (empty when no curve)."""
        columns = ["model", "feature", "from_value", "to_value", "top_box_from", "top_box_to", "change",
                   "band_from_low", "band_from_high", "band_to_low", "band_to_high", "clipped"]
        if self.curves is None or self.feature.value is None:
            return pd.DataFrame(columns=columns)
        curve = self.curves[(self.curves["feature"] == self.feature.value) & (self.curves["model"] == self.driver_model.value)]
        if curve.empty:
            return pd.DataFrame(columns=columns)
        start, end = float(self.start_value.value), float(self.start_value.value) + float(self.change.value)
        a, b = interpolate_curve(curve, start), interpolate_curve(curve, end)
        return pd.DataFrame([{
            "model": self.driver_model.value, "feature": self.feature.value, "from_value": a["value"], "to_value": b["value"],
            "top_box_from": a["top_box"], "top_box_to": b["top_box"], "change": b["top_box"] - a["top_box"],
            "band_from_low": a["ci_low"], "band_from_high": a["ci_high"], "band_to_low": b["ci_low"],
            "band_to_high": b["ci_high"], "clipped": a["value"] != start or b["value"] != end,
        }], columns=columns)

    def csat_by_dimension(self, dimension: str) -> pd.DataFrame:
        """Survey figures of every call in the store per value of ``dimension`` (computed once per dimension)."""
        if dimension not in self._csat_by_cache:
            self._csat_by_cache[dimension] = compute_kpis(self.store, by=[dimension])
        return self._csat_by_cache[dimension]

    def negative_by_group(self, by: str) -> pd.DataFrame:
        """Calls with a stored sentiment and the share labelled negative per ``by`` (queue_id, agent_id or day).

        Columns ``<by>, calls, negative_calls, negative_share``: days in order, queues and agents most negative
        first; a call whose queue, agent or day is unknown is under a missing value. Empty without sentiment.
        """
        from workbench.sentiment import negative_share

        if by not in NEGATIVE_BY:
            raise ValueError(f"negative calls by {by!r}; known: {', '.join(NEGATIVE_BY)}")
        columns = [by, "calls", "negative_calls", "negative_share"]
        if self.sentiment is None or self.sentiment.empty:
            return pd.DataFrame(columns=columns)
        shares = negative_share(self.sentiment, [by])[columns]
        if by == "day":
            return shares.sort_values(by, ignore_index=True, na_position="last")
        return shares.sort_values(["negative_share", "calls"], ascending=False, ignore_index=True)

    # -- rendering --------------------------------------------------------------
    def _render(self) -> None:
        self.tables.clear()
        self._render_csat_by()
        self._render_negative()
        self._render_sentiment_driver()
        views = (self.drivers_chart, self.drivers_table, self.curves_chart, self.what_if, self.agents_chart,
                 self.agents_table)
        if self.tables_dir is None:
            self.add_notice(_("No satisfaction-driver results yet. {how}").format(how=_(MISSING_HOW)))
            for view in views:
                view.value = ""
            return
        missing = [name for name, frame in (("drivers_detail.csv / drivers.csv", self.drivers),
                                            ("effect_curves.csv", self.curves), ("agent_effects.csv", self.agents))
                   if frame is None]
        if missing:
            self.add_notice(_("Run '{run}' saved no {tables} (the analysis found too little data for them). {how}")
                            .format(run=self.run_id, tables=_(", ").join(missing), how=_(MISSING_HOW)))
        self._render_drivers()
        self._render_curves()
        self._render_agents()

    def _render_csat_by(self) -> None:
        dimension = self.csat_by.value
        if not dimension:
            self.csat_by_table.value = ""
            return
        kpis = self.csat_by_dimension(dimension)
        self.tables["csat_by"] = kpis
        shown = breakdown_table(kpis, dimension, CSAT_BY_COLUMNS)
        few = kpis["csat_responses"] < FEW_RESPONSES
        shown[_("Note")] = [_("few responses: read with care") if f else "" for f in few]
        title = dimension_title(dimension)
        note = _("{dimension} is the value on the call; a call without one is under \"no value\". The drivers "
                 "above come from the analysis run and are not split by {dimension_lower}.").format(
            dimension=title.capitalize(), dimension_lower=title)
        self.csat_by_table.value = table_html(
            shown, caption=_("CSAT by {dimension}: survey responses on answered calls, every call in the store")
            .format(dimension=title)) + f"<p style='color:#555;font-size:12px'>{escape(note)}</p>"

    def _render_negative(self) -> None:
        heading = _("Negative calls per queue, agent and day")
        if self.sentiment is None:
            note = _("No call sentiment in the store yet: when the calls' transcripts are scored for sentiment, "
                     "the share of negative calls per queue, agent and day is shown here.")
            self.negative_table.value = (f"<p><strong>{escape(heading)}</strong></p>"
                                         f"<p style='color:#555'>{escape(note)}</p>")
            return
        by = self.negative_by.value
        shares = self.negative_by_group(by)
        self.tables["negative"] = shares
        shown = i18n.people_table(shares, labels={**NEGATIVE_LABELS, by: NEGATIVE_BY[by]}, percent=["negative_share"],
                                  whole=["calls", "negative_calls"], dates=["day"] if by == "day" else ())
        # a recording without its call record has no queue, agent or day: said in words, not left blank
        shown.iloc[:, 0] = [_("no value") if pd.isna(v) else text for v, text in zip(shares[by], shown.iloc[:, 0])]
        caption = _("Negative calls by {group}: of every call in the store with a stored sentiment, the share "
                    "labelled negative").format(group=_(NEGATIVE_BY[by]).lower())
        self.negative_table.value = table_html(shown, caption=caption)

    def _render_sentiment_driver(self) -> None:
        """Where the run ranked the sentiment drivers for the chosen model, or that it had none."""
        if self.drivers is None:
            self.sentiment_driver.value = ""
            return
        model = self.driver_model.value
        ranked = self.drivers[self.drivers["model"] == model]
        found = ranked[ranked["feature"].isin(SENTIMENT_FEATURES)].sort_values("rank")
        heading = _("Call sentiment as a driver ({model})").format(model=model_word(model))
        if found.empty:
            note = _("This analysis run has no sentiment driver: its calls had no stored sentiment, or too few "
                     "of the surveyed ones had. Run the analysis again once the calls are scored for sentiment.")
            self.sentiment_driver.value = (f"<p><strong>{escape(heading)}</strong></p>"
                                           f"<p style='color:#555'>{escape(note)}</p>")
            return
        count = i18n.format_number(int(ranked["rank"].max()) if len(ranked) else 0)
        items = []
        for row in found.itertuples(index=False):
            interval = ""
            if pd.notna(getattr(row, "ci_low", np.nan)) and pd.notna(getattr(row, "ci_high", np.nan)):
                interval = _(" (95 % interval {low} to {high})").format(low=i18n.format_number(row.ci_low, 2),
                                                                        high=i18n.format_number(row.ci_high, 2))
            items.append(_("{driver} ranks {rank} of {count}, effect {effect}{interval}").format(
                driver=i18n.column_label(str(row.feature)), rank=i18n.format_number(int(row.rank)), count=count,
                effect=i18n.format_number(row.effect, 2), interval=interval))
        body = "".join(f"<li>{escape(item)}</li>" for item in items)
        self.sentiment_driver.value = f"<p><strong>{escape(heading)}</strong></p><ul>{body}</ul>"

    def _render_drivers(self) -> None:
        if self.drivers is None:
            self.drivers_chart.value = self.drivers_table.value = ""
            return
        self.tables["drivers"] = self.drivers
        self.drivers_chart.value = self._svg(("drivers",), lambda: charts.driver_effects(self.drivers, width=300))
        shown = self.drivers[self.drivers["model"] == self.driver_model.value].sort_values("rank")
        self.drivers_table.value = table_html(
            display_table(shown[[c for c in DRIVER_COLUMNS if c in shown.columns]]),
            caption=_("Ranked drivers ({model}): effect on the log-odds of a top score, with its 95 % interval")
            .format(model=model_word(self.driver_model.value)))

    def _render_curves(self) -> None:
        if self.curves is None:
            self.curves_chart.value = ""
            self.what_if.value = "<p>" + escape(_("No effect curves in this run: no what-if.")) + "</p>"
            return
        curves = self.curves[self.curves["model"] == self.driver_model.value]
        self.curves_chart.value = (self._svg(("curves", self.driver_model.value), lambda: charts.driver_curves(curves))
                                  if len(curves) else "")
        result = self.what_if_result()
        self.tables["what_if"] = result
        if result.empty:
            self.what_if.value = "<p>" + escape(_("No {model} curve for {driver}.").format(
                model=model_word(self.driver_model.value), driver=self.feature.value)) + "</p>"
            return
        row = result.iloc[0]
        colour = "#1e8449" if row["change"] > 0 else ("#c0392b" if row["change"] < 0 else "#555")
        clipped = (" <em>" + escape(_("(values outside the curve's range were held at its ends)")) + "</em>"
                   if row["clipped"] else "")
        saved = ""
        if self.saved_what_if is not None:
            same = self.saved_what_if[self.saved_what_if["model"] == self.driver_model.value]
            if len(same):
                s = same.iloc[0]
                saved = ("<div style='font-size:12px;color:#555'>" + escape(_(
                    "The analysis run's own what-if ({scenario}, on the actual calls): {change} (95 % interval "
                    "{band}).").format(scenario=s["scenario"], change=_share(s["change"], True),
                                       band=_band(s["ci_low"], s["ci_high"], True))) + "</div>")
        sentence = _("With every call's {driver} at {start}, the expected top-box share is {share_start} (band "
                     "{band_start}); at {end} it is {share_end} (band {band_end}).").format(
            driver="\x00", start=_value(row["from_value"]), share_start=_share(row["top_box_from"]),
            band_start=_band(row["band_from_low"], row["band_from_high"]), end=_value(row["to_value"]),
            share_end=_share(row["top_box_to"]), band_end=_band(row["band_to_low"], row["band_to_high"]))
        # the driver's name is data, in bold: put in after escaping the sentence around it
        sentence = escape(sentence).replace("\x00", f"<strong>{escape(str(row['feature']))}</strong>")
        explain = _("change in the top-box share by the {model} model, read off its saved effect curve").format(
            model=model_word(row["model"]))
        self.what_if.value = (
            f"<div class='wb-what-if-result' style='padding:8px 10px;border:1px solid #ddd;border-radius:4px;"
            f"max-width:760px;overflow-wrap:anywhere'>{sentence}{clipped}"
            f"<div class='wb-value' style='font-size:22px;font-weight:600;color:{colour}'>{_share(row['change'], True)}</div>"
            f"<div style='font-size:12px;color:#555'>{escape(explain)}</div>{saved}</div>")

    def _render_agents(self) -> None:
        if self.agents is None:
            self.agents_chart.value = self.agents_table.value = ""
            return
        agents = self.agents
        if self.differs_only.value:
            agents = agents[agents["differs"].astype(str).str.lower() == "true"]
        self.tables["agents"] = agents
        if agents.empty:
            self.agents_chart.value = ""
            self.agents_table.value = ("<p>" + escape(_("No agent differs from the average once call mix is held "
                                                        "fixed.")) + "</p>")
            return
        chart = agents.assign(agent_id=agents["agent_id"].astype(str),
                              differs=agents["differs"].astype(str).str.lower() == "true")
        self.agents_chart.value = self._svg(("agents", self.differs_only.value), lambda: charts.agent_effects(chart))
        self.agents_table.value = table_html(
            display_table(agents[[c for c in AGENT_COLUMNS if c in agents.columns]]),
            caption=_("Agents after call mix: effect on the log-odds of a top score, shrunk toward the average"))
