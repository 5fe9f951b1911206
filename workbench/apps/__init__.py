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
   (so it has ``store_path`` and ``url_notices``; ``QueueSelection`` adds
   ``queues``), registered under the notebook's name;
2. a subclass of :class:`App` with ``title``, ``parameters_model`` (that
   model), ``_build`` (controls and
   ``ipywidgets.HTML`` views, controls registered with ``self._watch``) and
   ``_render`` (read the store through :mod:`workbench.store.readers`, set the views' values with
   :func:`workbench.apps.base.chart_svg` / :func:`~workbench.apps.base.table_html`, or
   set the ``chart`` of a :func:`~workbench.apps.base.clickable_chart` for drill-down by click,
   call ``self.add_notice`` for whatever is missing);
3. ``notebooks/apps/<name>.ipynb``: a markdown title, the ``parameters`` cell,
   and one cell validating the parameters, building the app and ending in ``app.container``.

``workbench serve`` then validates its URL parameters with no further change.
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
