"""Forecasting: interval series from the store or files (:mod:`.series`),
models keyed by name (:mod:`.models`), day types learned from daily profiles
(:mod:`.daytypes`), rolling-origin backtests against the seasonal-naive
baseline (:mod:`.backtest`) and handle-time profiles (:mod:`.handle_time`).

Everything speaks statsforecast's long format ``unique_id, ds, y``.

An analysis module: it imports the store and the layers below it (offered
calls, intervals and the period from :mod:`workbench.glossary`, queue
selection through :mod:`workbench.store.readers`, holidays from
:mod:`workbench.workdays`), never another analysis module. A new model is a class in :mod:`.models` with one
registration in :data:`workbench.registries.FORECAST_MODELS` (a plug-in uses
:func:`~workbench.forecast.models.register_model`).
"""
