"""Staffing: Erlang C / Erlang A formulas and required agents (:mod:`.erlang`),
callers' patience from call records (:mod:`.patience`), what-if re-planning
(:mod:`.what_if`) and the plain per-interval yardstick (:mod:`.reference`)."""
