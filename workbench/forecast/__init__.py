"""Forecasting: interval series from the store or files (:mod:`.series`),
models keyed by name (:mod:`.models`), day types learned from daily profiles
(:mod:`.daytypes`), rolling-origin backtests against the seasonal-naive
baseline (:mod:`.backtest`) and handle-time profiles (:mod:`.handle_time`).

Everything speaks statsforecast's long format ``unique_id, ds, y``.
"""
