"""Voilà apps for managers: each a class here, shown by a thin notebook in ``notebooks/apps/``.

Apps read finished results (the store, ``outputs/``) and never fit a model on
a click; :mod:`workbench.apps.serve` runs Voilà on ``notebooks/apps`` only.

Layer: beside :mod:`workbench.reports`, below only the CLI. Apps import
charts, pipelines, analysis modules, :mod:`workbench.params` and the store,
which they read through the named readers of :mod:`workbench.store.readers`:
they never import DuckDB (an import-linter contract) and hold no SQL.

The apps: :class:`OperationsApp` (operations dashboard), :class:`StaffingApp`
(staffing planner), :class:`TopicsApp` (contact drivers and topics: the store's
``topics`` and ``topic_assignments``) and :class:`SatisfactionApp`
(satisfaction drivers: the latest ``outputs/satisfaction_drivers/<run_id>/tables/``).

Adding an app:

1. a parameter model in :mod:`workbench.params.apps` subclassing ``AppParameters``
   (so it has ``interface_language``, ``store_path`` and ``url_notices``;
   ``QueueSelection`` adds ``queues``), registered under the notebook's name;
2. a subclass of :class:`App` with ``title`` and ``summary`` (``N_`` texts for
   a manager: what the numbers mean and what to do with them; module, table
   and serving notes belong in the module's docstring, not on the page),
   ``parameters_model`` (that model), ``_build`` (controls and
   ``ipywidgets.HTML`` views, controls registered with ``self._watch``) and
   ``_render`` (read the store through :mod:`workbench.store.readers`, set the views' values with
   :func:`workbench.apps.base.chart_svg` / :func:`~workbench.apps.base.table_html`, or
   set the ``chart`` of a :func:`~workbench.apps.base.clickable_chart` for drill-down by click,
   call ``self.add_notice`` for whatever is missing); every text it shows
   marked with ``_``/``N_`` and translated in ``workbench/locale/zh/LC_MESSAGES``,
   numbers through :mod:`workbench.i18n`'s formatters, data (queue names,
   topic words, transcripts) shown as stored;
3. ``notebooks/apps/<name>.ipynb``: the ``parameters`` cell (``interface_language``
   first) and one cell validating the parameters, building the app and ending
   in ``app.container``; no markdown cell (the app's header is the page's title).

``workbench serve`` then validates its URL parameters (``?interface_language=zh``
included) with no further change. The base class's page style makes an app
usable at phone width (360-414 px) as long as its views are HTML widgets, its
rows ``HBox``es and its tables :func:`~workbench.apps.base.table_html`.
A store read no reader offers yet becomes a new reader in
:mod:`workbench.store.readers`, not a query here.
"""

import sys

# Every app visit starts a fresh kernel. Importing altair imports jsonschema,
# whose format checkers import rfc3987_syntax when it is installed (jupyter
# pulls it in), and that builds lark grammars for about a second on each start
# for "iri" checks that no Vega-Lite spec uses. Marking it absent before
# anything imports jsonschema skips only those two checks.
if "jsonschema" not in sys.modules:
    sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[assignment]

from workbench.apps.base import App  # noqa: E402
from workbench.apps.operations import OperationsApp  # noqa: E402
from workbench.apps.satisfaction import SatisfactionApp  # noqa: E402
from workbench.apps.staffing import StaffingApp  # noqa: E402
from workbench.apps.topics import TopicsApp  # noqa: E402

__all__ = ["App", "OperationsApp", "SatisfactionApp", "StaffingApp", "TopicsApp"]
