"""Keys beyond the built-in ones that calls are grouped and filtered by: custom dimensions, agent columns.

One definition of "a dimension filter" for every reader of the calls: the KPIs
(:mod:`workbench.kpis`) group and filter by these keys, and the readers that
list the calls behind a number (:func:`workbench.store.readers.calls_in_set`)
apply the same filter, so a list explains exactly the number it came from.
A filter's values are typed by the key (:meth:`DimensionKey.parameter`) and
always passed as SQL parameters, never written into the text.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from workbench.errors import ParameterError
from workbench.glossary import FLAG_FALSE, FLAG_TRUE, RESERVED_DIMENSION_NAMES

if TYPE_CHECKING:
    from workbench.store import Store

#: Agents' columns a KPI can be grouped or filtered by, read through the call's ``agent_id``.
AGENT_KEYS: tuple[str, ...] = ("team", "site")
#: Survey columns the CSAT distribution can be grouped by: key -> column of ``surveys``. The survey's
#: channel is ``survey_channel``, so a calls dimension named ``channel`` (how the contact came in) keeps its name.
SURVEY_KEYS: dict[str, str] = {"survey_type": "survey_type", "survey_channel": "channel"}
#: Table -> the alias its columns are read under in the KPI queries.
_ALIASES: dict[str, str] = {"calls": "c", "agents": "a", "surveys": "s"}


@dataclass(frozen=True)
class DimensionKey:
    """A grouping key or filter beyond the built-in keys: a custom dimension, an agent or a survey column.

    ``name`` is both the key (``by=["region"]``) and the output column;
    ``column`` is the column of ``table`` holding it (``dim_region``, ``team``).
    """

    name: str
    table: str
    column: str
    value_type: str = "category"

    @property
    def sql(self) -> str:
        """The column as the KPI queries read it (calls as ``c``, agents as ``a``, surveys as ``s``)."""
        return f'{_ALIASES[self.table]}."{self.column}"'

    def parameter(self, values: Sequence[Any]) -> list[Any]:
        """``values`` as the column's type, for ``= ANY(?)``: text, numbers or true/false.

        Raises:
            ParameterError: a value that is not a number (number dimension) or a flag word (flag dimension).
        """
        out: list[Any] = []
        for value in values:
            text = str(value).strip()
            if self.value_type == "number":
                try:
                    out.append(float(text.replace(",", ".")) if not isinstance(value, (int, float)) else float(value))
                except ValueError:
                    raise ParameterError(f"{self.name} is a number dimension; {text!r} is not a number",
                                         field=f"dimension_filter.{self.name}") from None
            elif self.value_type == "flag":
                lowered = text.lower()
                if lowered not in (*FLAG_TRUE, *FLAG_FALSE):
                    raise ParameterError(f"{self.name} is a flag; {text!r} is neither true nor false",
                                         field=f"dimension_filter.{self.name}")
                out.append(lowered in FLAG_TRUE)
            else:
                out.append(text)
        return out

    def condition(self) -> str:
        """``?``-parameterised condition on the ``calls`` table (unaliased) keeping this key's values.

        A call's agent key is looked up through its ``agent_id``; survey keys describe
        responses, not calls, and have no condition on calls.
        """
        if self.table == "calls":
            return f'"{self.column}" = ANY(?)'
        if self.table == "agents":
            return f'agent_id IN (SELECT agent_id FROM agents WHERE "{self.column}" = ANY(?))'
        raise ParameterError(f"{self.name} describes survey responses; calls cannot be filtered by it",
                             field=f"dimension_filter.{self.name}")


def dimension_keys(store: Store, *, surveys: bool = False) -> dict[str, DimensionKey]:
    """The keys beyond the built-in ones (queue, day, ...) that ``store`` offers to group and filter by.

    In this order, an earlier one winning a name: the custom dimensions of
    ``calls``, the agents' :data:`AGENT_KEYS` (``team``, ``site``), the
    custom dimensions of ``agents``, and with ``surveys`` the survey columns
    :data:`SURVEY_KEYS` and the custom dimensions of ``surveys`` (the CSAT
    distribution's keys only: a call has no survey type).
    """
    from workbench.store import readers

    keys: dict[str, DimensionKey] = {}

    def add(name: str, table: str, column: str, value_type: str = "category") -> None:
        if name not in keys and name not in RESERVED_DIMENSION_NAMES:
            keys[name] = DimensionKey(name, table, column, value_type)

    catalogue = readers.dimensions(store)
    listed = {table: catalogue[catalogue["table_name"] == table] for table in ("calls", "agents", "surveys")}
    for row in listed["calls"].itertuples():
        add(row.dimension, "calls", row.column_name, row.value_type)
    for column in AGENT_KEYS:
        add(column, "agents", column)
    for row in listed["agents"].itertuples():
        add(row.dimension, "agents", row.column_name, row.value_type)
    if surveys:
        for key, column in SURVEY_KEYS.items():
            add(key, "surveys", column)
        for row in listed["surveys"].itertuples():
            add(row.dimension, "surveys", row.column_name, row.value_type)
    return keys


def filter_keys(
    dimension_filter: Mapping[str, Any] | None, dimensions: Mapping[str, DimensionKey]
) -> list[tuple[DimensionKey, list[Any]]]:
    """(key, typed values) per ``dimension_filter`` entry; a single value is a one-item list.

    Raises:
        ParameterError: a name that is not one of ``dimensions`` (the known ones listed), no value, or a
            value of the wrong type.
    """
    out = []
    for name, values in (dimension_filter or {}).items():
        if name not in dimensions:
            raise ParameterError(
                f"'{name}' is not a dimension of this store; known: {', '.join(dimensions) or 'none loaded'}",
                field="dimension_filter",
            )
        listed = list(values) if isinstance(values, (list, tuple, set)) else [values]
        if not listed:
            raise ParameterError(f"no value given for {name}", field=f"dimension_filter.{name}")
        out.append((dimensions[name], dimensions[name].parameter(listed)))
    return out



def filter_condition(store: Store, dimension_filter: Mapping[str, Any] | None) -> tuple[str, list[Any]]:
    """SQL condition on ``calls`` (unaliased) and its parameters for a ``dimension_filter``; ``("TRUE", [])`` for none.

    Raises:
        ParameterError: see :func:`filter_keys`.
    """
    if not dimension_filter:
        return "TRUE", []
    keys = filter_keys(dimension_filter, dimension_keys(store))
    return " AND ".join(key.condition() for key, _ in keys), [values for _, values in keys]
