"""Pipelines: what a pipeline notebook wires together, as package functions.

A notebook, the CLI, the tests and the benchmarks call the same function
(forecast -> staffing plan -> stored run, transcripts -> topic run, ...), so
the wiring exists once. Pipelines sit above the analysis modules (they combine
several) and below charts, reports, apps and the CLI.
"""
