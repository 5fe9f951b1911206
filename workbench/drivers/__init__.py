"""Satisfaction drivers: what moves CSAT, with bootstrap uncertainty and survey-response weighting.

``table`` builds the per-call driver table from the store (or reads a file);
``models`` fits the interpretable and flexible models, effect curves, what-if
and call-mix-adjusted agent effects.

An analysis module: it imports the store and the layers below it (which calls
are answered and ``repeat_contact`` / ``called_again`` come from
:mod:`workbench.glossary`), never another analysis module, widgets or
Papermill. A new per-call driver is a column added in
:func:`~workbench.drivers.table.call_features` (or joined from a store table in
:func:`~workbench.drivers.table.driver_table_from_store`); the models' names
are :data:`workbench.registries.DRIVER_MODELS`.
"""

from workbench.drivers.models import (
    DriverAnalysis,
    agent_effects,
    analyse_drivers,
    effect_curves,
    held_out_importance,
    response_weights,
    what_if,
)
from workbench.drivers.table import (
    MIN_SURVEYS,
    call_features,
    check_driver_table,
    default_features,
    driver_table_from_store,
    read_driver_file,
    screen_columns,
)

__all__ = [
    "MIN_SURVEYS",
    "DriverAnalysis",
    "agent_effects",
    "analyse_drivers",
    "call_features",
    "check_driver_table",
    "default_features",
    "driver_table_from_store",
    "effect_curves",
    "held_out_importance",
    "read_driver_file",
    "response_weights",
    "screen_columns",
    "what_if",
]
