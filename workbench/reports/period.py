"""Reports on a period with no calls: one check, one message, one recorded state.

A report notebook that takes a period (``date_from`` / ``date_to``, as
``kpi_overview`` and ``sample_overview`` do) calls :func:`stop_if_no_calls`
right after its heading. When the period and
selection hold no calls, the notebook shows "No calls in this period" with the
period and where it looked, records that source as its input and stops; the
runner (:func:`workbench.reports.runner.run_notebook`) then records the run as
**succeeded** with ``empty_period: true`` and the message in ``manifest.json``,
and ``report.html`` shows the heading and the message instead of empty tables
or a traceback. Every period report of a set ends in that same state.

:func:`check_period` is the one place that decides. The period is read once,
as a :class:`workbench.glossary.Period`; calls in the store are counted by
:meth:`workbench.store.Store.count_calls` (the KPIs' period and population:
phantom records never count); the generated sample's calls, which
``sample_overview`` reads instead of the store, by
:func:`workbench.sample.reading.select_calls`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from workbench import i18n
from workbench.errors import NoCallsInPeriod
from workbench.glossary import Period
from workbench.i18n import _


@dataclass(frozen=True)
class PeriodCheck:
    """What :func:`check_period` found.

    Attributes:
        source: the store file or sample folder counted in.
        date_from / date_to: the period (None = open end).
        selection: queues and language line, in words (``all queues``).
        calls: calls in the period and selection.
        source_calls: calls in the whole source (its row count for the manifest).
    """

    source: Path
    date_from: date | None
    date_to: date | None
    selection: str
    calls: int
    source_calls: int

    @property
    def empty(self) -> bool:
        """True when the period holds no calls."""
        return self.calls == 0

    @property
    def period(self) -> str:
        """The period in words: ``2026-03-01 to 2026-03-07``."""
        return f"{self.date_from or 'the first day'} to {self.date_to or 'the last day'}"

    @property
    def message(self) -> str:
        """The plain sentence a report's manifest keeps for this period."""
        if not self.empty:
            return f"{self.calls:,} calls from {self.period} ({self.selection}) in {self.source}."
        return (f"No calls in this period: {self.period} ({self.selection}) holds no calls in {self.source} "
                f"({self.source_calls:,} calls in all). Nothing to report; the run succeeded with an empty period.")


def period_words(date_from: date | str | None, date_to: date | str | None, language: str | None = None) -> str:
    """A report's period as people read it, in the interface language: ``1 Mar 2026 to 7 Mar 2026``.

    An open end reads "the first day" / "the last day" (of the data); one day is that day.
    """
    if not date_from and not date_to:
        return _("every day in the data", language)
    first = i18n.format_date(date_from, language) if date_from else _("the first day", language)
    last = i18n.format_date(date_to, language) if date_to else _("the last day", language)
    if date_from and date_to and str(date_from) == str(date_to):
        return first
    return i18n.format_text("{first} to {last}", language, first=first, last=last)


def selection_words(queues: list[str] | tuple[str, ...] | None, language_line: str | None = None,
                    dimension_filter: dict | None = None, language: str | None = None) -> str:
    """Which calls a report is about, in the interface language: ``all queues``, ``queues billing; region north``.

    Queue ids, language lines and dimension values are data and stay as they are.
    """
    parts = [i18n.format_text("queues {queues}", language, queues=", ".join(queues)) if queues
             else _("all queues", language)]
    if language_line and language_line != "all":
        parts.append(i18n.format_text("language {line}", language, line=language_line))
    for name, values in (dimension_filter or {}).items():
        parts.append(f"{name} {', '.join(map(str, values))}")
    return "; ".join(parts)


def _selection(queues: list[str], language: str | None, dimension_filter: dict | None = None) -> str:
    parts = [f"queues {', '.join(queues)}" if queues else "all queues"]
    if language and language != "all":
        parts.append(f"language {language}")
    for name, values in (dimension_filter or {}).items():
        parts.append(f"{name} {', '.join(map(str, values))}")
    return ", ".join(parts)


def check_period(params: Any) -> PeriodCheck | None:
    """Count the calls in a report's period, from the source the report reads.

    Args:
        params: a validated notebook parameter model with ``date_from`` /
            ``date_to`` and either ``store_file()`` (counted in the store) or
            ``sample_path()`` (the generated sample's ``truth/calls.csv``);
            ``queues``, ``language`` and ``dimension_filter`` narrow the
            selection when present (a dimension filter is counted as the
            KPIs count it, :func:`workbench.kpis.compute_kpis`, which has
            no language filter: a model with both counts without the language).

    Returns:
        A :class:`PeriodCheck`, or None for parameters without a period.

    Raises:
        StoreError: the store is missing or not a workbench store.
        InputDataError: the sample folder or its calls file is missing.
        ParameterError: a date that is not an ISO date (naming the field), an
            inverted period, or an unknown queue or language in the sample.
    """
    if not hasattr(params, "date_from"):
        return None
    period = Period.of(params.date_from, getattr(params, "date_to", None))
    first, last = period.date_from, period.date_to
    queues = list(getattr(params, "queues", None) or [])
    language = getattr(params, "language", None)
    if hasattr(params, "store_file"):
        from workbench.store import Store

        dimension_filter = dict(getattr(params, "dimension_filter", None) or {})
        with Store(params.store_file(), read_only=True) as store:
            if dimension_filter:
                from workbench.kpis import compute_kpis

                calls = int(compute_kpis(store, date_from=first, date_to=last, queues=queues or None,
                                         dimension_filter=dimension_filter)["offered"].iloc[0])  # fmt: skip
            else:
                calls = store.count_calls(first, last, queues=queues, language=language)
            everything = store.count_calls()
        selection = _selection(queues, language, dimension_filter)
        return PeriodCheck(params.store_file(), first, last, selection, calls, everything)
    if hasattr(params, "sample_path"):
        from workbench.sample import reading

        frame = reading.read_generated(params.sample_path(), ["calls"])["calls"]
        selected = reading.select_calls(frame, date_from=first, date_to=last, queues=queues,
                                        language=language or "all")  # fmt: skip
        source = Path(frame.attrs.get("source_path", params.sample_path()))
        return PeriodCheck(source, first, last, _selection(queues, language), len(selected), len(frame))
    return None


def stop_if_no_calls(params: Any) -> PeriodCheck | None:
    """In a report notebook: stop with a clear message when the period holds no calls.

    Shows the message (Markdown), records the source counted in as the run's
    input, and raises :class:`~workbench.errors.NoCallsInPeriod`, which the
    runner turns into a succeeded run with ``empty_period: true``. Otherwise
    does nothing visible.

    Args:
        params: the notebook's validated parameters (see :func:`check_period`).

    Returns:
        The :class:`PeriodCheck` when the period holds calls (None without a period).

    Raises:
        NoCallsInPeriod: the period and selection hold no calls.
    """
    check = check_period(params)
    if check is None or not check.empty:
        return check
    from IPython.display import display

    from workbench.reports.record import record_input
    from workbench.safe_display import markdown

    record_input(check.source, rows=check.source_calls, name="calls" if check.source.suffix == ".csv" else "store")
    display(markdown(
        _("### No calls in this period\n\nThere were no calls in {period} ({selection}); the data holds "
          "{total} calls in all, outside this period or selection. There is nothing to report for this period."),
        period=period_words(check.date_from, check.date_to),
        selection=selection_words(getattr(params, "queues", None), getattr(params, "language", None),
                                  getattr(params, "dimension_filter", None)),
        total=i18n.format_number(check.source_calls),
    ))  # the source file stays in the manifest (check.message): managers read what happened, not where
    raise NoCallsInPeriod(check.message)


def finish_empty_period(executed: Path) -> str | None:
    """Turn an executed notebook stopped by :class:`NoCallsInPeriod` into a clean, finished report.

    Removes Papermill's error banners, the stop's error output and the cells
    that never ran after it, and clears the exception flag, so ``report.html``
    ends with the message.

    Args:
        executed: the executed notebook (rewritten in place).

    Returns:
        The message, or None when the notebook was not stopped that way.
    """
    import nbformat

    nb = nbformat.read(executed, as_version=4)
    stop, message = None, None
    for index, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error" and output.get("ename") == NoCallsInPeriod.__name__:
                stop, message = index, output.get("evalue")
                break
        if stop is not None:
            break
    if stop is None:
        return None
    kept = []
    for index, cell in enumerate(nb.cells[: stop + 1]):
        if "papermill-error-cell-tag" in cell.metadata.get("tags", []):
            continue
        if index == stop:
            cell.outputs = [o for o in cell.outputs if o.get("output_type") != "error"]
            cell.metadata.get("papermill", {}).update(exception=False, status="completed")
        kept.append(cell)
    nb.cells = kept
    nb.metadata.setdefault("papermill", {})["exception"] = False
    nbformat.write(nb, executed)
    return message
