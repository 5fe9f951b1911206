"""The shape every Voilà app shares (voila-gallery's country-indicators pattern).

An app is a class: its widgets are built in ``__init__``, every control calls
``_on_change`` -> ``_update``, and ``container`` is the one thing a notebook
displays. Apps only read finished results (the store, ``outputs/``); nothing
here fits or trains anything, so a click costs a query and a redraw.

Charts are drawn to static SVG with vl-convert and put into
``ipywidgets.HTML`` widgets whose value the callback replaces: no CDN, and no
large inline-HTML chart inside an ``ipywidgets.Output`` (that hangs Voilà,
voila-dashboards/voila#1522). A chart that answers clicks (drill-down) is an
``altair.JupyterChart`` made by :func:`clickable_chart`, with its JavaScript
from vl-convert's offline bundle. Tables go into the ``output`` area, cleared with
``clear_output(wait=True)`` so the page does not jump while it redraws.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from html import escape
from typing import TYPE_CHECKING, Any

import ipywidgets as widgets
from IPython.display import HTML, clear_output, display

from workbench import glossary, i18n, paths
from workbench.errors import StoreError
from workbench.i18n import N_, _
from workbench.store import Store, readers

if TYPE_CHECKING:
    import altair as alt
    import pandas as pd

    from workbench.params import AppParameters

#: Widths used across apps, so controls line up (on a phone :data:`PAGE_CSS` widens them to the screen).
CONTROL_LAYOUT = {"width": "260px"}
#: Dimension types an app offers as filters and breakdowns: a number dimension
#: (order value) is a measure with a value per call, not a short list of choices.
PICKABLE_DIMENSION_TYPES = ("category", "flag")
#: The first choice of a dimension filter (every value) and of a breakdown picker (none), shown translated.
ALL_VALUES, NO_BREAKDOWN = N_("all"), N_("none")
#: Screens at most this wide are phones: controls take the full width, one per line.
PHONE_MAX_WIDTH_PX = 600
#: The page style every app emits with its heading. Phones (360-414 px): controls fill the width and wrap,
#: drawn charts (SVG in HTML widgets) shrink to the screen, clickable charts and tables scroll inside their
#: own box, so the page itself never scrolls sideways. Voilà's lab template pads the page and every cell;
#: on a phone that padding is trimmed so the app gets the width.
PAGE_CSS = f"""
.workbench-app {{ max-width: 100%; box-sizing: border-box; }}
.workbench-app .widget-hbox {{ flex-wrap: wrap; }}
.workbench-app .widget-html-content {{ max-width: 100%; }}
.workbench-app .widget-html-content > p, .workbench-app .widget-html-content > div,
.workbench-app .widget-html-content > ul, .workbench-app .wb-table {{ line-height: 1.45; }}
.workbench-app .wb-summary {{ max-width: 60em; }}
.workbench-app .widget-html svg {{ max-width: 100%; height: auto; }}
.workbench-app .wb-table-wrap {{ overflow-x: auto; max-width: 100%; -webkit-overflow-scrolling: touch; }}
.workbench-app .wb-clickable {{ max-width: 100%; overflow-x: auto; overflow-y: hidden; }}
.workbench-app .wb-table {{ border-collapse: collapse; font-size: 12px; }}
.workbench-app .wb-table th {{ text-align: left; vertical-align: bottom; word-break: keep-all; }}
@media (max-width: {PHONE_MAX_WIDTH_PX}px) {{
  body, .jp-Notebook, #rendered_cells, .jp-Cell, .jp-OutputArea-output, .jp-Cell-outputWrapper {{
    padding-left: 0 !important; padding-right: 0 !important; margin-left: 0 !important;
    margin-right: 0 !important; }}
  .jp-OutputPrompt, .jp-InputPrompt, .jp-OutputArea-prompt {{ display: none !important; }}
  .workbench-app {{ padding: 4px 6px !important; }}
  .workbench-app .widget-hbox > .widget-inline-hbox, .workbench-app .widget-vbox > .widget-inline-hbox {{
    width: 100% !important; max-width: 100% !important; }}
  .workbench-app .widget-inline-hbox .widget-label {{ flex: 0 0 auto; max-width: 45%; white-space: normal; }}
  .workbench-app .widget-inline-hbox select, .workbench-app .widget-inline-hbox input {{ min-width: 0; }}
  .workbench-app .widget-html-content {{ white-space: normal; }}
}}
"""
#: Chinese text in a Simplified Chinese face (without it Chromium may pick a Japanese one for the Han glyphs).
CHINESE_FONTS = '"Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", "WenQuanYi Micro Hei"'
NOTICE_STYLE = (
    "padding:8px 12px;margin:4px 0;border-left:4px solid #d68910;background:#fef5e7;"
    "color:#5d4037;font-size:14px;overflow-wrap:anywhere"
)


def _in_kernel() -> bool:
    from IPython import get_ipython

    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


def chart_svg(chart: alt.TopLevelMixin) -> str:
    """An Altair chart as an SVG string, drawn offline by vl-convert (its texts as :mod:`workbench.charts`
    wrote them: in the reader's language)."""
    from workbench import charts

    return charts.to_svg(chart)


def _enable_offline_chart_widgets() -> None:
    """Make ``altair.JupyterChart`` load its JavaScript from vl-convert's bundle, not a CDN.

    Bundling takes over a second per kernel, and every app visit is a fresh
    kernel, so the bundle is kept in the cache folder, keyed by the altair and
    vl-convert versions that made it.
    """
    import altair as alt
    import vl_convert as vlc

    chart_widget = alt.JupyterChart
    if chart_widget._is_offline:
        return
    bundle = paths.cache_dir() / "js" / f"altair-{alt.__version__}-vl-convert-{vlc.__version__}.js"
    if bundle.exists():
        chart_widget._esm = bundle.read_text(encoding="utf-8")
        chart_widget._is_offline = True
        return
    chart_widget.enable_offline()
    bundle.parent.mkdir(parents=True, exist_ok=True)
    partial = bundle.with_suffix(f".{os.getpid()}.part")
    partial.write_text(chart_widget._esm, encoding="utf-8")
    partial.replace(bundle)  # atomic: a kernel starting alongside never reads half a file


def clickable_chart(selection: str, on_pick: Callable[[list[dict[str, Any]]], None], css_class: str) -> Any:
    """An empty interactive chart widget (``altair.JupyterChart``) reporting clicks.

    Set its ``chart`` attribute to an Altair chart holding a point selection
    named ``selection``; each click calls ``on_pick`` with the picked data
    (a list of ``{field: value}``; empty when the pick is cleared). Drawn as
    SVG, offline.

    Args:
        selection: the selection parameter's name in the charts given later.
        on_pick: called with the picked values after every click.
        css_class: class put on the widget (tests and page styles find it by it).
    """
    import altair as alt

    _enable_offline_chart_widgets()
    widget = alt.JupyterChart(None, embed_options={"renderer": "svg", "actions": False})
    widget.add_class(css_class)
    widget.add_class("wb-clickable")  # scrolls inside its own box on a phone (PAGE_CSS)
    language = i18n.current_language()

    def picked(change: dict[str, Any]) -> None:
        # altair's own observer has already turned the raw Vega state into widget.selections
        state = getattr(widget.selections, selection, None)
        if selection in change["new"] and state is not None:
            with i18n.using_language(language):  # a click is handled outside the cell that chose the language
                on_pick(list(state.value))

    widget.observe(picked, names="_vl_selections")
    return widget


def dimension_label(value: Any) -> str:
    """A dimension value as a manager reads it: ``yes``/``no`` for a flag (translated), a number as written,
    text as stored (data is never translated)."""
    if isinstance(value, bool) or type(value).__name__ == "bool_":
        return _("yes") if value else _("no")
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def dimension_text(value: Any) -> str:
    """A dimension value as ``dimension_filter`` writes it (``true``/``false`` for a flag, a number as ``2.5``)."""
    if isinstance(value, bool) or type(value).__name__ == "bool_":
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _listed(labels: list[str], most: int = 12) -> str:
    """``a, b, c`` for a notice: at most ``most`` labels, then how many more."""
    more = len(labels) - most
    shown = _(", ").join(labels[:most])
    return shown + (_(" and {count} more").format(count=i18n.format_number(more)) if more > 0 else "")


def dimension_title(name: str) -> str:
    """A dimension name as a label (``member_tier`` -> ``member tier``)."""
    return name.replace("_", " ")


#: How a KPI column is written in a breakdown table: ``("percent" | "number", decimals)``; any other
#: column is a whole number. Written for the reader's language by :func:`format_kpi`.
KPI_FORMATS: dict[str, tuple[str, int]] = {
    "abandonment_rate": ("percent", 1), "service_level": ("percent", 1), "transfer_rate": ("percent", 1),
    "fcr_rate": ("percent", 1), "survey_response_rate": ("percent", 1), "csat_top_box_rate": ("percent", 1),
    "asa_seconds": ("number", 1), "aht_seconds": ("number", 0), "csat_mean": ("number", 2),
}


def format_kpi(column: str, value: Any) -> str:
    """``value`` of KPI ``column`` as :data:`KPI_FORMATS` says, for the reader's language; empty when undefined."""
    import pandas as pd

    if value is None or pd.isna(value):
        return ""
    kind, decimals = KPI_FORMATS.get(column, ("number", 0))
    if kind == "percent":
        return i18n.format_percent(value, decimals)
    return i18n.format_number(value, decimals)


def breakdown_table(kpis: pd.DataFrame, dimension: str, columns: dict[str, str]) -> pd.DataFrame:
    """KPIs by ``dimension`` (``compute_kpis(by=[dimension])``) as an app shows them: one row per value.

    The dimension's column first, its values as :func:`dimension_label` writes
    them ("no value" for calls without one), then each KPI column of
    ``columns`` (column -> heading, an ``N_``-marked text shown translated)
    written by :func:`format_kpi`; an undefined rate is empty.
    """
    import pandas as pd

    shown = pd.DataFrame({dimension_title(dimension): [
        _("no value") if pd.isna(value) else dimension_label(value)
        for value in kpis[dimension]]})
    for column, heading in columns.items():
        shown[_(heading)] = [format_kpi(column, v) for v in kpis[column]]
    return shown


def table_html(frame: pd.DataFrame, *, max_rows: int = 200, caption: str = "",
               labels: dict[str, str] | None = None) -> str:
    """A DataFrame as a compact HTML table (at most ``max_rows`` rows, the rest counted), in a box that
    scrolls sideways on a narrow screen.

    Column headings are the readable, translated ones of
    :func:`workbench.i18n.labelled_columns` (``labels``: column -> ``N_``-marked
    heading, adding to or overriding :data:`workbench.i18n.COLUMN_LABELS`);
    numbers are written for the reader's language; values are data, escaped,
    never translated. ``caption`` is shown as given (translate it first).
    """
    import pandas as pd

    head_rows = i18n.labelled_columns(frame.head(max_rows), labels=labels)
    shown = head_rows.astype(object).where(head_rows.notna(), "")
    for column in shown.columns:
        values = head_rows[column]
        if pd.api.types.is_float_dtype(values):
            shown[column] = [i18n.format_number(v, 2) if pd.notna(v) else "" for v in values]
        elif pd.api.types.is_integer_dtype(values) and not pd.api.types.is_bool_dtype(values):
            shown[column] = [i18n.format_number(v) for v in values]
        elif pd.api.types.is_bool_dtype(values):
            shown[column] = [_("yes") if v else _("no") for v in values]
    more = len(frame) - len(shown)
    note = ""
    if more > 0:
        note = i18n.ngettext("{count} more row not shown.", "{count} more rows not shown.", more)
        note = f"<p><em>{escape(note.format(count=i18n.format_number(more)))}</em></p>"
    head = f"<p><strong>{escape(caption)}</strong></p>" if caption else ""
    body = shown.to_html(index=False, border=0, classes="wb-table", na_rep="")
    return head + f"<div class='wb-table-wrap'>{body}</div>" + note


class App:
    """Base of the workbench's Voilà apps.

    Subclasses set :attr:`title` and :attr:`parameters_model`, build their
    controls and views in :meth:`_build` (registering controls with
    :meth:`_watch`) and redraw in :meth:`_render`. The base class owns the
    parameters, the notice area, the output area, the timing of each update
    and the store connection (read-only).

    Args:
        params: the notebook's validated parameters; None = the model's defaults.
        notices: messages to show from the start, after the URL parameters
            the server rejected (``params.url_notices``).
    """

    #: The page heading and the sentences under it that tell a manager what the numbers mean and what to do
    #: with them; source texts marked with ``N_``, shown translated into the reader's language.
    title = N_("App")
    summary = ""
    parameters_model: type[AppParameters]

    def __init__(self, params: AppParameters | None = None, notices: list[str] | tuple[str, ...] = ()) -> None:
        self.params = params or self.parameters_model()
        self.interface_language = i18n.set_language(self.params.reader_language())  # one kernel, one reader
        self.store_path = self.params.store_file()
        self._fixed_notices = [str(n) for n in (*self.params.url_notices, *notices)]
        self._notices: list[str] = []
        self.notice = widgets.HTML(layout={"min_height": "0px"})
        self.output = widgets.Output()
        self.tables: dict[str, pd.DataFrame] = {}
        self.last_update_seconds: float | None = None
        self._store: Store | None = None
        self._updating = False
        self.header = widgets.HTML(self.header_html())
        self.header.add_class("wb-header")
        self.body = self._build()
        self.container = widgets.VBox([self.header, self.notice, self.body, self.output],
                                      layout={"padding": "4px 8px"})
        self.container.add_class("workbench-app")
        self._update()

    def header_html(self) -> str:
        """The page's style, heading and summary in the reader's language (the only title: no markdown cell)."""
        summary = f"<p class='wb-summary' style='margin:2px 0 8px;color:#444'>{escape(_(self.summary))}</p>" \
            if self.summary else ""
        fonts = (f".workbench-app {{ font-family: var(--jp-ui-font-family, sans-serif), {CHINESE_FONTS}, sans-serif; }}"
                 if self.interface_language == "zh" else "")
        return (f"<style>{PAGE_CSS}{fonts}</style><div lang='{i18n.HTML_LANG[self.interface_language]}'>"
                f"<h2 class='wb-title' style='margin:4px 0'>{escape(_(self.title))}</h2>{summary}</div>")

    # -- store -------------------------------------------------------------
    @property
    def store(self) -> Store:
        """The read-only store (opened on first use)."""
        if self._store is None:
            self._store = Store(self.store_path, read_only=True)
        return self._store

    def missing_tables(self, *names: str) -> list[str]:
        """Those of ``names`` absent from the store or without rows; every name when the store is missing."""
        try:
            return [name for name in names if not readers.table_row_count(self.store, name)]
        except StoreError:
            return list(names)

    # -- queue selection ------------------------------------------------------
    def _queue_picker(self, queue_ids: Iterable[str], absent: str) -> widgets.Dropdown:
        """A single-choice queue list over ``queue_ids`` starting at ``params.queues``.

        Offers :func:`workbench.glossary.queue_options` (``all``, shown
        translated, then families and ids as stored). A selection of several
        queues or families becomes one extra entry (``billing + sales``); names
        not among the options are left out with a notice saying they are
        ``absent`` (e.g. "not in the store", translated by the caller).
        Read and set the choice as a list through :attr:`queues`.
        """
        ids = sorted({str(q) for q in queue_ids})
        options = glossary.queue_options(ids)
        wanted = [str(q) for q in self.params.queues if q != glossary.ALL_QUEUES]
        known = [q for q in dict.fromkeys(wanted) if q in options]
        unknown = [q for q in dict.fromkeys(wanted) if q not in options]
        if unknown and ids:
            showing = " + ".join(known) if known else _("all queues")
            self._fixed_notices.append(_("Queue {names}: {absent}; showing {showing} (known: {known}).").format(
                names=_(", ").join(repr(q) for q in unknown), absent=absent, showing=showing,
                known=_(", ").join(ids)))
        self._queue_choices = {option: [option] for option in options}
        value = known[0] if len(known) == 1 else glossary.ALL_QUEUES
        if len(known) > 1:
            value = " + ".join(known)
            self._queue_choices[value] = known
            options.insert(1, value)
        # Queue names are data, shown as stored; only the "every queue" choice is a word to translate.
        labelled = [(_(ALL_VALUES) if option == glossary.ALL_QUEUES else option, option) for option in options]
        picker = widgets.Dropdown(options=labelled, value=value, description=_("Queue"), layout=CONTROL_LAYOUT)
        picker.add_class("wb-queue")
        return picker

    @property
    def queues(self) -> list[str]:
        """The queue picker's choice as a ``queues`` list (``["all"]``, ``["billing"]``, ...)."""
        return list(self._queue_choices.get(self.queue.value, [self.queue.value]))

    @queues.setter
    def queues(self, queues: list[str]) -> None:
        wanted = [str(q) for q in queues if q != glossary.ALL_QUEUES] or [glossary.ALL_QUEUES]
        chosen = next((label for label, names in self._queue_choices.items() if names == wanted), None)
        if chosen is None:
            raise ValueError(f"queues {wanted} are not among the choices {list(self._queue_choices)}")
        self.queue.value = chosen

    # -- custom dimensions ------------------------------------------------------
    def pickable_dimensions(self) -> list[str]:
        """The store's dimensions of calls an app offers as filters and breakdowns (category and flag ones).

        Empty when the store holds none or cannot be read.
        """
        try:
            catalogue = readers.dimensions(self.store, "calls")
        except StoreError:
            return []
        return catalogue.loc[catalogue["value_type"].isin(PICKABLE_DIMENSION_TYPES), "dimension"].tolist()

    def _dimension_pickers(self) -> dict[str, widgets.Dropdown]:
        """One single-choice list per pickable dimension (``all`` + its values), starting at ``params.dimension_filter``.

        Each value is one choice, labelled as :func:`dimension_label` writes it;
        several values of one dimension in the parameters become one more
        choice (``north + south``). Names and values the store lacks are left
        out, with a notice naming the known ones. Read the choice through
        :attr:`dimension_filter`. No dimensions, no lists.
        """
        names = self.pickable_dimensions()
        wanted: dict[str, list[str]] = dict(getattr(self.params, "dimension_filter", {}) or {})
        unknown = [name for name in wanted if name not in names]
        if unknown:
            self._fixed_notices.append(
                _("Dimension {names}: not a dimension of the calls in this store that can filter them "
                  "(known: {known}); not filtered by it.").format(
                    names=_(", ").join(repr(n) for n in unknown), known=_(", ").join(names) or _("none loaded")))
        self._dimension_choices: dict[str, list[list[str]]] = {}
        pickers: dict[str, widgets.Dropdown] = {}
        for name in names:
            values = readers.dimension_values(self.store, name)
            texts = [dimension_text(v) for v in values]
            labels = [dimension_label(v) for v in values]
            choices: list[list[str]] = [[], *([t] for t in texts)]
            options = [(_(ALL_VALUES), 0), *((label, i + 1) for i, label in enumerate(labels))]
            index = 0
            if name in wanted:
                known, missing = [], []
                for given in dict.fromkeys(wanted[name]):
                    text = self._dimension_text_of(given, texts)
                    (known if text is not None else missing).append(text if text is not None else given)
                if missing:
                    values_text = _(", ").join(repr(m) for m in missing)
                    if known:
                        self._fixed_notices.append(
                            _("{dimension} {values}: not in the store (known: {known}); showing {showing}.").format(
                                dimension=dimension_title(name).capitalize(), values=values_text,
                                known=_listed(labels), showing=" + ".join(labels[texts.index(t)] for t in known)))
                    else:
                        self._fixed_notices.append(
                            _("{dimension} {values}: not in the store (known: {known}); showing every value.").format(
                                dimension=dimension_title(name).capitalize(), values=values_text,
                                known=_listed(labels)))
                if len(known) == 1:
                    index = texts.index(known[0]) + 1
                elif known:
                    choices.append(list(known))
                    options.append((" + ".join(labels[texts.index(t)] for t in known), len(choices) - 1))
                    index = len(choices) - 1
            self._dimension_choices[name] = choices
            picker = widgets.Dropdown(options=options, value=index, description=dimension_title(name),
                                      layout=CONTROL_LAYOUT, style={"description_width": "initial"})
            picker.add_class("wb-dimension")
            picker.add_class(f"wb-dimension-{name.replace('_', '-')}")
            pickers[name] = picker
        self.dimension_pickers = pickers
        return pickers

    @staticmethod
    def _dimension_text_of(given: str, texts: list[str]) -> str | None:
        """The stored value ``given`` names (a flag by any yes/no word), or None when the store lacks it."""
        if given in texts:
            return given
        lowered = str(given).strip().lower()
        if set(texts) <= {"true", "false"}:
            flag = "true" if lowered in glossary.FLAG_TRUE else "false" if lowered in glossary.FLAG_FALSE else None
            return flag if flag in texts else None
        return None

    @property
    def dimension_filter(self) -> dict[str, list[str]]:
        """The dimension lists' choice as a ``dimension_filter`` (``{"region": ["north"]}``; empty = every call)."""
        pickers = getattr(self, "dimension_pickers", {})
        chosen = {name: self._dimension_choices[name][picker.value] for name, picker in pickers.items()}
        return {name: values for name, values in chosen.items() if values}

    @dimension_filter.setter
    def dimension_filter(self, dimension_filter: dict[str, list[str] | str]) -> None:
        for name, picker in self.dimension_pickers.items():
            given = dimension_filter.get(name, [])
            wanted = [given] if isinstance(given, str) else list(given)
            choices = self._dimension_choices[name]
            if wanted not in choices:
                raise ValueError(f"{name} {wanted} is not among the choices {choices[1:]}")
            picker.value = choices.index(wanted)

    def dimension_filter_label(self) -> str:
        """The dimension filter in words (``region north, member tier 金卡``); empty without one."""
        labels = {name: dict((i, label) for label, i in picker.options)
                  for name, picker in getattr(self, "dimension_pickers", {}).items()}
        return _(", ").join(f"{dimension_title(name)} {labels[name][self.dimension_pickers[name].value]}"
                            for name in self.dimension_filter)

    def _group_by_picker(self, description: str, names: list[str]) -> widgets.Dropdown:
        """A list of ``names`` (dimensions) to break the figures down by, ``none`` first, at ``params.group_by``.

        ``description`` is shown as given (translate it first). A ``group_by``
        the store lacks leaves it at ``none`` with a notice naming the known ones.
        """
        wanted = getattr(self.params, "group_by", None)
        if wanted is not None and wanted not in names:
            self._fixed_notices.append(
                _("{picker} {name}: not a dimension of the calls in this store that can break them down "
                  "(known: {known}); no breakdown shown.").format(
                    picker=description, name=repr(wanted), known=_(", ").join(names) or _("none loaded")))
            wanted = None
        picker = widgets.Dropdown(options=[(_(NO_BREAKDOWN), ""), *((dimension_title(n), n) for n in names)],
                                  value=wanted or "", description=description, layout=CONTROL_LAYOUT,
                                  style={"description_width": "initial"})
        picker.add_class("wb-group-by")
        return picker

    def close(self) -> None:
        """Close the store connection."""
        if self._store is not None:
            self._store.close()
            self._store = None

    # -- notices ------------------------------------------------------------
    def add_notice(self, message: str) -> None:
        """Show ``message`` in the notice area until the next update."""
        self._notices.append(message)
        self._show_notices()

    def _show_notices(self) -> None:
        messages = self._fixed_notices + self._notices
        self.notice.value = "".join(f"<div class='wb-notice' style='{NOTICE_STYLE}'>{escape(m)}</div>"
                                    for m in messages)

    @property
    def notices(self) -> list[str]:
        """Every message currently shown."""
        return self._fixed_notices + self._notices

    # -- update cycle -------------------------------------------------------
    @contextmanager
    def _quiet(self) -> Iterator[None]:
        """Change widgets without triggering updates."""
        before, self._updating = self._updating, True
        try:
            yield
        finally:
            self._updating = before

    def _watch(self, *controls: widgets.Widget) -> None:
        for control in controls:
            control.observe(self._on_change, names="value")

    def _on_change(self, change: dict[str, Any] | None = None) -> None:
        if not self._updating:
            self._update()

    def _update(self) -> None:
        """Redraw everything from the current control values, in the app's language; problems become notices.

        The language is set again for the redraw: a widget change is handled
        outside the cell that built the app, where the kernel's language
        setting may not reach (it is a context variable).
        """
        started = time.perf_counter()
        self._updating = True
        self._notices = []
        with i18n.using_language(self.interface_language):
            try:
                with self.output:
                    if _in_kernel():
                        clear_output(wait=True)
                    try:
                        self._render()
                    except StoreError as exc:
                        self._notices.append(_("The store cannot be read: {error}").format(error=exc))
                    self._show_output_tables()
            finally:
                self._updating = False
                self._show_notices()
                self.last_update_seconds = time.perf_counter() - started

    def _show_output_tables(self) -> None:
        if _in_kernel():  # outside a kernel (tests, scripts) the tables stay in self.tables
            for _name, html in self._output_tables():
                display(HTML(html))

    def _output_tables(self) -> list[tuple[str, str]]:
        """(name, HTML) of tables to show in the output area after a render; none by default."""
        return []

    # -- for subclasses -----------------------------------------------------
    def _build(self) -> widgets.Widget:
        """Create controls and views; return the widget shown between notices and output."""
        raise NotImplementedError

    def _render(self) -> None:
        """Recompute and redraw from the controls' values."""
        raise NotImplementedError

    def _ipython_display_(self) -> None:  # the notebook may end in the app itself
        display(self.container)
