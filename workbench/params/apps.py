"""Parameter models of the Voilà apps under ``notebooks/apps/``, one per app.

The apps take their parameters from the URL; the server validates them with
these models before the notebook runs and keeps the defaults for any value
that fails (``url_notices`` says which).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, Field

from workbench.errors import ParameterError
from workbench.i18n import N_
from workbench.glossary import (
    DEFAULT_INTERVAL_MINUTES,
    DEFAULT_TARGET_ANSWER_SECONDS,
    PARAMETER_NAMES,
    check_dimension_name,
)
from workbench.params.base import (
    DimensionSelection,
    IntervalMinutes,
    PeriodSelection,
    QueueSelection,
    ServiceLevelTarget,
    StoreSelection,
    TargetAnswerSeconds,
    register_notebook_parameters,
    registered_name,
)
from workbench.registries import DRIVER_MODELS


def _dimension_name(value: str | None) -> str | None:
    try:
        return None if value is None else check_dimension_name(value, field="group_by")
    except ParameterError as exc:
        raise ValueError(exc.reason) from None


#: A custom dimension to break figures down by (``member_tier``), None = no breakdown: a dimension name,
#: checked as the glossary checks one; whether the store holds it is the app's to say.
GroupBy = Annotated[str | None, AfterValidator(_dimension_name), Field(description=PARAMETER_NAMES["group_by"])]


class AppParameters(StoreSelection):
    """Fields every app shares: where the store is (not settable by URL) and what the server rejected."""

    url_notices: list[str] = Field(
        default_factory=list, description=N_("set by `workbench serve`: URL parameters rejected and why")
    )


@register_notebook_parameters("operations")
class OperationsAppParameters(DimensionSelection, QueueSelection, PeriodSelection, AppParameters):
    """Parameters of ``notebooks/apps/operations.ipynb`` (the operations dashboard).

    An open period shows the 14 days up to the last day in the store. A
    ``dimension_filter`` or ``group_by`` naming a dimension or value the store
    lacks is shown as a notice on the page (the app checks them against the store).
    """

    language: Literal["all", "zh", "en"] = Field("all", description=PARAMETER_NAMES["language"])
    interval_minutes: IntervalMinutes = DEFAULT_INTERVAL_MINUTES
    target_answer_seconds: TargetAnswerSeconds = DEFAULT_TARGET_ANSWER_SECONDS
    service_level_target: ServiceLevelTarget = 0.8
    abandonment_target: float = Field(0.05, ge=0.0, le=1.0, description=N_("highest acceptable abandonment rate"))
    asa_target_seconds: float = Field(30.0, ge=0.0, le=3600.0, description=N_("highest acceptable ASA"))
    aht_target_seconds: float = Field(360.0, ge=1.0, le=7200.0, description=N_("highest acceptable AHT"))
    csat_target: float = Field(4.0, ge=1.0, le=5.0, description=N_("lowest acceptable mean CSAT (1-5)"))
    group_by: GroupBy = None


@register_notebook_parameters("staffing")
class StaffingAppParameters(QueueSelection, AppParameters):
    """Parameters of ``notebooks/apps/staffing.ipynb`` (the staffing planner)."""

    run_id: str | None = Field(None, description=N_("staffing run to show; None = the latest in the store"))
    service_level_target: float | None = Field(None, ge=0.05, le=0.99, description=N_("start value; None = the plan's"))
    target_answer_seconds: int | None = Field(None, ge=1, le=600, description=N_("start value; None = the plan's"))
    aht_multiplier: float = Field(1.0, ge=0.5, le=2.0, description=N_("handle time factor (1.1 = calls 10 % longer)"))
    shrinkage: float | None = Field(None, ge=0.0, le=0.8, description=N_("start value; None = the plan's"))
    volume_uplift: float = Field(0.0, ge=-0.5, le=1.0, description=N_("extra share of calls (0.05 = 5 % more)"))


@register_notebook_parameters("topics")
class TopicsAppParameters(QueueSelection, AppParameters):
    """Parameters of ``notebooks/apps/topics.ipynb`` (contact drivers and topics)."""

    model_id: str | None = Field(None, pattern=r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$",
                                 description=N_("topic run to show; None = the latest in the store"))
    time_grain: Literal["D", "W-MON"] = Field("D", description=PARAMETER_NAMES["time_grain"])
    alpha: float = Field(0.05, gt=0.0, lt=0.5, description=N_("significance level of the emerging-topic test"))
    examples_per_topic: int = Field(3, ge=1, le=20, description=N_("redacted example texts shown for the chosen topic"))


@register_notebook_parameters("satisfaction")
class SatisfactionAppParameters(AppParameters):
    """Parameters of ``notebooks/apps/satisfaction.ipynb`` (satisfaction drivers)."""

    run_id: str | None = Field(None, pattern=r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$",
                               description=N_("satisfaction_drivers run to show; None = the one LATEST names"))
    driver_model: registered_name(DRIVER_MODELS) = Field("logistic", description=PARAMETER_NAMES["driver_model"])
    what_if_feature: str = Field("wait_seconds", min_length=1, description=N_("driver of the what-if (one with an effect curve)"))
    what_if_from: float | None = Field(None, description=N_("driver value every call starts at; None = the middle of its curve"))
    what_if_change: float = Field(-30.0, ge=-10000.0, le=10000.0, description=N_("change added to the driver on every call"))
    group_by: GroupBy = None
