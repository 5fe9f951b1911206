"""Running pipeline notebooks into run folders, and what notebooks record there.

:mod:`workbench.reports.runner` executes a notebook with Papermill into
``outputs/<notebook>/<run_id>/``; :mod:`workbench.reports.record` is what the
notebook calls to record its inputs and write its tables and figures. Neither
imports Papermill, nbconvert or pandas at module level, so the CLI starts fast.
"""

from workbench.reports.runner import NotebookRunError, RunResult, latest_run, run_notebook

__all__ = ["NotebookRunError", "RunResult", "latest_run", "run_notebook"]
