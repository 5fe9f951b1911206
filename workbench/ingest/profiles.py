"""Ingestion profiles: how one vendor export maps onto a canonical table.

A profile is a YAML file ``parameters/ingest/<name>.yaml`` validated by
:class:`IngestProfile` (unknown keys are errors), so a typo in a header
mapping fails before any row is read. See ``parameters/ingest/README.md``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from workbench import paths
from workbench.errors import ParameterError
from workbench.glossary import DIMENSION_TYPES, check_dimension_name
from workbench.schemas import TABLES

#: Tables a profile may add custom dimensions to.
DIMENSION_TABLES: tuple[str, ...] = ("calls", "surveys", "agents")
#: Value type names of dimensions (:data:`workbench.glossary.DIMENSION_TYPES`).
DIMENSION_VALUE_TYPES = tuple(DIMENSION_TYPES)
OUTCOMES = ("answered", "abandoned", "short_abandon", "transferred", "phantom")
Outcome = Literal["answered", "abandoned", "short_abandon", "transferred", "phantom"]
#: A profile name is part of file names (batch ids, rejects files): letters, digits, ``_ . -``, no ``..``.
NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"


class Cleaning(BaseModel):
    """Cleaning rules for ``calls``: matching rows are still loaded, with a reason in ``flags``.

    Attributes:
        misdial_below_seconds: answered (or transferred) calls with ``talk_seconds``
            below this are flagged ``misdial``.
        test_numbers: vendor caller values (the ``customer_id`` field as exported,
            before ``missing_values``/``pseudonymise``) flagged ``test_number``.
        internal_numbers_prefix: caller values starting with one of these are
            flagged ``internal``.
        queue_entry_column: vendor header of the time a call joined the queue,
            when the export has one (e.g. ``q_start``); an abandoned call where it
            is empty (or one of ``null_times``) hung up in the IVR/VRU before
            reaching a queue and is flagged ``ivr_abandon``.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    misdial_below_seconds: float | None = Field(default=None, ge=0)
    test_numbers: list[str] = Field(default_factory=list)
    internal_numbers_prefix: list[str] = Field(default_factory=list)
    queue_entry_column: str | None = None


class Dimension(BaseModel):
    """One vendor field mapped to a named custom dimension (region, brand, member_tier, ...).

    Stored as column ``dim_<name>`` of the profile's table (see :mod:`workbench.store`).

    Attributes:
        column: vendor header (a dotted path such as ``Attributes.tier`` in a
            nested JSON export).
        type: ``category`` (text), ``number`` (decimal separator of the
            profile; a trailing ``%`` divides by 100) or ``flag`` (yes/no in
            the forms of :data:`workbench.glossary.FLAG_TRUE`/``FLAG_FALSE``).
        values: vendor value -> stored value (categories and flags); a
            category value not listed is stored as exported, a flag value
            neither listed nor a known yes/no rejects the row.
        description: what the dimension means (shown in the data dictionary).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    column: str = Field(min_length=1)
    type: Literal["category", "number", "flag"] = "category"
    values: dict[str, str] = Field(default_factory=dict)
    description: str = ""


class DayNumber(BaseModel):
    """A day written as a number instead of a date, as some ACD reports do.

    Attributes:
        form: ``excel_serial``: days since 1899-12-30 as Excel counts them
            (``45292`` is 2024-01-01; whole days only); ``day_of_month``: the
            day of ``month`` (``5`` is the 5th).
        month: ``YYYY-MM`` the days belong to; required with ``day_of_month``.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    form: Literal["excel_serial", "day_of_month"]
    month: str | None = Field(default=None, pattern=r"^\d{4}-(0[1-9]|1[0-2])$")

    @model_validator(mode="after")
    def _month_given(self) -> DayNumber:
        if self.form == "day_of_month" and self.month is None:
            raise ValueError("day_number: form day_of_month needs month (YYYY-MM)")
        return self


class IngestProfile(BaseModel):
    """One vendor export -> one canonical table.

    Attributes:
        name: profile name (the YAML file's stem); part of every batch id and
            rejects file name, so it is limited to :data:`NAME_PATTERN` (empty
            only for a profile built in code).
        table: canonical table the rows go to (see :mod:`workbench.schemas`).
        encoding: ``auto`` reads UTF-16 with a byte-order mark, else tries UTF-8
            (BOM or not) strictly, then GB18030; any other value is used as
            declared (``utf-16`` needs a byte-order mark, ``utf-16-le``/``-be``
            do not). A non-UTF-8 decode the detector doubts loads with a warning.
        columns: canonical column -> vendor header.
        timestamp_format: ``strptime`` format of every timestamp column.
        timezone: IANA zone of the centre; timestamps carrying an offset are
            converted to it, and all are stored as local wall-clock time.
        durations: canonical duration column -> ``hms`` (``H:MM:SS``) or ``seconds``.
        outcomes: vendor outcome code -> canonical outcome.
        value_maps: canonical column -> {vendor value: canonical value}; a value
            not in the map rejects the row.
        constants: canonical column -> value for every row (e.g. ``language: zh``).
        missing_values: canonical column -> vendor values meaning "unknown"
            (e.g. ``anonymous`` caller numbers), stored as NULL.
        pseudonymise: mapped text columns replaced by a stable keyed pseudonym
            (:mod:`workbench.pseudonyms`; caller numbers: repeat contacts still
            link, the number is neither stored nor written to rejects files).
        id_prefix: prepended to the primary-key id so ids of two sources cannot clash.
        require_known_calls: reject rows whose ``call_id`` is not in the store's
            ``calls`` table (load calls first); for surveys and other call-level tables.
        separator: field separator of CSV/TXT files (one character, e.g. a tab).
        date_column: vendor header holding the date when timestamp columns hold
            only a clock time; ``"<date> <time>"`` is parsed with ``timestamp_format``.
            A time more than 12 h before ``arrived_at`` is taken as the next day.
        null_times: timestamp values meaning "no time" (e.g. ``0:00:00`` for a call
            that never queued), stored as NULL.
        id_columns: vendor headers whose values, joined with ``-``, form the
            primary-key id (and ``source_call_id``) when the mapped id alone is not
            unique, e.g. ``[vru+line, call_id]``; the key must still be mapped.
        cleaning: calls only; rows matching a rule are loaded and flagged
            (see :class:`Cleaning`); with it, phantom calls are flagged ``phantom``.
        dimensions: dimension name -> :class:`Dimension`: further vendor fields
            kept as named, typed custom dimensions (calls, surveys, agents).
        decimal_separator: ``.`` or ``,`` (``"1.234,5"`` with ``,``: dots and
            spaces inside a number are thousands separators).
        format: ``auto`` (by file extension: .csv/.txt, .json, .jsonl/.ndjson,
            .xlsx, .xls, .parquet), or the format named.
        record_path: JSON only: dotted path to the list of records inside the
            document (e.g. ``data.contacts``); nested fields of a record become
            dotted headers (``Agent.Id``) that ``columns`` and ``dimensions`` name.
        sheet: Excel only: sheet name or 0-based position (default the first).
        query: database sources only: the SQL query whose rows are the export
            (:mod:`workbench.ingest.database`); a query given on the command
            line takes precedence. Never the database URL: it may carry a
            password and comes from an environment variable.
        day_number: the day is written as a number (:class:`DayNumber`): the
            ``date_column`` when there is one, else each timestamp column holds
            the day number alone. It is turned into ``YYYY-MM-DD`` before
            parsing, so ``timestamp_format`` starts with ``%Y-%m-%d``.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = ""
    description: str = ""
    table: Literal["calls", "surveys", "agents", "queues", "agent_states", "interval_stats"]
    encoding: Literal[
        "auto", "utf-8", "gb18030", "big5", "cp1252", "latin-1", "utf-16", "utf-16-le", "utf-16-be"
    ] = "auto"
    columns: dict[str, str] = Field(min_length=1)
    timestamp_format: str = "%Y-%m-%d %H:%M:%S"
    timezone: str = "Asia/Shanghai"
    durations: dict[str, Literal["hms", "seconds"]] = Field(default_factory=dict)
    outcomes: dict[str, Outcome] = Field(default_factory=dict)
    value_maps: dict[str, dict[str, str]] = Field(default_factory=dict)
    constants: dict[str, str] = Field(default_factory=dict)
    id_prefix: str = ""
    missing_values: dict[str, list[str]] = Field(default_factory=dict)
    pseudonymise: list[str] = Field(default_factory=list)
    require_known_calls: bool = False
    separator: str = Field(default=",", min_length=1, max_length=1)
    date_column: str | None = None
    null_times: list[str] = Field(default_factory=list)
    id_columns: list[str] = Field(default_factory=list)
    cleaning: Cleaning | None = None
    dimensions: dict[str, Dimension] = Field(default_factory=dict)
    decimal_separator: Literal[".", ","] = "."
    format: Literal["auto", "csv", "json", "jsonl", "xlsx", "xls", "parquet"] = "auto"
    record_path: str | None = None
    sheet: str | int | None = None
    query: str | None = Field(default=None, min_length=1)
    day_number: DayNumber | None = None

    @field_validator("name")
    @classmethod
    def _file_name(cls, value: str) -> str:
        # Part of paths: "../x" or "/x" would write rejects outside their folder.
        if value and (not re.match(NAME_PATTERN, value) or ".." in value):
            raise ValueError(f"'{value}' is not a usable profile name: expected 1-64 letters, digits, '_', '.' "
                             "or '-', starting with a letter or digit, without '..'")
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone '{value}' (expected an IANA name such as Asia/Shanghai)") from None
        return value

    @model_validator(mode="after")
    def _columns_exist(self) -> IngestProfile:
        known = TABLES[self.table].column_names
        for key in ("columns", "durations", "value_maps", "constants"):
            unknown = [c for c in getattr(self, key) if c not in known or c == "batch_id"]
            if unknown:
                raise ValueError(f"{key}: {unknown} not columns of table '{self.table}' (known: {known})")
        provided = set(self.columns) | set(self.constants)
        missing = [c for c in TABLES[self.table].required_columns if c not in provided and c != "batch_id"]
        if missing:
            raise ValueError(f"columns: required column(s) {missing} of table '{self.table}' not mapped")
        if self.require_known_calls and (self.table == "calls" or "call_id" not in self.columns):
            raise ValueError("require_known_calls: needs a mapped call_id on a table other than calls")
        if "outcome" in self.columns and not self.outcomes:
            raise ValueError("outcomes: the outcome column is mapped but no vendor codes are listed")
        types = {c.name: c.sql_type for c in TABLES[self.table].columns}
        for column in self.pseudonymise:
            if column not in self.columns or types.get(column) != "VARCHAR" or column in self.value_maps \
                    or column == "outcome":
                raise ValueError(f"pseudonymise: '{column}' is not a mapped text column without a value map "
                                 f"of table '{self.table}'")
        if self.cleaning is not None and self.table != "calls":
            raise ValueError("cleaning: only for table 'calls'")
        if self.dimensions and self.table not in DIMENSION_TABLES:
            raise ValueError(f"dimensions: only for tables {list(DIMENSION_TABLES)}")
        for name, dimension in self.dimensions.items():
            try:
                check_dimension_name(name)
            except ParameterError as exc:
                raise ValueError(f"dimensions: {exc.reason}") from None
            if dimension.values and dimension.type == "number":
                raise ValueError(f"dimensions: '{name}' is a number; value maps are for categories and flags")
        for column, value in self.constants.items():
            if types.get(column) in ("INTEGER", "BIGINT", "DOUBLE"):
                try:
                    float(value)
                except ValueError:
                    raise ValueError(f"constants: {column} '{value}' is not a number") from None
        if self.table == "interval_stats" and not ({"offered", "answered"} & provided):
            raise ValueError("columns: an interval report needs offered or answered mapped")
        if self.day_number is not None and not self.timestamp_format.startswith("%Y-%m-%d"):
            raise ValueError("day_number: the day becomes YYYY-MM-DD, so timestamp_format must start with %Y-%m-%d")
        if self.separator == self.decimal_separator:
            raise ValueError("decimal_separator: the same character as the field separator")
        return self

    @property
    def key(self) -> str:
        """The table's single primary-key column (e.g. ``call_id``)."""
        return TABLES[self.table].primary_key[0]

    @property
    def vendor_headers(self) -> list[str]:
        """Every vendor header the profile reads, each once (columns, dimensions, date, id and queue-entry columns)."""
        headers = [*self.columns.values(), *(d.column for d in self.dimensions.values()), *self.id_columns]
        if self.date_column:
            headers.append(self.date_column)
        if self.cleaning is not None and self.cleaning.queue_entry_column:
            headers.append(self.cleaning.queue_entry_column)
        return list(dict.fromkeys(headers))


def _line_of(text: str, key: str) -> int | None:
    for number, line in enumerate(text.splitlines(), start=1):
        if line.startswith(f"{key}:"):
            return number
    return None


def load_profile(profile: str | Path | IngestProfile) -> IngestProfile:
    """Read and validate a profile.

    Args:
        profile: a profile, a YAML path, or a name looked up as
            ``<parameters_dir>/ingest/<name>.yaml``.

    Raises:
        ParameterError: the file is missing, not YAML, or fails validation
            (file, line of the top-level key and field named).
    """
    if isinstance(profile, IngestProfile):
        return profile
    path = Path(profile)
    if path.suffix not in (".yaml", ".yml"):
        path = paths.parameters_dir() / "ingest" / f"{profile}.yaml"
    if not path.is_file():
        raise ParameterError("ingestion profile not found", file=path)
    text = path.read_text(encoding="utf-8")
    try:
        values = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise ParameterError(f"not valid YAML: {exc}", file=path) from None
    if not isinstance(values, dict):
        raise ParameterError(f"expected a mapping of profile keys, found {type(values).__name__}", file=path)
    values.setdefault("name", path.stem)
    try:
        return IngestProfile.model_validate(values)
    except ValidationError as exc:
        item = exc.errors()[0]
        field = ".".join(str(p) for p in item["loc"]) or None
        message = "unknown key" if item["type"] == "extra_forbidden" else item["msg"]
        if field is None:  # model-level check: the message starts with the key it is about
            field = str(item["msg"]).removeprefix("Value error, ").split(":")[0]
        top = field.split(".")[0] if field else None
        more = f" (and {len(exc.errors()) - 1} more problem(s))" if len(exc.errors()) > 1 else ""
        raise ParameterError(message + more, file=path, row=_line_of(text, top) if top else None, field=field) from None
