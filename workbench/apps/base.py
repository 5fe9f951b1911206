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

from workbench import glossary, paths
from workbench.errors import StoreError
from workbench.store import Store, readers

if TYPE_CHECKING:
    import altair as alt
    import pandas as pd

    from workbench.params import AppParameters

#: Widths used across apps, so controls line up.
CONTROL_LAYOUT = {"width": "260px"}
NOTICE_STYLE = (
    "padding:8px 12px;margin:4px 0;border-left:4px solid #d68910;background:#fef5e7;"
    "color:#5d4037;font-size:14px"
)


def _in_kernel() -> bool:
    from IPython import get_ipython

    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


def chart_svg(chart: alt.TopLevelMixin) -> str:
    """An Altair chart as an SVG string, drawn offline by vl-convert."""
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

    def picked(change: dict[str, Any]) -> None:
        # altair's own observer has already turned the raw Vega state into widget.selections
        state = getattr(widget.selections, selection, None)
        if selection in change["new"] and state is not None:
            on_pick(list(state.value))

    widget.observe(picked, names="_vl_selections")
    return widget


def table_html(frame: pd.DataFrame, *, max_rows: int = 200, caption: str = "") -> str:
    """A DataFrame as a compact HTML table (at most ``max_rows`` rows, the rest counted)."""
    shown = frame.head(max_rows).astype(object).where(frame.head(max_rows).notna(), "")
    more = len(frame) - len(shown)
    note = f"<p><em>{more:,d} more rows not shown.</em></p>" if more > 0 else ""
    head = f"<p><strong>{escape(caption)}</strong></p>" if caption else ""
    body = shown.to_html(index=False, border=0, classes="wb-table", na_rep="", float_format=lambda v: f"{v:,.2f}")
    return head + body + note


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

    title = "App"
    parameters_model: type[AppParameters]

    def __init__(self, params: AppParameters | None = None, notices: list[str] | tuple[str, ...] = ()) -> None:
        self.params = params or self.parameters_model()
        self.store_path = self.params.store_file()
        self._fixed_notices = [str(n) for n in (*self.params.url_notices, *notices)]
        self._notices: list[str] = []
        self.notice = widgets.HTML(layout={"min_height": "0px"})
        self.output = widgets.Output()
        self.tables: dict[str, pd.DataFrame] = {}
        self.last_update_seconds: float | None = None
        self._store: Store | None = None
        self._updating = False
        self.body = self._build()  # the notebook's markdown cell is the page title
        self.container = widgets.VBox([self.notice, self.body, self.output],
                                      layout={"padding": "4px 8px"})
        self.container.add_class("workbench-app")
        self._update()

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

        Offers :func:`workbench.glossary.queue_options` (``all``, families,
        ids). A selection of several queues or families becomes one extra
        entry (``billing + sales``); names not among the options are left out
        with a notice saying they are ``absent`` (e.g. "not in the store").
        Read and set the choice as a list through :attr:`queues`.
        """
        ids = sorted({str(q) for q in queue_ids})
        options = glossary.queue_options(ids)
        wanted = [str(q) for q in self.params.queues if q != glossary.ALL_QUEUES]
        known = [q for q in dict.fromkeys(wanted) if q in options]
        unknown = [q for q in dict.fromkeys(wanted) if q not in options]
        if unknown and ids:
            showing = " + ".join(known) if known else "all queues"
            self._fixed_notices.append(
                f"Queue {', '.join(repr(q) for q in unknown)}: {absent}; showing {showing} (known: {', '.join(ids)}).")
        self._queue_choices = {option: [option] for option in options}
        value = known[0] if len(known) == 1 else glossary.ALL_QUEUES
        if len(known) > 1:
            value = " + ".join(known)
            self._queue_choices[value] = known
            options.insert(1, value)
        picker = widgets.Dropdown(options=options, value=value, description="Queue", layout=CONTROL_LAYOUT)
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
        """Redraw everything from the current control values; problems become notices."""
        started = time.perf_counter()
        self._updating = True
        self._notices = []
        try:
            with self.output:
                if _in_kernel():
                    clear_output(wait=True)
                try:
                    self._render()
                except StoreError as exc:
                    self._notices.append(f"The store cannot be read: {exc}")
                self._show_output_tables()
        finally:
            self._updating = False
            self._show_notices()
            self.last_update_seconds = time.perf_counter() - started

    def _show_output_tables(self) -> None:
        if _in_kernel():  # outside a kernel (tests, scripts) the tables stay in self.tables
            for _, html in self._output_tables():
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
