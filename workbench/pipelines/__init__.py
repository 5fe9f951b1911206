"""Pipelines: what a pipeline notebook wires together, as package functions.

A notebook, the CLI, the tests and the benchmarks call the same function, so
the wiring exists once. Pipelines sit above the analysis modules (they combine
several, with the store and :mod:`workbench.params`) and below charts,
reports, apps and the CLI, which they never import.

* :mod:`workbench.pipelines.staffing`: store -> interval history -> forecast ->
  workload -> staffing plan -> stored run (``notebooks/staffing_forecast.ipynb``).

A topic run (documents -> fit -> run folder and store) stays one function of a
single analysis module, :func:`workbench.topics.pipeline.fit_job`, shared by
``workbench topics fit`` and ``notebooks/topic_overview.ipynb``.

A new pipeline step goes into the pipeline's module here, as a function on
DataFrames and the store that its notebook calls; a new pipeline is a module
named for its notebook.
"""
