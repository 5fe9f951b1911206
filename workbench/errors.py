"""One error hierarchy for the whole workbench.

Messages say what was expected, what was found, and where (file, row, field),
so an analyst can fix the input without reading a traceback.
"""

from __future__ import annotations

from pathlib import Path


class WorkbenchError(Exception):
    """Base class of every error the workbench raises on purpose."""


def _location(file: str | Path | None, row: int | None, field: str | None) -> str:
    parts = []
    if file is not None:
        parts.append(str(file))
    if row is not None:
        parts.append(f"row {row}")
    if field is not None:
        parts.append(f"field '{field}'")
    return ", ".join(parts)


class InputDataError(WorkbenchError):
    """Input data that cannot be used as given.

    Attributes:
        file: the offending file, when there is one.
        row: 1-based row (line) number in that file, when known.
        field: the column or key at fault, when known.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | Path | None = None,
        row: int | None = None,
        field: str | None = None,
    ) -> None:
        self.file = str(file) if file is not None else None
        self.row = row
        self.field = field
        self.reason = message
        where = _location(file, row, field)
        super().__init__(f"{where}: {message}" if where else message)


class ParameterError(InputDataError):
    """A parameter set that fails validation (unknown key, wrong type, out of range)."""


class StoreError(WorkbenchError):
    """The DuckDB store is missing, locked, of another schema version, or a write failed."""


class NotebookRunError(WorkbenchError):
    """A notebook failed while Papermill executed it.

    Attributes:
        notebook: the notebook that failed.
        run_dir: the run folder kept with the failed, executed notebook.
    """

    def __init__(self, message: str, *, notebook: str | Path, run_dir: str | Path | None = None) -> None:
        self.notebook = str(notebook)
        self.run_dir = str(run_dir) if run_dir is not None else None
        super().__init__(f"{notebook}: {message}")


class MailError(WorkbenchError):
    """E-mail could not be sent, or not safely (unverified certificate, credentials without encryption)."""


class MissingComponentError(WorkbenchError):
    """An optional model or program is not available; the message says how to provide it."""


class ModelIntegrityError(MissingComponentError):
    """A model file differs from the hash recorded for it, so it is not loaded.

    A subclass of :class:`MissingComponentError`: the genuine model is not
    available, and a batch stops rather than failing file after file.

    Attributes:
        file: the model file.
        expected_sha256: the recorded hash.
        actual_sha256: the hash of the file found.
    """

    def __init__(self, message: str, *, file: str | Path, expected_sha256: str, actual_sha256: str | None) -> None:
        self.file = str(file)
        self.expected_sha256 = expected_sha256
        self.actual_sha256 = actual_sha256
        super().__init__(message)


class NoCallsInPeriod(WorkbenchError):
    """A report's period holds no calls: the report stops after saying so, and counts as a success.

    Raised by :func:`workbench.reports.period.stop_if_no_calls` inside a report
    notebook; the runner records the run as succeeded with ``empty_period: true``
    and the message in its manifest. In Jupyter or Voila it stops "run all"
    with the message alone, not a traceback.
    """

    def _render_traceback_(self) -> list[str]:  # IPython shows this instead of a traceback
        return [f"{type(self).__name__}: {self}"]
