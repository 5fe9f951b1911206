"""Running pipeline notebooks into run folders, and what notebooks record there.

:mod:`workbench.reports.runner` executes a notebook with Papermill into
``outputs/<notebook>/<run_id>/``; :mod:`workbench.reports.record` is what the
notebook calls to record its inputs and write its tables and figures. Neither
imports Papermill, nbconvert or pandas at module level, so the CLI starts fast.
Report sets (:mod:`.sets`), schedules (:mod:`.schedule`), alert rules
(:mod:`.alerts`), mail (:mod:`.mail`) and the report site (:mod:`.site`) live
here too.

Layer: beside :mod:`workbench.apps`, below only the CLI; reports may import
the layers below (they use the KPIs, the sample summaries, :mod:`workbench.params`
and the store, read through the named readers of :mod:`workbench.store.readers`),
never DuckDB itself (an import-linter contract), and hold no SQL. A new report is a notebook in ``notebooks/`` with its
parameter model in :mod:`workbench.params.notebooks`, a set in
``parameters/<notebook>/`` and an entry in a report set in
``parameters/reports/``; a new kind of alert rule is a class in :mod:`.alerts`.
"""

from workbench.reports.runner import NotebookRunError, RunResult, latest_run, run_notebook

__all__ = ["NotebookRunError", "RunResult", "latest_run", "run_notebook"]
