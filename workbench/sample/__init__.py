"""The sample call centre: a deterministic simulated centre (same seed, same bytes) and its hidden truth.

:func:`workbench.sample.generate.generate_call_centre` (``workbench sample-data``)
chains the calendar, arrivals, agents, the queue simulation, outcomes, surveys
and transcripts into vendor-shaped exports (:mod:`.exports`) and ``truth/``;
:mod:`.reading` reads them back and summarises them, counting calls as the
KPIs do; :mod:`.audio` makes the committed sample recordings.

An analysis module: it imports :mod:`workbench.glossary`,
:mod:`workbench.workdays` and the bottom layer, not the store (it writes files
that ingestion loads) nor another analysis module. A new part of the simulation
is a module here chained in :mod:`.generate`, with its randomness from a named
stream of :mod:`.randomness`; a new export shape goes into :mod:`.exports`.
"""
