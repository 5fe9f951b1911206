"""Pipelines: what a pipeline notebook wires together, as package functions.

A notebook, the CLI, the tests and the benchmarks call the same function, so
the wiring exists once. Pipelines sit above the analysis modules (they combine
several) and below charts, reports, apps and the CLI.

* :mod:`workbench.pipelines.staffing`: store -> interval history -> forecast ->
  workload -> staffing plan -> stored run (``notebooks/staffing_forecast.ipynb``).

A topic run (documents -> fit -> run folder and store) stays one function of a
single analysis module, :func:`workbench.topics.pipeline.fit_job`, shared by
``workbench topics fit`` and ``notebooks/topic_overview.ipynb``.
"""
