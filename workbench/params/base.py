"""The machinery every parameter model shares: base class, registry, mixins, validation, YAML files.

Papermill only warns about an unknown parameter and keeps dates as strings, so
every pipeline notebook and every app has a pydantic model, registered under
the notebook's name. The runner validates a parameter set against it before
any kernel starts, and the notebook validates its own ``parameters`` cell
again, so interactive runs get the same checks.

A concept several models share is defined here once, with its name from
:data:`workbench.glossary.PARAMETER_NAMES` and its default from the glossary
constants: the mixins :class:`StoreSelection`, :class:`PeriodSelection` and
:class:`QueueSelection` (fields with methods), and the annotated types
:data:`IntervalMinutes`, :data:`TargetAnswerSeconds`,
:data:`ShortAbandonSeconds`, :data:`ServiceLevelTarget` and
:data:`RepeatWindowDays` (single fields with their range).

Pydantic lists the fields of several bases last base first, so a model names
its mixins in reverse of the order its ``parameters`` cell shows them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date
from html import escape
from pathlib import Path
from typing import Annotated, Any, TypeVar

import yaml
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, model_validator

from workbench import i18n, paths
from workbench.i18n import N_
from workbench.errors import ParameterError
from workbench.glossary import PARAMETER_NAMES, RETIRED_NAMES, Period, check_dimension_name, check_interval_minutes
from workbench.registries import Registry


def _interface_language(value: Any) -> Any:
    if value in (None, ""):
        return None
    try:
        return i18n.check_language(value)
    except ParameterError as exc:  # a ValueError is what pydantic reports with the field's location
        raise ValueError(exc.reason) from None


#: The reader's language (zh, en; ``zh-CN`` means zh), None = the centre's default. Every notebook, app,
#: report set and schedule entry takes it through this one type.
InterfaceLanguage = Annotated[str | None, BeforeValidator(_interface_language)]


class NotebookParameters(BaseModel):
    """Base of every notebook's parameter model: unknown keys are errors.

    Every notebook and app speaks the reader's language: ``interface_language``
    (zh, en; unset = the centre's setting, :func:`workbench.i18n.default_language`).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    interface_language: InterfaceLanguage = Field(None, description=PARAMETER_NAMES["interface_language"])

    def reader_language(self) -> str:
        """The interface language these parameters ask for, the centre's default when unset."""
        return self.interface_language or i18n.default_language()

    def to_papermill(self) -> dict[str, Any]:
        """Values as plain JSON types (dates as ISO strings), ready to inject."""
        return self.model_dump(mode="json")

    def _repr_html_(self) -> str:
        """A parameter table, so a notebook cell ending in the model shows it readably.

        Headings and meanings are in the current interface language
        (:func:`workbench.i18n.current_language`); parameter names and values
        are shown as they are. A meaning is translated when the catalogue has
        it (the glossary's :data:`~workbench.glossary.PARAMETER_NAMES` texts are
        marked), else shown in English.
        """
        from workbench import i18n

        def meaning(name: str) -> str:
            # A description is a marked glossary text, or a glossary text a model extends with its own note
            # ("...; None = open"): the glossary part is then translated and the note follows as written.
            description = type(self).model_fields[name].description or ""
            glossary = PARAMETER_NAMES.get(name, "")
            language = i18n.current_language()
            if language == i18n.SOURCE_LANGUAGE or description in i18n.catalogue(language) or not (
                    glossary and description.startswith(glossary)):
                return i18n.gettext(description)
            note = description[len(glossary):].lstrip("; ")
            return i18n.gettext(glossary) + (("；" + i18n.gettext(note)) if note else "")

        rows = "".join(
            f"<tr><td><code>{escape(name)}</code></td><td>{escape(repr(value))}</td>"
            f"<td>{escape(meaning(name))}</td></tr>"
            for name, value in self.model_dump(mode="json").items()
        )
        headings = "".join(f"<th>{escape(h)}</th>" for h in (i18n._("parameter"), i18n._("value"),
                                                             i18n._("meaning")))
        return (
            f"<table><caption>{escape(type(self).__name__)}</caption>"
            f"<thead><tr>{headings}</tr></thead><tbody>{rows}</tbody></table>"
        )


_REGISTRY: dict[str, type[NotebookParameters]] = {}

M = TypeVar("M", bound=type[NotebookParameters])


def register_notebook_parameters(notebook: str) -> Callable[[M], M]:
    """Class decorator registering a parameter model under a notebook's name (file stem)."""

    def decorator(model: M) -> M:
        if notebook in _REGISTRY and _REGISTRY[notebook] is not model:
            raise ValueError(f"notebook '{notebook}' already has a parameter model: {_REGISTRY[notebook].__name__}")
        _REGISTRY[notebook] = model
        return model

    return decorator


def registered_notebooks() -> dict[str, type[NotebookParameters]]:
    """Notebook name -> parameter model, for every registered notebook."""
    return dict(_REGISTRY)


def parameter_model(notebook: str) -> type[NotebookParameters]:
    """The parameter model of ``notebook``; ParameterError names the known ones if absent."""
    try:
        return _REGISTRY[notebook]
    except KeyError:
        known = ", ".join(sorted(_REGISTRY)) or "none"
        raise ParameterError(
            f"no parameter model is registered for notebook '{notebook}' (registered: {known})"
        ) from None


def resolve_repo_path(value: str | Path) -> Path:
    """An absolute path; a relative one is taken relative to the repository root, not the cwd."""
    path = Path(value).expanduser()
    return path if path.is_absolute() else (paths.root_dir() / path).resolve()


# --------------------------------------------------------------------------- shared fields


def _interval_minutes(value: int) -> int:
    try:
        return check_interval_minutes(value)
    except ParameterError as exc:
        raise ValueError(exc.reason) from None


def registered_name(registry: Registry) -> Any:
    """A string field type whose value must be one of ``registry``'s choices, checked by the registry itself.

    The registry owns the names, so a plug-in that registers another engine,
    model or backend makes it a valid value without touching any model.
    """

    def check(value: str) -> str:
        try:
            return registry.check(value)
        except ParameterError as exc:
            raise ValueError(exc.reason) from None

    return Annotated[str, AfterValidator(check)]


def _one_or_many(value: Any) -> Any:
    """A single queue (``"billing"``, as a URL or a CLI option gives it) as a one-element list."""
    return [value] if isinstance(value, str) else value


#: Length of an intraday interval in minutes: a divisor of 60 (15, 30, 60, ...).
IntervalMinutes = Annotated[
    int, AfterValidator(_interval_minutes), Field(description=PARAMETER_NAMES["interval_minutes"])
]
#: Service-level threshold T on the wait, in seconds.
TargetAnswerSeconds = Annotated[int, Field(ge=1, le=600, description=PARAMETER_NAMES["target_answer_seconds"])]
#: Abandons quicker than this many seconds are short abandons.
ShortAbandonSeconds = Annotated[int, Field(ge=0, le=120, description=PARAMETER_NAMES["short_abandon_seconds"])]
#: Share of calls to answer within the threshold, 0..1.
ServiceLevelTarget = Annotated[float, Field(ge=0.0, le=1.0, description=PARAMETER_NAMES["service_level_target"])]
#: Repeat-contact window in days.
RepeatWindowDays = Annotated[int, Field(ge=1, le=90, description=PARAMETER_NAMES["repeat_window_days"])]


class StoreSelection(NotebookParameters):
    """Which DuckDB store to read or write: ``store_path``, unset = the configured store."""

    store_path: str | None = Field(None, min_length=1, description=PARAMETER_NAMES["store_path"])

    def store_file(self) -> Path:
        """``store_path`` as an absolute path (relative to the repository root), or the configured store.

        The configured store is :func:`workbench.paths.store_path`, which honours
        ``WORKBENCH_STORE`` and ``WORKBENCH_DATA_DIR``.
        """
        return resolve_repo_path(self.store_path) if self.store_path else paths.store_path()


class PeriodSelection(NotebookParameters):
    """Whole days ``date_from`` .. ``date_to``, both included; None = open on that side."""

    date_from: date | None = Field(None, description=PARAMETER_NAMES["date_from"] + "; " + N_("None = open"))
    date_to: date | None = Field(None, description=PARAMETER_NAMES["date_to"] + "; " + N_("None = open"))

    @model_validator(mode="after")
    def _period_in_order(self) -> PeriodSelection:
        try:
            Period.of(self.date_from, self.date_to)
        except ParameterError as exc:
            raise ValueError(exc.reason) from None
        return self

    def period(self) -> Period:
        """The period as a :class:`workbench.glossary.Period`."""
        return Period.of(self.date_from, self.date_to)


class QueueSelection(NotebookParameters):
    """Which queues: ids (``billing_zh``) or families (``billing``); empty or ``["all"]`` = every queue."""

    queues: Annotated[list[Annotated[str, Field(min_length=1)]], BeforeValidator(_one_or_many)] = Field(
        default_factory=list, description=PARAMETER_NAMES["queues"]
    )


def _dimension_filter(value: Any) -> Any:
    """``{region: north}`` as ``{region: ["north"]}``; every value as text (a URL or a CLI option gives text).

    A flag is written ``true``/``false`` and a number as it reads (``2`` or ``2.5``);
    the KPIs convert each value to the dimension's type when they know it.
    """
    if not isinstance(value, Mapping):
        return value
    out: dict[str, Any] = {}
    for name, values in value.items():
        try:
            check_dimension_name(name, field="dimension_filter")
        except ParameterError as exc:
            raise ValueError(exc.reason) from None
        items = values if isinstance(values, (list, tuple)) else [values]
        out[str(name)] = [str(v).lower() if isinstance(v, bool) else (
            f"{v:g}" if isinstance(v, float) else str(v)) for v in items]
    return out


def _non_empty_values(value: dict[str, list[str]]) -> dict[str, list[str]]:
    empty = [name for name, values in value.items() if not values]
    if empty:
        raise ValueError(f"dimension_filter: no value given for {', '.join(empty)}")
    return value


#: Custom dimensions to keep: dimension name -> the values kept (:func:`workbench.kpis.compute_kpis`).
DimensionFilter = Annotated[
    dict[str, list[Annotated[str, Field(min_length=1)]]],
    BeforeValidator(_dimension_filter),
    AfterValidator(_non_empty_values),
    Field(description=PARAMETER_NAMES["dimension_filter"]),
]


class DimensionSelection(NotebookParameters):
    """Which calls by custom dimension: ``{region: [north]}``; empty = every call."""

    dimension_filter: DimensionFilter = Field(default_factory=dict, description=PARAMETER_NAMES["dimension_filter"])


# --------------------------------------------------------------------------- validation


def unknown_key_message(location: Sequence[Any], unknown: str = "unknown key") -> str:
    """The message for a key a model does not know; a retired name says which name replaced it."""
    name = str(location[-1]) if location else ""
    if name in RETIRED_NAMES:
        return f"'{name}' is a retired name: use {RETIRED_NAMES[name]}"
    return unknown


def _errors_from_validation(
    exc: ValidationError, source: str | Path | None, lines: Mapping[str, int] | None
) -> list[ParameterError]:
    errors = []
    for item in exc.errors():
        field = ".".join(str(part) for part in item["loc"]) or None
        top = str(item["loc"][0]) if item["loc"] else None
        if item["type"] == "extra_forbidden":
            message = unknown_key_message(item["loc"], "unknown parameter (not in the notebook's parameter model)")
        else:
            message = f"{item['msg']} (got {item['input']!r})" if field else item["msg"]
        row = (lines or {}).get(top) if top else None
        errors.append(ParameterError(message, file=source, row=row, field=field))
    return errors


def parameter_errors(
    notebook: str,
    values: Mapping[str, Any],
    *,
    source: str | Path | None = None,
    lines: Mapping[str, int] | None = None,
) -> list[ParameterError]:
    """Every problem with ``values`` for ``notebook`` (empty list when valid).

    Args:
        source: where the values came from (a file), named in each error.
        lines: 1-based line of each top-level key in ``source``, used as the error's row.
    """
    try:
        parameter_model(notebook).model_validate(dict(values))
    except ValidationError as exc:
        return _errors_from_validation(exc, source, lines)
    return []


def validate_parameters(
    notebook: str,
    values: Mapping[str, Any] | None = None,
    *,
    source: str | Path | None = None,
    lines: Mapping[str, int] | None = None,
) -> NotebookParameters:
    """Validate ``values`` against the notebook's model and return the model instance.

    Raises:
        ParameterError: naming the source and field; with several problems the
            message lists all of them (``field`` is then None) and ``.problems``
            holds one error each.

    >>> validate_parameters("sample_overview", {"interval_minutes": 15}).interval_minutes
    15
    """
    model = parameter_model(notebook)
    try:
        return model.model_validate(dict(values or {}))
    except ValidationError as exc:
        problems = _errors_from_validation(exc, source, lines)
    if len(problems) == 1:
        error = problems[0]
    else:
        listing = "; ".join(
            ", ".join(part for part in (f"row {p.row}" if p.row else "", f"field '{p.field}'") if part) + f": {p.reason}"
            for p in problems
        )
        error = ParameterError(f"{len(problems)} invalid parameters for notebook '{notebook}': {listing}", file=source)
    error.problems = problems  # type: ignore[attr-defined]
    raise error


# --------------------------------------------------------------------------- YAML files


class _StringDateLoader(yaml.SafeLoader):
    """SafeLoader that keeps ISO dates as strings, as Papermill's loader does."""


_StringDateLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


ModelT = TypeVar("ModelT", bound=BaseModel)


def load_model_file(path: str | Path, model: type[ModelT]) -> ModelT:
    """A YAML file validated with ``model``; the first problem raised naming file, line and field.

    The field is written as a path into the file (``rules[1].threshold``).

    Raises:
        ParameterError: the file is missing, not a YAML mapping, or does not fit ``model``.
    """
    path = Path(path)
    values, lines = read_parameter_file(path)
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        item = exc.errors()[0]
        where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in item["loc"]).lstrip(".")
        message = unknown_key_message(item["loc"]) if item["type"] == "extra_forbidden" else item["msg"]
        raise ParameterError(message, file=path, row=lines.get(str(item["loc"][0])) if item["loc"] else None,
                             field=where) from None


def read_parameter_file(path: str | Path) -> tuple[dict[str, Any], dict[str, int]]:
    """Raw overrides from a YAML parameter file and the 1-based line of each key.

    Raises:
        ParameterError: the file is missing, is not valid YAML, or is not a mapping.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ParameterError("parameter file not found", file=path) from None
    try:
        node = yaml.compose(text, Loader=_StringDateLoader)
        values = yaml.load(text, Loader=_StringDateLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        row = mark.line + 1 if mark is not None else None
        raise ParameterError(f"not valid YAML: {getattr(exc, 'problem', exc)}", file=path, row=row) from None
    if values is None:
        return {}, {}
    if not isinstance(values, dict):
        raise ParameterError(
            f"expected a mapping of parameter names to values, found {type(values).__name__}", file=path, row=1
        )
    lines = {}
    if isinstance(node, yaml.MappingNode):
        lines = {str(key.value): key.start_mark.line + 1 for key, _ in node.value}
    return {str(k): v for k, v in values.items()}, lines


def parameter_set_path(notebook: str, set_name_or_path: str | Path) -> Path:
    """``parameters/<notebook>/<set>.yaml`` for a set name, or the given path to a YAML file."""
    candidate = Path(set_name_or_path)
    if candidate.suffix in {".yaml", ".yml"} or len(candidate.parts) > 1:
        return candidate.expanduser().resolve()
    return paths.parameters_dir() / notebook / f"{candidate}.yaml"


def load_parameter_set(notebook: str, set_name_or_path: str | Path) -> NotebookParameters:
    """Read and validate a parameter set: a name under ``parameters/<notebook>/`` or a YAML path.

    Raises:
        ParameterError: naming the file, the line and the field at fault.
    """
    path = parameter_set_path(notebook, set_name_or_path)
    values, lines = read_parameter_file(path)
    return validate_parameters(notebook, values, source=path, lines=lines)


def check_parameter_files(parameters_dir: str | Path | None = None) -> list[ParameterError]:
    """Validate every YAML set under ``<parameters_dir>/<notebook>/``; return every error.

    Folders whose notebook has no registered model are skipped.
    """
    base = Path(parameters_dir) if parameters_dir is not None else paths.parameters_dir()
    errors: list[ParameterError] = []
    if not base.is_dir():
        return errors
    if parameters_dir is None or base == paths.parameters_dir():
        try:
            i18n.centre_settings()
        except ParameterError as exc:
            errors.append(exc)
    for folder in sorted(p for p in base.iterdir() if p.is_dir() and p.name in _REGISTRY):
        for path in sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")]):
            try:
                values, lines = read_parameter_file(path)
            except ParameterError as exc:
                errors.append(exc)
                continue
            errors.extend(parameter_errors(folder.name, values, source=path, lines=lines))
    return errors
