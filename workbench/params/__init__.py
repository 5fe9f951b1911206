"""Parameters: one pydantic model per notebook and per app, validated before a kernel starts.

A parameter set is ``parameters/<notebook>/<set>.yaml`` and holds only
overrides; defaults live in the model (and, kept in step by a test, in the
notebook's ``parameters`` cell). Names come from
:data:`workbench.glossary.PARAMETER_NAMES` and carry units
(``interval_minutes``, ``target_answer_seconds``); fractions are 0..1; dates
are ISO strings parsed by the model.

Layer: a foundation under the store and everything above it; it imports only
:mod:`workbench.glossary`, :mod:`workbench.registries` (the names a parameter
such as ``forecast_model`` may take) and the bottom layer (paths, errors).

Where things go:

* a pipeline notebook's parameters: a model in :mod:`workbench.params.notebooks`,
  decorated ``@register_notebook_parameters("<notebook file stem>")``;
* an app's parameters: a model in :mod:`workbench.params.apps` subclassing
  :class:`AppParameters`, registered the same way under the app's name;
* a concept several models share (store, period, queues, interval, answer-time
  threshold, short abandons, repeat window): a mixin or annotated field type in
  :mod:`workbench.params.base`, used by every model that has the concept;
* a new parameter name: first in :data:`workbench.glossary.PARAMETER_NAMES`;
* validation and YAML reading: :mod:`workbench.params.base`.

Everything public is importable from ``workbench.params`` itself.
"""

from __future__ import annotations

from workbench.params.apps import (
    AppParameters,
    OperationsAppParameters,
    SatisfactionAppParameters,
    StaffingAppParameters,
    TopicsAppParameters,
)
from workbench.params.base import (
    DimensionFilter,
    DimensionSelection,
    IntervalMinutes,
    NotebookParameters,
    PeriodSelection,
    QueueSelection,
    RepeatWindowDays,
    ServiceLevelTarget,
    ShortAbandonSeconds,
    StoreSelection,
    TargetAnswerSeconds,
    _StringDateLoader,
    check_parameter_files,
    load_model_file,
    load_parameter_set,
    parameter_errors,
    parameter_model,
    parameter_set_path,
    read_parameter_file,
    unknown_key_message,
    register_notebook_parameters,
    registered_notebooks,
    resolve_repo_path,
    validate_parameters,
)
from workbench.params.notebooks import (
    ExportToIngest,
    IngestOverviewParameters,
    KpiOverviewParameters,
    SampleOverviewParameters,
    SatisfactionDriversParameters,
    StaffingForecastParameters,
    TopicOverviewParameters,
    TranscriptionOverviewParameters,
    Weekday,
)

__all__ = [
    "AppParameters",
    "DimensionFilter",
    "DimensionSelection",
    "ExportToIngest",
    "IngestOverviewParameters",
    "IntervalMinutes",
    "KpiOverviewParameters",
    "NotebookParameters",
    "OperationsAppParameters",
    "PeriodSelection",
    "QueueSelection",
    "RepeatWindowDays",
    "SampleOverviewParameters",
    "SatisfactionAppParameters",
    "SatisfactionDriversParameters",
    "ServiceLevelTarget",
    "ShortAbandonSeconds",
    "StaffingAppParameters",
    "StaffingForecastParameters",
    "StoreSelection",
    "TargetAnswerSeconds",
    "TopicOverviewParameters",
    "TopicsAppParameters",
    "TranscriptionOverviewParameters",
    "Weekday",
    "_StringDateLoader",
    "check_parameter_files",
    "load_model_file",
    "load_parameter_set",
    "parameter_errors",
    "parameter_model",
    "parameter_set_path",
    "read_parameter_file",
    "unknown_key_message",
    "register_notebook_parameters",
    "registered_notebooks",
    "resolve_repo_path",
    "validate_parameters",
]
