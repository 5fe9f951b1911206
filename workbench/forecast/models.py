"""Forecasting models keyed by name, one series at a time.

A model is a class registered by name in
:data:`workbench.registries.FORECAST_MODELS` (``MODELS`` here, the same
object; a plug-in adds one with :func:`register_model`); ``MODELS[name]``
builds it from keyword options. Every model has ``fit(history,
interval_minutes, closed)`` and ``predict(ds)``, where ``history`` has columns
``ds, y`` (regular intervals, no gaps), ``closed`` is the set of closed slots
of the week (:func:`workbench.forecast.series.closed_slots`) and ``predict``
returns ``ds, yhat, yhat_lower, yhat_upper``. :func:`fit_predict` wraps a
model so that forecasts are never negative and 0 in closed slots.

Registered:

* ``seasonal_naive``: the value one week earlier (the baseline every backtest carries).
* ``profile``: mean (or median) of the same slot of the week; with less than
  a week of history, of the same time of day. Needs one day.
* ``prophet``: Prophet per series, multiplicative, one conditional daily
  seasonality per day type (learned from the data or per weekday), a weekly
  term, public holidays of a country and an events calendar.
* ``mstl``: statsforecast's MSTL with daily and weekly seasonality.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from workbench.errors import InputDataError, MissingComponentError
from workbench.forecast.daytypes import WEEKDAY_NAMES, assign_day_types, learn_day_types, weekday_day_types
from workbench.forecast.series import MINUTES_PER_DAY, slot_of_week
from workbench.registries import FORECAST_MODELS
from workbench.workdays import makeup_workdays, public_holidays

__all__ = [
    "MODELS",
    "register_model",
    "make_model",
    "fit_predict",
    "read_events",
    "holiday_calendar",
    "SeasonalNaive",
    "SlotProfile",
    "ProphetModel",
    "MSTLModel",
]

#: Name -> model class: :data:`workbench.registries.FORECAST_MODELS` itself, where the built-in names are listed.
MODELS = FORECAST_MODELS
FORECAST_COLUMNS = ("ds", "yhat", "yhat_lower", "yhat_upper")


def register_model(name: str) -> Callable[[type], type]:
    """Class decorator for a plug-in model: make it available as ``MODELS[name]``.

    Raises:
        ValueError: ``name`` is taken.
    """

    def decorator(cls: type) -> type:
        return FORECAST_MODELS.register(name, cls)

    return decorator


def make_model(name: str, **options: Any) -> Any:
    """An unfitted model by registered name, with its options.

    Raises:
        ParameterError: unknown model (the message lists the registered ones).
        InputDataError: options the model does not take.
    """
    factory = MODELS.load(name)
    try:
        return factory(**options)
    except TypeError as exc:
        raise InputDataError(f"model '{name}' does not take these options: {exc}", field="options") from None


def _history(history: pd.DataFrame) -> pd.DataFrame:
    for column in ("ds", "y"):
        if column not in history.columns:
            raise InputDataError(f"history needs columns ds, y; missing '{column}'", field=column)
    return pd.DataFrame({"ds": pd.to_datetime(history["ds"]).to_numpy(),
                         "y": history["y"].to_numpy(dtype=float)}).sort_values("ds", ignore_index=True)


def _quantile_band(yhat: np.ndarray, residuals: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    residuals = residuals[np.isfinite(residuals)]
    if residuals.size == 0:
        return yhat.copy(), yhat.copy()
    low, high = np.quantile(residuals, [(1 - level) / 2, (1 + level) / 2])
    return yhat + low, yhat + high


class SeasonalNaive:
    """The value one season (default one week) before, repeated over the horizon.

    Prediction intervals come from the empirical quantiles of the in-sample
    seasonal differences ``y[t] - y[t - season]``.

    Args:
        season_days: season length in days.
        level: coverage of the prediction interval, a fraction.
    """

    min_history_days = 7.0

    def __init__(self, season_days: int = 7, level: float = 0.8) -> None:
        self.season_days = season_days
        self.level = level
        self.min_history_days = float(season_days)

    def fit(self, history: pd.DataFrame, interval_minutes: int, closed: set[int] | None = None) -> SeasonalNaive:
        frame = _history(history)
        self.season = self.season_days * MINUTES_PER_DAY // interval_minutes
        if len(frame) < self.season:
            raise InputDataError(
                f"seasonal_naive needs {self.season_days} days of history, found {len(frame)} intervals",
                field="ds")
        self.interval = pd.Timedelta(minutes=interval_minutes)
        self.last = frame.iloc[-self.season:].reset_index(drop=True)
        y = frame["y"].to_numpy()
        self.residuals = y[self.season:] - y[:-self.season]
        return self

    def predict(self, ds: pd.Series | pd.DatetimeIndex) -> pd.DataFrame:
        ds = pd.DatetimeIndex(ds)
        start = self.last["ds"].iloc[0]
        position = ((ds - start) // self.interval) % self.season
        yhat = self.last["y"].to_numpy()[np.asarray(position, dtype=np.int64)]
        lower, upper = _quantile_band(yhat, self.residuals, self.level)
        return pd.DataFrame({"ds": ds, "yhat": yhat, "yhat_lower": lower, "yhat_upper": upper})


class SlotProfile:
    """Mean (or median) of the same slot of the week over the history.

    Slots of the week never seen (less than a week of history) take the
    statistic over the same time of day on every day seen. Prediction
    intervals are the empirical quantiles of the slot's own observations.

    Args:
        statistic: ``mean`` or ``median``.
        level: coverage of the prediction interval, a fraction.
    """

    min_history_days = 1.0

    def __init__(self, statistic: str = "mean", level: float = 0.8) -> None:
        if statistic not in ("mean", "median"):
            raise InputDataError(f"statistic must be mean or median, found {statistic!r}", field="statistic")
        self.statistic = statistic
        self.level = level

    def fit(self, history: pd.DataFrame, interval_minutes: int, closed: set[int] | None = None) -> SlotProfile:
        frame = _history(history).dropna(subset=["y"])
        if frame.empty:
            raise InputDataError("profile needs at least one observation", field="y")
        self.interval_minutes = interval_minutes
        self.per_day = MINUTES_PER_DAY // interval_minutes
        frame["slot"] = slot_of_week(frame["ds"], interval_minutes)
        frame["slot_of_day"] = frame["slot"] % self.per_day
        q = [(1 - self.level) / 2, (1 + self.level) / 2]
        self.by_week = frame.groupby("slot")["y"].agg([self.statistic, lambda s: s.quantile(q[0]),
                                                       lambda s: s.quantile(q[1])])
        self.by_week.columns = ["yhat", "yhat_lower", "yhat_upper"]
        self.by_day = frame.groupby("slot_of_day")["y"].agg([self.statistic, lambda s: s.quantile(q[0]),
                                                            lambda s: s.quantile(q[1])])
        self.by_day.columns = ["yhat", "yhat_lower", "yhat_upper"]
        self.overall = float(getattr(frame["y"], self.statistic)())
        return self

    def predict(self, ds: pd.Series | pd.DatetimeIndex) -> pd.DataFrame:
        ds = pd.DatetimeIndex(ds)
        slots = slot_of_week(ds, self.interval_minutes)
        out = self.by_week.reindex(slots).reset_index(drop=True)
        fallback = self.by_day.reindex(slots % self.per_day).reset_index(drop=True)
        out = out.fillna(fallback).fillna(self.overall)
        out.insert(0, "ds", ds)
        return out


# --------------------------------------------------------------------------- calendars


def read_events(path: str | Path) -> pd.DataFrame:
    """An events calendar: CSV with columns ``date`` and ``event`` (or ``name``): promotions, billing days, outages.

    Returns:
        Columns ``date`` (datetime, midnight) and ``event`` (string).

    Raises:
        InputDataError: file missing, a column missing, or a date that does not parse (row named).
    """
    path = Path(path)
    if not path.is_file():
        raise InputDataError("events file not found", file=path)
    raw = pd.read_csv(path)
    raw.columns = [str(c).strip().lower() for c in raw.columns]
    # The sample centre's events.csv names its events in a 'name' column.
    if "event" not in raw.columns and "name" in raw.columns:
        raw = raw.rename(columns={"name": "event"})
    for column in ("date", "event"):
        if column not in raw.columns:
            raise InputDataError(f"an events file needs columns date, event; missing '{column}' "
                                 f"(found {list(raw.columns)})", file=path, field=column)
    dates = pd.to_datetime(raw["date"], errors="coerce")
    if dates.isna().any():
        row = int(np.flatnonzero(dates.isna().to_numpy())[0])
        raise InputDataError(f"cannot parse date {raw['date'].iloc[row]!r}", file=path, row=row + 2, field="date")
    return pd.DataFrame({"date": dates.dt.normalize(), "event": raw["event"].astype(str).str.strip()})


def holiday_calendar(country: str | None, years: list[int], events: pd.DataFrame | None = None) -> pd.DataFrame:
    """Public holidays of ``country`` (the ``holidays`` package) plus events, one row per day.

    Holiday names are English whatever the machine's language
    (:func:`workbench.workdays.public_holidays`), so a fitted model's holiday
    terms have the same names everywhere.

    Args:
        country: ISO country code (``CN``, ``IL``, ...) or None for none.
        years: calendar years to cover.
        events: optional ``date, event`` table (:func:`read_events`).

    Returns:
        Columns ``date`` and ``event``, sorted by date.
    """
    rows: list[tuple[pd.Timestamp, str]] = []
    if country:
        rows.extend(public_holidays(country, years)[["date", "name"]].itertuples(index=False, name=None))
    table = pd.DataFrame(rows, columns=["date", "event"])
    if events is not None and not events.empty:
        table = pd.concat([table, events[["date", "event"]]], ignore_index=True)
    table["date"] = pd.to_datetime(table["date"]).dt.normalize()
    return table.sort_values(["date", "event"], ignore_index=True)


def _weekday_number(day: int | str | None) -> int | None:
    """0 (Monday) to 6 (Sunday) from a number or an English weekday name; None stays None."""
    if day is None:
        return None
    if isinstance(day, str) and day.strip().lower() in [n.lower() for n in WEEKDAY_NAMES]:
        return [n.lower() for n in WEEKDAY_NAMES].index(day.strip().lower())
    if isinstance(day, (int, np.integer)) and 0 <= int(day) <= 6:
        return int(day)
    raise InputDataError(f"expected a weekday 0-6 (0 = Monday) or its name, found {day!r}", field="weekday")


def _quiet_stan() -> None:
    """cmdstanpy logs every chain start and end at INFO; keep notebooks and CLI output readable."""
    for name in ("cmdstanpy", "prophet", "prophet.plot"):
        logger = logging.getLogger(name)
        logger.setLevel(logging.WARNING)
        logger.propagate = False
    logging.getLogger("cmdstanpy").disabled = True


#: Seed of Prophet's interval sampling, so a re-run gives the same bounds.
INTERVAL_SEED = 0


class ProphetModel:
    """Prophet for one interval series, shaped for call centres.

    Prophet out of the box gives every day the same intraday shape (issue
    #524) and goes negative on counts (#1468, #2056). Here: one conditional
    daily seasonality per day type, a weekly term, multiplicative
    seasonality, holidays and events, closed slots left out of the fit, and
    forecasts clipped at 0 by :func:`fit_predict`.

    Args:
        country: public holidays and make-up working days from the
            ``holidays`` package (``CN``, ``IL``, ...); None = none. A make-up
            working day (调休) takes the day type of the weekday it replaces
            (:func:`workbench.forecast.daytypes.assign_day_types`) and is
            left out when day types are learned.
        events: ``date, event`` table of extra special days (:func:`read_events`).
        day_types: ``learned`` (:func:`learn_day_types`), ``weekday`` (seven
            types) or a mapping weekday (0 = Monday) -> type name.
        day_type_tolerance: profile distance under which weekdays share a
            type when learned.
        holidays_like: weekday (0 = Monday, or its English name) whose day type holidays take, e.g.
            5 (Saturday) for a centre that runs its weekend service on public
            holidays; None = holidays keep their weekday's type.
        eves_like: weekday whose day type the eve of a holiday (the day
            before, when not a holiday itself) takes, e.g. 4 (Friday) where
            eves are short days like the eve of the weekly rest day.
        daily_fourier_order: Fourier order of each daily seasonality.
        weekly_fourier_order: Fourier order of the weekly term; 0 = none.
        day_type_levels: one level per day type (an indicator regressor
            each, the commonest type as reference) instead of relying on the
            smooth weekly term for the difference between, e.g., a closed
            Saturday morning and an open Sunday.
        seasonality_mode: ``multiplicative`` or ``additive``.
        transform: ``none``, ``sqrt`` or ``log1p`` applied to y before the fit
            (and undone after), which stabilises the variance of counts.
        changepoint_prior_scale, seasonality_prior_scale,
        holidays_prior_scale: Prophet's priors.
        history_days: fit on the last this many days only; None = all.
        growth: Prophet's trend, ``linear`` or ``flat`` (a constant level:
            steadier on a few weeks of history, where a linear trend
            extrapolates the last weeks' swings).
        interval_width: coverage of the prediction interval.
        uncertainty_samples: Prophet's sampling for intervals (0 = none,
            yhat_lower/upper then equal yhat; backtests use 0 for speed).
    """

    min_history_days = 14.0

    def __init__(
        self,
        country: str | None = "CN",
        events: pd.DataFrame | None = None,
        day_types: str | dict[int, str] = "learned",
        day_type_tolerance: float = 0.08,
        holidays_like: int | str | None = None,
        eves_like: int | str | None = None,
        daily_fourier_order: int = 10,
        weekly_fourier_order: int = 3,
        day_type_levels: bool = True,
        seasonality_mode: str = "multiplicative",
        transform: str = "none",
        changepoint_prior_scale: float = 0.05,
        seasonality_prior_scale: float = 10.0,
        holidays_prior_scale: float = 10.0,
        history_days: int | None = None,
        growth: str = "linear",
        interval_width: float = 0.8,
        uncertainty_samples: int = 200,
    ) -> None:
        if growth not in ("linear", "flat"):
            raise InputDataError(f"growth must be linear or flat, found {growth!r}", field="growth")
        if transform not in ("none", "sqrt", "log1p"):
            raise InputDataError(f"transform must be none, sqrt or log1p, found {transform!r}", field="transform")
        if isinstance(day_types, str) and day_types not in ("learned", "weekday"):
            raise InputDataError(f"day_types must be learned, weekday or a mapping, found {day_types!r}",
                                 field="day_types")
        holidays_like, eves_like = _weekday_number(holidays_like), _weekday_number(eves_like)
        self.options = dict(
            country=country, day_types=day_types, day_type_tolerance=day_type_tolerance,
            holidays_like=holidays_like, eves_like=eves_like, daily_fourier_order=daily_fourier_order,
            weekly_fourier_order=weekly_fourier_order, day_type_levels=day_type_levels,
            seasonality_mode=seasonality_mode, transform=transform, changepoint_prior_scale=changepoint_prior_scale,
            seasonality_prior_scale=seasonality_prior_scale, holidays_prior_scale=holidays_prior_scale,
            history_days=history_days, growth=growth, interval_width=interval_width,
            uncertainty_samples=uncertainty_samples,
        )
        self.events = events

    def _forward(self, y: np.ndarray) -> np.ndarray:
        kind = self.options["transform"]
        return np.sqrt(y) if kind == "sqrt" else np.log1p(y) if kind == "log1p" else y

    def _inverse(self, y: np.ndarray) -> np.ndarray:
        kind = self.options["transform"]
        if kind == "sqrt":
            return np.square(np.maximum(y, 0.0))
        return np.expm1(y) if kind == "log1p" else y

    def _type_columns(self, ds: pd.Series) -> pd.DataFrame:
        """One boolean column per day type (:func:`assign_day_types`): make-up working days take the type of the
        weekday they replace, holidays (and eves) ``holidays_like``'s (``eves_like``'s)."""
        # Only public holidays and make-up days change a day's type; events (promotions, outages) keep theirs.
        types = assign_day_types(ds, self.day_types, self.options["country"], self.options["holidays_like"],
                                 self.options["eves_like"])
        return pd.DataFrame({f"is_{name}": types == name for name in self.type_names}, index=ds.index)

    def _levels(self, types: pd.DataFrame) -> pd.DataFrame:
        """Indicator regressors (floats; Prophet's condition columns must stay boolean)."""
        return pd.DataFrame({f"level_{c}": types[c].astype(float) for c in self.level_columns}, index=types.index)

    def fit(self, history: pd.DataFrame, interval_minutes: int, closed: set[int] | None = None) -> ProphetModel:
        _quiet_stan()
        from prophet import Prophet

        frame = _history(history)
        opts = self.options
        if opts["history_days"]:
            frame = frame[frame["ds"] >= frame["ds"].max() - pd.Timedelta(days=opts["history_days"])]
        self.interval_minutes = interval_minutes
        years = list(range(frame["ds"].dt.year.min() - 1, frame["ds"].dt.year.max() + 3))
        calendar = holiday_calendar(opts["country"], years, self.events)
        if isinstance(opts["day_types"], dict):
            self.day_types = {int(k): str(v) for k, v in opts["day_types"].items()}
            if set(self.day_types) != set(range(7)):
                raise InputDataError(f"day_types must map every weekday 0-6, found {sorted(self.day_types)}",
                                     field="day_types")
        elif opts["day_types"] == "weekday":
            self.day_types = weekday_day_types()
        else:
            # A make-up Saturday worked like a weekday would blur the Saturday profile.
            makeup = makeup_workdays(opts["country"], years)["date"]
            self.day_types = learn_day_types(frame, tolerance=opts["day_type_tolerance"],
                                             exclude_dates=list(calendar["date"].unique()) + list(makeup))
        self.type_names = sorted(set(self.day_types.values()))
        # Closed slots are known zeros: leaving them out lets the seasonalities
        # spend their flexibility on the open hours (Prophet allows gaps).
        if closed:
            frame = frame[~np.isin(slot_of_week(frame["ds"], interval_minutes), list(closed))]
        holidays_table = None
        if not calendar.empty:
            holidays_table = pd.DataFrame({"holiday": calendar["event"], "ds": calendar["date"],
                                           "lower_window": 0, "upper_window": 0})
        model = Prophet(
            growth=opts["growth"],
            yearly_seasonality=False,
            weekly_seasonality=False,
            daily_seasonality=False,
            seasonality_mode=opts["seasonality_mode"],
            holidays=holidays_table,
            changepoint_prior_scale=opts["changepoint_prior_scale"],
            seasonality_prior_scale=opts["seasonality_prior_scale"],
            holidays_prior_scale=opts["holidays_prior_scale"],
            interval_width=opts["interval_width"],
            uncertainty_samples=opts["uncertainty_samples"],
        )
        if opts["weekly_fourier_order"]:
            model.add_seasonality("weekly", period=7, fourier_order=opts["weekly_fourier_order"])
        for name in self.type_names:
            model.add_seasonality(f"daily_{name}", period=1, fourier_order=opts["daily_fourier_order"],
                                  condition_name=f"is_{name}")
        types = self._type_columns(frame["ds"])
        self.level_columns = []
        if opts["day_type_levels"] and len(self.type_names) > 1:
            reference = types.sum().idxmax()
            self.level_columns = [c for c in types.columns if c != reference]
            for column in self.level_columns:
                model.add_regressor(f"level_{column}", standardize=False, mode=opts["seasonality_mode"])
        train = pd.concat([frame[["ds"]], types, self._levels(types)], axis=1)
        train["y"] = self._forward(frame["y"].to_numpy())
        model.fit(train)
        self.model = model
        return self

    def predict(self, ds: pd.Series | pd.DatetimeIndex) -> pd.DataFrame:
        future = pd.DataFrame({"ds": pd.DatetimeIndex(ds)})
        types = self._type_columns(future["ds"])
        future = pd.concat([future, types, self._levels(types)], axis=1)
        # Prophet draws its interval samples from numpy's global generator: a fixed
        # seed makes the bounds the same on every re-run (the point forecast never varied).
        state = np.random.get_state()
        np.random.seed(INTERVAL_SEED)
        try:
            raw = self.model.predict(future)
        finally:
            np.random.set_state(state)
        out = pd.DataFrame({"ds": future["ds"]})
        for column in ("yhat", "yhat_lower", "yhat_upper"):
            # Without uncertainty samples Prophet returns no bounds: the band collapses onto yhat.
            source = column if column in raw.columns else "yhat"
            out[column] = self._inverse(raw[source].to_numpy())
        return out


class MSTLModel:
    """statsforecast's MSTL (daily and weekly seasonality, AutoETS trend).

    Args:
        level: coverage of the prediction interval, a fraction.
    """

    min_history_days = 14.0

    def __init__(self, level: float = 0.8) -> None:
        self.level = level

    def fit(self, history: pd.DataFrame, interval_minutes: int, closed: set[int] | None = None) -> MSTLModel:
        try:
            from statsforecast.models import MSTL
        except ImportError:  # pragma: no cover - statsforecast is in the lock
            raise MissingComponentError("model 'mstl' needs statsforecast: pip install statsforecast") from None
        frame = _history(history)
        per_day = MINUTES_PER_DAY // interval_minutes
        self.interval = pd.Timedelta(minutes=interval_minutes)
        self.end = frame["ds"].iloc[-1]
        # A daily series (one interval a day, from a day report) has only the weekly season.
        seasons = [7] if per_day == 1 else [per_day, 7 * per_day]
        self.model = MSTL(season_length=seasons).fit(frame["y"].to_numpy())
        return self

    def predict(self, ds: pd.Series | pd.DatetimeIndex) -> pd.DataFrame:
        ds = pd.DatetimeIndex(ds)
        steps = np.asarray((ds - self.end) // self.interval, dtype=np.int64)
        if steps.min() < 1:
            raise InputDataError("mstl forecasts only after the end of its history", field="ds")
        level = int(round(self.level * 100))
        raw = self.model.predict(int(steps.max()), level=[level])
        pick = steps - 1
        return pd.DataFrame({"ds": ds, "yhat": raw["mean"][pick], "yhat_lower": raw[f"lo-{level}"][pick],
                             "yhat_upper": raw[f"hi-{level}"][pick]})


def fit_predict(
    history: pd.DataFrame,
    ds: pd.Series | pd.DatetimeIndex,
    forecast_model: str = "prophet",
    interval_minutes: int | None = None,
    closed: set[int] | None = None,
    options: dict[str, Any] | None = None,
) -> pd.DataFrame:
    """Fit one model on one series and forecast the timestamps ``ds``.

    Args:
        history: one series, columns ``ds`` and ``y`` (regular intervals).
        ds: timestamps to forecast.
        forecast_model: registered model name (:data:`workbench.registries.FORECAST_MODELS`).
        interval_minutes: the interval length; None = the most common step.
        closed: closed slots of the week (forecast 0); None = from the history
            (:func:`workbench.forecast.series.closed_slots`).
        options: keyword options of the model.

    Returns:
        Columns ``ds``, ``yhat``, ``yhat_lower``, ``yhat_upper``: never
        negative, 0 in closed slots, ``yhat_lower <= yhat <= yhat_upper``.
    """
    from workbench.forecast.series import closed_slots, infer_interval_minutes

    frame = _history(history)
    minutes = interval_minutes or infer_interval_minutes(frame.assign(unique_id="series"))
    if closed is None:
        table = closed_slots(frame.assign(unique_id="series"), minutes)
        closed = set(table.loc[table["closed"], "slot"].tolist())
    fitted = make_model(forecast_model, **(options or {})).fit(frame, minutes, closed)
    out = fitted.predict(ds).reset_index(drop=True)
    values = out[["yhat", "yhat_lower", "yhat_upper"]].to_numpy(dtype=float)
    values = np.clip(np.nan_to_num(values, nan=0.0), 0.0, None)
    shut = np.isin(slot_of_week(out["ds"], minutes), list(closed))
    values[shut] = 0.0
    out["yhat"] = values[:, 0]
    out["yhat_lower"] = np.minimum(values[:, 1], values[:, 0])
    out["yhat_upper"] = np.maximum(values[:, 2], values[:, 0])
    return out[list(FORECAST_COLUMNS)]
