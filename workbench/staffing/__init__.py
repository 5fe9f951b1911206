"""Staffing: Erlang C / Erlang A formulas and required agents (:mod:`.erlang`),
callers' patience from call records (:mod:`.patience`), what-if re-planning
(:mod:`.what_if`) and the plain per-interval yardstick (:mod:`.reference`).

An analysis module of pure functions on numbers and DataFrames: it imports
only :mod:`workbench.glossary` (column contracts, which calls were served) and
the bottom layer, never the store or another analysis module; the staffing
pipeline (:mod:`workbench.pipelines.staffing`) feeds it. A new staffing formula
goes into :mod:`.erlang`, checked against :mod:`.reference`.
"""
