"""Call-centre analytics workbench: from raw contact-centre data to decisions.

The package is layered. Foundations (:mod:`paths`, :mod:`params`,
:mod:`schemas`, :mod:`errors`) are imported by the store, the store by the
analysis modules, those by charts, charts by reports and apps, and everything
by the CLI. Heavy libraries are imported inside the functions that need them.
"""

__version__ = "0.1.0"
