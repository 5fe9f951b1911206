"""Report sets: several notebook runs from one YAML file, validated before any kernel starts.

A set is ``parameters/reports/<set>.yaml`` (format in ``parameters/reports/README.md``)::

    description: KPIs of the report date and the week before it, per language line
    date: yesterday                 # default of --date: ISO date | today | yesterday | latest
    start_timeout_seconds: 120
    execution_timeout_seconds: 1800
    reports:
      - notebook: kpi_overview
        parameter_set: demo         # parameters/kpi_overview/demo.yaml, then the overrides below
        parameters: {date_from: "{date-6}", date_to: "{date}"}
      - notebook: sample_overview
        fan_out: {language: [zh, en]}   # one report per value
      - notebook: kpi_overview
        fan_out: {dimension: region}    # one report per region in the store: dimension_filter {region: [north]}

:func:`plan_report_set` reads the file, substitutes the date placeholders,
fans out and validates every report against its notebook's parameter model;
any problem raises one :class:`~workbench.errors.ParameterError` naming the set
file, line and field, and nothing runs. :func:`run_report_set` then runs the
reports one after another or in parallel processes (or on a Dask cluster),
evaluates the alert rules after each report, writes a batch summary and
rebuilds the site. One failing report never stops the others.
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from workbench import paths
from workbench.errors import ParameterError, WorkbenchError
from workbench.params.base import InterfaceLanguage

log = logging.getLogger(__name__)

#: Exit codes of ``workbench report run``.
EXIT_OK, EXIT_FAILED, EXIT_PARAMETERS = 0, 1, 2
DASK_SCHEDULER_ENV = "WORKBENCH_DASK_SCHEDULER"
_PLACEHOLDER = re.compile(r"\{date(?:([+-])(\d+))?\}")


#: What a report mail may attach, in the order attached (``email.attach``).
Attachment = Literal["pdf", "workbook", "html"]
DEFAULT_MAX_ATTACHMENT_BYTES = 10_000_000


class EmailOptions(BaseModel):
    """What a set e-mails once it ran (only when ``WORKBENCH_SMTP_HOST`` is set)."""

    model_config = ConfigDict(extra="forbid")

    reports: bool = Field(False, description="mail each successful report (summary in the body, files attached)")
    alerts: bool = Field(True, description="mail the alerts that fired, one message per batch")
    attach: list[Attachment] = Field(
        default_factory=lambda: ["html"],
        description="files attached to report mails: pdf (report.pdf), workbook (tables.xlsx), html "
                    "(report.html); [] = link only. The former true/false mean [html] and [].",
    )
    max_attachment_bytes: int = Field(
        DEFAULT_MAX_ATTACHMENT_BYTES, ge=0, le=1_000_000_000,
        description="most bytes the attachments of one message may take as sent (base64); larger ones are "
                    "left out and the body says so, with a link",
    )

    @field_validator("attach", mode="before")
    @classmethod
    def _former_bool(cls, value: Any) -> Any:
        # sets written before attachments could be chosen said attach: true/false (report.html or nothing)
        if isinstance(value, bool):
            return ["html"] if value else []
        return value

    @field_validator("attach")
    @classmethod
    def _once_each(cls, value: list[str]) -> list[str]:
        return list(dict.fromkeys(value))


class OutputOptions(BaseModel):
    """Files each report of a set writes besides ``report.html`` and its tables."""

    model_config = ConfigDict(extra="forbid")

    pdf: bool = Field(False, description="also write report.pdf (the report printed by Chromium)")


class DimensionFanOut(BaseModel):
    """``fan_out: {dimension: region}``: one report per value of a custom dimension of the calls.

    Each report gets ``dimension_filter: {region: [<value>]}`` (added to any
    ``dimension_filter`` the report already has). Without ``values`` they are
    read from the report's store when the set is planned
    (:func:`workbench.store.readers.dimension_values`, most frequent first),
    so a new region gets its report without editing the set; calls without a
    value get none.
    """

    model_config = ConfigDict(extra="forbid")

    dimension: str = Field(..., min_length=1, description="custom dimension of the calls (region, member_tier)")
    values: list[str | int | float | bool] | None = Field(
        None, min_length=1, description="the values to report on; unset = every value in the store"
    )
    limit: int = Field(20, ge=1, le=200, description="at most this many values read from the store")


class ReportSpec(BaseModel):
    """One entry of ``reports:``."""

    model_config = ConfigDict(extra="forbid")

    notebook: str = Field(..., min_length=1, description="notebook name under notebooks/ or a path to an .ipynb")
    name: str | None = Field(None, min_length=1, description="report name on the site; default the notebook name")
    parameter_set: str | None = Field(None, min_length=1, description="base set under parameters/<notebook>/")
    parameters: dict[str, Any] = Field(default_factory=dict, description="overrides; strings may hold {date-N}")
    fan_out: DimensionFanOut | dict[str, list[Any]] | None = Field(
        None, union_mode="left_to_right",
        description="one parameter and its values, or {dimension: <name>}: one report per value",
    )
    start_timeout_seconds: int | None = Field(None, ge=1, le=3600, description="overrides the set's")
    execution_timeout_seconds: int | None = Field(None, ge=1, le=86400, description="overrides the set's")

    def fanned_parameters(self) -> set[str]:
        """The notebook parameters the fan-out sets (``dimension_filter`` for a dimension fan-out)."""
        if isinstance(self.fan_out, DimensionFanOut):
            return {"dimension_filter"}
        return set(self.fan_out or {})


class ReportSetFile(BaseModel):
    """A report set file."""

    model_config = ConfigDict(extra="forbid")

    description: str = ""
    date: str = Field("yesterday", description="default report date: ISO date, today, yesterday or latest")
    timezone: str = Field("UTC", description="time zone in which today and yesterday are meant")
    start_timeout_seconds: int = Field(120, ge=1, le=3600, description="longest a kernel may take to start")
    execution_timeout_seconds: int = Field(1800, ge=1, le=86400, description="longest one cell may run")
    interface_language: InterfaceLanguage = Field(
        None, description="zh or en: the language of the reports, banners and mails; unset = the centre's "
                          "(parameters/centre.yaml)",
    )
    alerts: bool | str = Field(True, description="evaluate parameters/alerts.yaml (or this file); false = none")
    outputs: OutputOptions = Field(default_factory=OutputOptions)
    email: EmailOptions = Field(default_factory=EmailOptions)
    reports: list[ReportSpec] = Field(..., min_length=1)



@dataclass(frozen=True)
class ReportJob:
    """One validated report of a plan: what :func:`execute_job` runs."""

    report: str
    notebook: str
    parameter_set: str | None
    parameters: dict[str, Any]
    resolved: dict[str, Any]
    context: dict[str, Any]
    timeouts: dict[str, int] = field(default_factory=dict)  # per-report overrides of the set's timeouts
    pdf: bool = False  # also write report.pdf (the set's outputs.pdf)


@dataclass(frozen=True)
class ReportPlan:
    """A validated set: every report with its parameters, ready to run."""

    set_name: str
    file: Path
    date: date
    config: ReportSetFile
    jobs: list[ReportJob]
    alerts_rules: str | None = None  # the checked rules file; None = no alerts
    interface_language: str = "en"  # of the set's batch mail; each report's own is in its parameters


@dataclass
class BatchResult:
    """What a set run did: one dict per report (``report, notebook, status, run_dir, ...``)."""

    set_name: str
    date: date
    started_at: str
    finished_at: str
    reports: list[dict[str, Any]]
    mail: list[dict[str, Any]] = field(default_factory=list)
    summary_path: Path | None = None

    @property
    def succeeded(self) -> int:
        """Reports that succeeded."""
        return sum(r["status"] == "succeeded" for r in self.reports)

    @property
    def exit_code(self) -> int:
        """0 when every report succeeded, else 1 (parameter errors never get this far: 2)."""
        return EXIT_OK if self.succeeded == len(self.reports) else EXIT_FAILED

    def table(self) -> str:
        """A plain-text summary, one line per report."""
        lines = [f"{'report':32s} {'status':10s} {'alerts':>6s} {'seconds':>8s}  run folder / error"]
        for r in self.reports:
            detail = r.get("run_dir") or ""
            if r.get("empty_period"):
                detail = f"{detail}  (no calls in this period)".strip()
            if r.get("error"):
                detail = f"{detail}  {r['error']}".strip()
            alerts = "" if r.get("alerts") is None else str(r["alerts"])
            seconds = f"{r['duration_seconds']:.1f}" if r.get("duration_seconds") is not None else ""
            lines.append(f"{r['report']:32s} {r['status']:10s} {alerts:>6s} {seconds:>8s}  {detail}")
        lines.append(f"{self.succeeded} of {len(self.reports)} reports succeeded ({self.set_name}, {self.date})")
        return "\n".join(lines)


# --------------------------------------------------------------------------- planning


def reports_dir() -> Path:
    """``parameters/reports``: report sets, ``schedule.yaml``."""
    return paths.parameters_dir() / "reports"


def set_path(set_name_or_path: str | Path) -> Path:
    """``parameters/reports/<set>.yaml`` for a name, or the given YAML path."""
    candidate = Path(set_name_or_path)
    if candidate.suffix in {".yaml", ".yml"} or len(candidate.parts) > 1:
        return candidate.expanduser().resolve()
    return reports_dir() / f"{candidate}.yaml"


def _line_index(node: yaml.Node | None, prefix: str = "") -> dict[str, int]:
    """Dotted path (``reports[0].parameters.date_from``) -> 1-based line, for every key and item."""
    index: dict[str, int] = {}
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            path = f"{prefix}.{key.value}" if prefix else str(key.value)
            index[path] = key.start_mark.line + 1
            index.update(_line_index(value, path))
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            path = f"{prefix}[{i}]"
            index[path] = item.start_mark.line + 1
            index.update(_line_index(item, path))
    return index


def _pydantic_path(loc: Sequence[Any]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def read_set_file(path: Path) -> tuple[ReportSetFile, dict[str, int]]:
    """Parse and check a set file's structure; return it and the line of every key.

    The file is read by :func:`workbench.params.read_parameter_file`, the
    reader of every parameter file (dates stay strings); the lines of nested
    keys (``reports[0].parameters.date_from``) are indexed here, since a set's
    problems are mostly inside its ``reports`` list.

    Raises:
        ParameterError: missing file, bad YAML, unknown or invalid keys (file, row and field named).
    """
    from workbench.params import read_parameter_file, unknown_key_message

    if not path.is_file():
        known = sorted(p.stem for p in path.parent.glob("*.yaml") if p.stem != "schedule")
        raise ParameterError(f"report set not found (sets here: {', '.join(known) or 'none'})", file=path)
    raw, top_lines = read_parameter_file(path)
    lines = {**top_lines, **_line_index(yaml.compose(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader))}
    try:
        return ReportSetFile.model_validate(raw), lines
    except ValidationError as exc:
        problems = []
        for item in exc.errors():
            where = _pydantic_path(item["loc"])
            message = unknown_key_message(item["loc"]) if item["type"] == "extra_forbidden" else item["msg"]
            problems.append(ParameterError(message, file=path, row=lines.get(where), field=where or None))
        raise _combine(problems, path) from None


def _combine(problems: list[ParameterError], path: Path) -> ParameterError:
    if len(problems) == 1:
        error = problems[0]
    else:
        listing = "; ".join(
            ", ".join(x for x in (f"row {p.row}" if p.row else "", f"field '{p.field}'" if p.field else "") if x)
            + f": {p.reason}"
            for p in problems
        )
        error = ParameterError(f"{len(problems)} problems: {listing}", file=path)
    error.problems = problems  # type: ignore[attr-defined]
    return error


def resolve_date(value: str | date | None, timezone: str = "UTC", store_path: str | Path | None = None) -> date:
    """The report date: an ISO date, ``today``/``yesterday`` in ``timezone``, or ``latest``.

    ``latest`` is the last day with (non-phantom) calls in the store (the
    configured store unless ``store_path``,
    :func:`workbench.store.readers.call_day_range`), so a demo on historical
    sample data reports its last day.

    Raises:
        ParameterError: an unknown word, a bad ISO date, an unknown time zone or an empty store.
    """
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    if isinstance(value, date):
        return value
    text = (value or "yesterday").strip().lower()
    if text in {"today", "yesterday"}:
        try:
            today = datetime.now(ZoneInfo(timezone)).date()
        except (ZoneInfoNotFoundError, ValueError):
            raise ParameterError(f"unknown time zone {timezone!r}", field="timezone") from None
        return today if text == "today" else today - timedelta(days=1)
    if text == "latest":
        from workbench.store import Store, readers

        with Store(store_path, read_only=True) as store:
            _, last = readers.call_day_range(store)
        if last is None:
            raise ParameterError("--date latest: the store holds no calls", field="date")
        return last
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ParameterError(
            f"expected an ISO date (2026-03-01), today, yesterday or latest; found {value!r}", field="date"
        ) from None


def substitute_dates(value: Any, report_date: date) -> Any:
    """``value`` with ``{date}``, ``{date-N}`` and ``{date+N}`` in its strings replaced by ISO dates.

    Returns a new object; ``value`` is not changed.

    >>> substitute_dates({"date_from": "{date-6}", "x": ["{date}"]}, date(2026, 3, 1))
    {'date_from': '2026-02-23', 'x': ['2026-03-01']}
    """
    if isinstance(value, str):
        def replace(match: re.Match) -> str:
            days = int(match.group(2) or 0) * (-1 if match.group(1) == "-" else 1)
            return (report_date + timedelta(days=days)).isoformat()

        return _PLACEHOLDER.sub(replace, value)
    if isinstance(value, Mapping):
        return {k: substitute_dates(v, report_date) for k, v in value.items()}
    if isinstance(value, list):
        return [substitute_dates(v, report_date) for v in value]
    return value


def _dimension_fan_out(
    spec: ReportSpec, index: int, set_file: Path, lines: Mapping[str, int], report_date: date
) -> list[tuple[str, dict[str, Any]]]:
    """(report name, overrides) per value of ``fan_out.dimension``, values read from the report's store if unset."""
    from workbench.glossary import check_dimension_name

    fan = spec.fan_out
    assert isinstance(fan, DimensionFanOut)
    base_name = spec.name or Path(spec.notebook).stem
    where = f"reports[{index}].fan_out.dimension"
    try:
        name = check_dimension_name(fan.dimension, field=where)
    except ParameterError as exc:
        raise ParameterError(exc.reason, file=set_file, row=lines.get(where), field=where) from None
    values = list(fan.values) if fan.values is not None else _stored_values(spec, index, name, fan.limit, set_file,
                                                                           lines, report_date)  # fmt: skip
    if not values:
        raise ParameterError(f"the store holds no value of {name}: nothing to fan out over", file=set_file,
                             row=lines.get(where), field=where)  # fmt: skip
    kept = spec.parameters.get("dimension_filter") or {}
    if not isinstance(kept, Mapping):
        kept = {}  # not a mapping: the notebook's model refuses it, naming the field
    out = []
    for value in values:
        label = str(value).lower() if isinstance(value, bool) else str(value)
        overrides = {**spec.parameters, "dimension_filter": {**kept, name: [label]}}
        out.append((f"{base_name}[{label}]", overrides))
    return out


def _stored_values(
    spec: ReportSpec, index: int, dimension: str, limit: int, set_file: Path, lines: Mapping[str, int],
    report_date: date,
) -> list[Any]:
    """The values of ``dimension`` in the store the report reads (its ``store_path``, else the configured store)."""
    from workbench.params import resolve_repo_path
    from workbench.store import Store, readers

    where = f"reports[{index}].fan_out.dimension"
    parameters = substitute_dates(dict(spec.parameters), report_date)
    store_path = parameters.get("store_path")
    if store_path is None and spec.parameter_set is not None:
        from workbench.params import parameter_set_path, read_parameter_file
        from workbench.reports.runner import resolve_notebook

        try:
            path = parameter_set_path(resolve_notebook(spec.notebook).stem, spec.parameter_set)
            store_path = read_parameter_file(path)[0].get("store_path") if path.exists() else None
        except WorkbenchError:
            store_path = None  # a bad notebook or set is reported by the validation that follows
    try:
        with Store(resolve_repo_path(store_path) if store_path else None, read_only=True) as store:
            return readers.dimension_values(store, dimension, "calls", limit=limit)
    except WorkbenchError as exc:
        raise ParameterError(f"fan out over {dimension}: {getattr(exc, 'reason', exc)}", file=set_file,
                             row=lines.get(where), field=where) from None


def _fan_out(
    spec: ReportSpec, index: int, set_file: Path, lines: Mapping[str, int], report_date: date | None = None
) -> list[tuple[str, dict[str, Any]]]:
    """(report name, overrides) per fanned-out value; list-typed parameters get a one-item list."""
    from workbench.params import registered_notebooks

    base_name = spec.name or Path(spec.notebook).stem
    if not spec.fan_out:
        return [(base_name, dict(spec.parameters))]
    if isinstance(spec.fan_out, DimensionFanOut):
        return _dimension_fan_out(spec, index, set_file, lines, report_date or date.today())
    where = f"reports[{index}].fan_out"
    if len(spec.fan_out) != 1:
        raise ParameterError(f"fan out over exactly one parameter, found {sorted(spec.fan_out)}", file=set_file,
                             row=lines.get(where), field=where)
    [(key, values)] = spec.fan_out.items()
    if not values:
        raise ParameterError("the fan-out list is empty", file=set_file, row=lines.get(f"{where}.{key}"),
                             field=f"{where}.{key}")
    model = registered_notebooks().get(Path(spec.notebook).stem)
    list_typed = model is not None and key in model.model_fields and isinstance(model().model_dump().get(key), list)
    out = []
    for value in values:
        item = [value] if list_typed and not isinstance(value, list) else value
        label = ",".join(map(str, value)) if isinstance(value, list) else str(value)
        out.append((f"{base_name}[{label}]", {**spec.parameters, key: item}))
    return out


def _validate_job(
    spec: ReportSpec, index: int, overrides: dict[str, Any], set_file: Path, lines: Mapping[str, int]
) -> dict[str, Any]:
    """Resolved parameters of one report; errors re-pointed at the set file where the value came from."""
    from workbench.params import parameter_set_path
    from workbench.reports.runner import resolve_notebook, resolve_parameters

    where = f"reports[{index}]"
    try:
        notebook_path = resolve_notebook(spec.notebook)
    except WorkbenchError as exc:
        raise ParameterError(str(exc), file=set_file, row=lines.get(f"{where}.notebook"),
                             field=f"{where}.notebook") from None
    if spec.parameter_set is not None and not parameter_set_path(notebook_path.stem, spec.parameter_set).exists():
        raise ParameterError(
            f"parameter set not found: {parameter_set_path(notebook_path.stem, spec.parameter_set)}",
            file=set_file, row=lines.get(f"{where}.parameter_set"), field=f"{where}.parameter_set",
        )
    try:
        return resolve_parameters(notebook_path, overrides, spec.parameter_set)
    except ParameterError as exc:
        problems = getattr(exc, "problems", [exc])
        relocated = []
        for problem in problems:
            top = (problem.field or "").split(".")[0]
            if top in overrides:  # the value came from the set file: point there
                reason = problem.reason
                if isinstance(spec.fan_out, DimensionFanOut) and top == "dimension_filter":
                    key = f"{where}.fan_out.dimension"
                    if problem.field == "dimension_filter" and "unknown parameter" in reason:
                        reason = "the notebook takes no dimension_filter, so it cannot fan out over a dimension"
                elif isinstance(spec.fan_out, dict) and top in spec.fan_out:
                    key = f"{where}.fan_out.{top}"
                else:
                    key = f"{where}.parameters.{top}"
                relocated.append(ParameterError(f"{reason} (notebook {notebook_path.stem})", file=set_file,
                                                row=lines.get(key, lines.get(where)), field=key))
            else:  # from the notebook's parameter set file, already located there
                relocated.append(problem)
        raise _combine(relocated, set_file) from None


def plan_report_set(
    set_name_or_path: str | Path,
    report_date: str | date | None = None,
    interface_language: str | None = None,
    pdf: bool | None = None,
) -> ReportPlan:
    """Read, expand and validate a report set; nothing is run and no kernel is started.

    The interface language of each report (its ``interface_language``
    parameter, which also chooses the language of its banner and mail) is the
    one its entry in the set gives (in ``parameters`` or ``fan_out``), else
    ``interface_language`` here (``--interface-language``), else the set's,
    else its notebook parameter file's, else the centre's
    (:func:`workbench.i18n.default_language`). Every registered notebook gets
    it written into its parameters, so the run records which it was.

    Args:
        set_name_or_path: ``daily`` (``parameters/reports/daily.yaml``) or a YAML path.
        report_date: ISO date, ``today``, ``yesterday`` or ``latest``; default the set's ``date``.
        interface_language: ``zh`` or ``en``, overriding the set's ``interface_language``.
        pdf: True/False overrides the set's ``outputs.pdf`` (``--pdf``/``--no-pdf``); None keeps it.

    Raises:
        ParameterError: naming the set file (or a notebook's parameter file), the line and the field;
            with several problems ``.problems`` holds each.
    """
    from workbench import i18n
    from workbench.params import registered_notebooks

    if interface_language is not None:
        interface_language = i18n.check_language(interface_language, "--interface-language")
    path = set_path(set_name_or_path)
    config, lines = read_set_file(path)
    if pdf is not None:
        config = config.model_copy(update={"outputs": config.outputs.model_copy(update={"pdf": pdf})})
    chosen_language = interface_language or config.interface_language
    set_language = chosen_language or i18n.default_language()  # a broken centre.yaml is refused here
    try:
        when = resolve_date(report_date if report_date is not None else config.date, config.timezone)
    except ParameterError as exc:
        field_name = "date" if report_date is None else "--date"
        raise ParameterError(exc.reason, file=path if report_date is None else None,
                             row=lines.get("date") if report_date is None else None, field=field_name) from None
    jobs: list[ReportJob] = []
    problems: list[ParameterError] = []
    seen: set[str] = set()
    for index, spec in enumerate(config.reports):
        try:
            expanded = _fan_out(spec, index, path, lines, when)
        except ParameterError as exc:
            problems.append(exc)
            continue
        takes_language = "interface_language" in getattr(
            registered_notebooks().get(Path(spec.notebook).stem), "model_fields", {})
        for report, overrides in expanded:
            overrides = substitute_dates(overrides, when)
            if takes_language and chosen_language and "interface_language" not in overrides:
                overrides["interface_language"] = chosen_language
            try:
                resolved = _validate_job(spec, index, overrides, path, lines)
            except ParameterError as exc:
                problems.extend(getattr(exc, "problems", [exc]))
                continue
            if takes_language and not resolved.get("interface_language"):
                # recorded in the run's parameters, so its manifest says which language it was written in
                overrides["interface_language"] = resolved["interface_language"] = set_language
            if report in seen:
                problems.append(ParameterError(f"two reports are named {report!r}: give one a 'name'", file=path,
                                               row=lines.get(f"reports[{index}]"), field=f"reports[{index}].name"))
                continue
            seen.add(report)
            context = {"set": path.stem, "report": report, "date": when.isoformat(), "set_file": str(path)}
            timeouts = {key: value for key in ("start_timeout_seconds", "execution_timeout_seconds")
                        if (value := getattr(spec, key)) is not None}
            jobs.append(ReportJob(report, spec.notebook, spec.parameter_set, overrides, resolved, context, timeouts,
                                  pdf=config.outputs.pdf))
    rules = None
    if config.alerts is not False:
        from workbench.reports.alerts import load_rules, rules_path

        # root / an absolute path is that path; a relative one starts at the repository root
        rules = str(rules_path() if config.alerts is True else paths.root_dir() / config.alerts)
        if config.alerts is True and not Path(rules).exists():
            rules = None  # no rules file in this parameters folder: nothing to alert on
        else:
            try:
                load_rules(rules)  # a broken rules file is a parameter error too: found before anything runs
            except ParameterError as exc:
                problems.append(exc)
    if config.email.reports and "pdf" in config.email.attach and not config.outputs.pdf:
        problems.append(ParameterError(
            "email.attach lists pdf but outputs.pdf is false, so no report would have a PDF: set "
            "outputs: {pdf: true} or leave pdf out of email.attach",
            file=path, row=lines.get("email.attach"), field="email.attach"))
    if problems:
        raise _combine(problems, path)
    return ReportPlan(path.stem, path, when, config, jobs, rules, set_language)


# --------------------------------------------------------------------------- running


def execute_job(
    job: Mapping[str, Any],
    outputs_dir: str | None,
    start_timeout_seconds: int,
    execution_timeout_seconds: int,
    alerts_rules: str | None,
) -> dict[str, Any]:
    """Run one report, evaluate its alerts and rebuild the site; never raises for a failed report.

    A plain function of plain values, so it can run in another process or on a Dask worker.

    Returns:
        ``{report, notebook, status, run_id, run_dir, duration_seconds, error, alerts}``, and
        ``empty_period`` (true when the report's period held no calls) once it succeeded.
    """
    import time

    from workbench.errors import NotebookRunError
    from workbench.reports.runner import run_notebook
    from workbench.reports.site import build_site

    outcome: dict[str, Any] = {"report": job["report"], "notebook": job["notebook"], "status": "failed",
                               "run_id": None, "run_dir": None, "duration_seconds": None, "error": None,
                               "alerts": None}
    timeouts = job.get("timeouts") or {}
    # only asked for when wanted, so a set without PDF output runs on a runner of any version
    extra = {"pdf": True} if job.get("pdf") else {}
    clock = time.perf_counter()
    run_dir: Path | None = None
    try:
        result = run_notebook(
            job["notebook"], job["parameters"], parameter_set=job["parameter_set"],
            outputs_dir=Path(outputs_dir) if outputs_dir else None,
            start_timeout_seconds=timeouts.get("start_timeout_seconds", start_timeout_seconds),
            execution_timeout_seconds=timeouts.get("execution_timeout_seconds", execution_timeout_seconds),
            context=job["context"], build_site=False, **extra,
        )
        run_dir = result.run_dir
        outcome["status"] = "succeeded"
        outcome["empty_period"] = bool(result.manifest.get("empty_period"))
    except NotebookRunError as exc:
        run_dir = Path(exc.run_dir) if exc.run_dir else None
        outcome["error"] = str(exc).splitlines()[0][:500]
    except Exception as exc:  # a report that cannot even start must not stop the batch
        outcome["error"] = f"{type(exc).__name__}: {exc}"[:500]
    outcome["duration_seconds"] = round(time.perf_counter() - clock, 3)
    if run_dir is not None:
        outcome.update(run_id=run_dir.name, run_dir=str(run_dir))
    if run_dir is not None and alerts_rules is not None and outcome["status"] == "succeeded":
        from workbench.reports.alerts import apply_alerts

        try:
            alerts = apply_alerts(run_dir, job["resolved"], rules_path=alerts_rules or None)
            outcome["alerts"] = len(alerts["alerts"])
        except Exception as exc:  # an unreadable rules file must not lose the report
            log.warning("alerts for %s failed: %s", run_dir, exc)
            outcome["alert_error"] = f"{type(exc).__name__}: {exc}"
    try:
        build_site(Path(outputs_dir) if outputs_dir else None)
    except Exception as exc:
        log.warning("site rebuild failed: %s", exc)
    return outcome


_OUTCOME_MARK = "WORKBENCH_REPORT_OUTCOME "


def _execute_in_subprocess(job: Mapping[str, Any], arguments: Sequence[Any]) -> dict[str, Any]:
    """:func:`execute_job` in a fresh ``python -m workbench.reports.sets`` process (job as JSON on stdin)."""
    import subprocess
    import sys

    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(paths.PACKAGE_DIR.parent), env.get("PYTHONPATH")) if p)
    done = subprocess.run(
        [sys.executable, "-m", "workbench.reports.sets"],
        input=json.dumps({"job": job, "arguments": list(arguments)}, default=str),
        capture_output=True, text=True, env=env,
    )
    for line in reversed(done.stdout.splitlines()):
        if line.startswith(_OUTCOME_MARK):
            return json.loads(line[len(_OUTCOME_MARK):])
    tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
    return {"report": job["report"], "notebook": job["notebook"], "status": "failed", "run_id": None,
            "run_dir": None, "duration_seconds": None, "alerts": None,
            "error": f"worker process exited with code {done.returncode}: {tail}"[:500]}


def _dask_client(scheduler: str):
    from distributed import Client

    return Client(scheduler)


def run_report_set(
    plan: ReportPlan,
    *,
    workers: int = 1,
    scheduler: str | None = None,
    outputs_dir: str | Path | None = None,
    send_mail: bool = True,
) -> BatchResult:
    """Run every report of a validated plan; failures are recorded, never raised.

    Args:
        workers: parallel local processes (1 = one after another in this process).
        scheduler: a Dask scheduler address (default ``$WORKBENCH_DASK_SCHEDULER``); then
            the reports run on that cluster's workers, which must see the same files.
        outputs_dir: base of the run folders; default :func:`workbench.paths.outputs_dir`.
        send_mail: e-mail per the set's ``email`` options when SMTP is configured.
    """
    from workbench.reports.site import BATCHES_DIR, build_site

    base = Path(outputs_dir) if outputs_dir is not None else paths.outputs_dir()
    scheduler = scheduler or os.environ.get(DASK_SCHEDULER_ENV) or None
    config = plan.config
    rules = plan.alerts_rules
    arguments = [str(base), config.start_timeout_seconds, config.execution_timeout_seconds, rules]
    jobs = [asdict(job) for job in plan.jobs]
    started = datetime.now(UTC)
    log.info("report set %s for %s: %d reports", plan.set_name, plan.date, len(jobs))

    if scheduler:
        client = _dask_client(scheduler)
        try:
            futures = [client.submit(execute_job, job, *arguments, pure=False) for job in jobs]
            outcomes = []
            for job, future in zip(jobs, futures):
                try:
                    outcomes.append(future.result())
                except Exception as exc:  # the worker died or the task was lost: that report failed
                    outcomes.append({"report": job["report"], "notebook": job["notebook"], "status": "failed",
                                     "run_id": None, "run_dir": None, "duration_seconds": None, "alerts": None,
                                     "error": f"on the Dask cluster: {type(exc).__name__}: {exc}"[:500]})
        finally:
            client.close()
    elif workers > 1 and len(jobs) > 1:
        from concurrent.futures import ThreadPoolExecutor

        # Threads only wait on child interpreters, one per report: a report's kernel, its environment
        # variables and a crash stay in its own process, whatever the parent's __main__ is.
        with ThreadPoolExecutor(max_workers=min(workers, len(jobs))) as pool:
            outcomes = list(pool.map(lambda job: _execute_in_subprocess(job, arguments), jobs))
    else:
        outcomes = [execute_job(job, *arguments) for job in jobs]

    batch = BatchResult(plan.set_name, plan.date, started.isoformat(), datetime.now(UTC).isoformat(), outcomes)
    if send_mail:
        batch.mail = _send_batch_mail(plan, batch)
    batch.summary_path = _write_batch_summary(base / BATCHES_DIR, plan, batch)
    build_site(base)
    return batch


def _send_batch_mail(plan: ReportPlan, batch: BatchResult) -> list[dict[str, Any]]:
    """E-mail reports and alerts per the set's options; failures are recorded, never raised.

    Each report's mail is in that report's interface language; the alerts mail in the set's.
    """
    from workbench.reports import mail

    settings = mail.SmtpSettings.from_env()
    if settings is None:
        return []
    sent: list[dict[str, Any]] = []
    options = plan.config.email
    if options.reports:
        for outcome in batch.reports:
            if outcome["status"] != "succeeded":
                continue
            try:
                message = mail.send_report(Path(outcome["run_dir"]), settings, attach=options.attach,
                                           max_attachment_bytes=options.max_attachment_bytes)
                sent.append({"kind": "report", "report": outcome["report"], "status": "sent",
                             "attached": [part.get_filename() for part in message.iter_attachments()]})
            except Exception as exc:
                sent.append({"kind": "report", "report": outcome["report"], "status": "failed", "error": str(exc)})
    if options.alerts:
        fired = [Path(o["run_dir"]) for o in batch.reports if o.get("alerts")]
        if fired:
            try:
                mail.send_alerts(fired, settings, subject=mail.alerts_subject(
                    sum(o.get("alerts") or 0 for o in batch.reports), plan.set_name, plan.date,
                    plan.interface_language), language=plan.interface_language)
                sent.append({"kind": "alerts", "status": "sent"})
            except Exception as exc:
                sent.append({"kind": "alerts", "status": "failed", "error": str(exc)})
    return sent


def _write_batch_summary(folder: Path, plan: ReportPlan, batch: BatchResult) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    stamp = batch.started_at[:19].replace("-", "").replace(":", "")
    path = folder / f"{plan.set_name}-{stamp}Z-{os.getpid()}.json"
    summary = {
        "set": plan.set_name, "file": str(plan.file), "date": plan.date.isoformat(),
        "interface_language": plan.interface_language, "pdf": plan.config.outputs.pdf,
        "started_at": batch.started_at, "finished_at": batch.finished_at,
        "exit_code": batch.exit_code, "succeeded": batch.succeeded,
        "alerts": sum(r.get("alerts") or 0 for r in batch.reports),
        "reports": batch.reports, "mail": batch.mail,
    }
    path.write_text(json.dumps(summary, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
    return path


def describe_plan(plan: ReportPlan) -> str:
    """What ``--dry-run`` prints: each report with its notebook and overrides."""
    lines = [f"{plan.set_name} ({plan.file}) for {plan.date} in {plan.interface_language}: {len(plan.jobs)} reports, "
             "all parameters valid" + ("; PDF too" if plan.config.outputs.pdf else "")]
    for job in plan.jobs:
        base = f" + {job.parameter_set}" if job.parameter_set else ""
        overrides = json.dumps(job.parameters, ensure_ascii=False, default=str)
        lines.append(f"  {job.report:32s} {job.notebook}{base} {overrides}")
    return "\n".join(lines)


if __name__ == "__main__":  # a --workers child: one report, job on stdin, outcome on the last stdout line
    import sys

    _request = json.loads(sys.stdin.read())
    _outcome = execute_job(_request["job"], *_request["arguments"])
    print(_OUTCOME_MARK + json.dumps(_outcome, default=str), flush=True)
