"""``workbench serve``: Voilà on ``notebooks/apps`` only, code hidden, URL parameters validated first.

Choices, and why:

* Root folder ``notebooks/apps``: Voilà serves only notebooks (and nothing
  else: ``file_allowlist`` is empty) below its root, so pipeline notebooks,
  the store and the repository's files are unreachable.
* Sources stripped (``strip_sources``), tracebacks not sent to the browser.
* URL parameters (``?parameters={"queue": "billing"}`` as JSON, or one query
  argument per name, ``?queue=billing&language=zh``) are validated in Voilà's
  prelaunch hook with the notebook's pydantic model and injected with
  Papermill's ``parameterize_notebook``, before any kernel starts. A value
  that fails is dropped (the notebook's default stays) and the app shows why.
  ``store_path`` is never taken from a URL.
* Warm spare kernels instead of Voilà's preheated ones: preheating runs the
  notebook before the visit, which cannot be combined with a prelaunch hook.
  :class:`workbench.apps.kernel_pool.WarmKernelPool` keeps kernels started
  with the apps' imports done and hands one to each visit, so URL parameters
  are still validated and the page skips the kernel start (both measured in
  ``tests/bench_apps.py``).
* The ``workbench`` template is Voilà's lab template without its Font Awesome
  CDN link, so a page makes no request beyond this server.
* Localhost by default. Voilà has no authentication of its own here: binding
  another address must be asked for, and belongs behind a reverse proxy with
  authentication or JupyterHub.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from pydantic import ValidationError

from workbench import paths
from workbench.params import parameter_model

#: Parameters a URL may never set (the store to read; the server's own notices).
NOT_FROM_URL = frozenset({"store_path", "url_notices"})
#: Folder added to JUPYTER_PATH so Voilà finds the ``workbench`` template.
SHARE_DIR = Path(__file__).resolve().parent / "share"
LOCAL_ADDRESSES = frozenset({"127.0.0.1", "localhost", "::1"})
#: A kernel no page has been connected to for this long is shut down.
CULL_IDLE_SECONDS = 3600


def apps_dir() -> Path:
    """The folder Voilà serves: ``notebooks/apps``."""
    return paths.notebooks_dir() / "apps"


def query_parameters(arguments: dict[str, list[bytes]], fields: set[str]) -> tuple[dict[str, Any], list[str]]:
    """Raw parameter values from a request's query arguments, and notices about unusable ones.

    ``parameters`` holds a JSON object; any other argument named like a field
    gives that field (a JSON value when it parses as one, else the string).
    Arguments Voilà itself reads (``voila-theme``, ...) are ignored.
    """
    values: dict[str, Any] = {}
    notices: list[str] = []
    for name, raw_values in arguments.items():
        text = raw_values[-1].decode("utf-8", "replace") if raw_values else ""
        if name == "parameters":
            try:
                decoded = json.loads(text)
            except json.JSONDecodeError:
                notices.append("URL parameter 'parameters' is not a JSON object; ignored.")
                continue
            if not isinstance(decoded, dict):
                notices.append("URL parameter 'parameters' is not a JSON object; ignored.")
                continue
            values.update(decoded)
        elif name in fields:
            try:
                values[name] = json.loads(text)
            except json.JSONDecodeError:
                values[name] = text
            if isinstance(values[name], (int, float)) and name in {"queue", "run_id"}:
                values[name] = text  # a queue or run id that happens to look numeric
    return values, notices


def validated_url_parameters(notebook: str, values: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """The values that pass ``notebook``'s model, as JSON types, and a notice for each one that does not.

    Each failing value is dropped, so the notebook keeps its default for it;
    values the model does not know and those in :data:`NOT_FROM_URL` are dropped too.
    """
    model = parameter_model(notebook)
    notices: list[str] = []
    kept = {}
    for name, value in values.items():
        if name in NOT_FROM_URL:
            notices.append(f"URL parameter '{name}' cannot be set from a URL; ignored.")
        elif name not in model.model_fields:
            notices.append(f"URL parameter '{name}' is not a parameter of this app; ignored.")
        else:
            kept[name] = value
    for _ in range(len(kept) + 1):
        try:
            validated = model.model_validate(kept)
        except ValidationError as exc:
            bad = {str(e["loc"][0]) for e in exc.errors() if e["loc"]}
            for error in exc.errors():
                field = str(error["loc"][0]) if error["loc"] else None
                shown = json.dumps(kept.get(field), default=str) if field else ""
                label = f"'{field}'={shown}" if field else "the URL parameters"
                notices.append(f"URL parameter {label} is invalid ({error['msg']}); the default is used.")
            if not bad:  # a whole-model rule (e.g. dates out of order): drop every URL value
                bad = set(kept)
            kept = {k: v for k, v in kept.items() if k not in bad}
            continue
        dumped = validated.model_dump(mode="json")
        return {name: dumped[name] for name in kept}, notices
    return {}, notices


def prelaunch_hook(req: Any, notebook: Any, cwd: str) -> Any:
    """Voilà prelaunch hook: validate URL parameters and inject them with Papermill.

    The notebook is named by the request path (``/voila/render/<name>.ipynb``);
    a notebook without a registered model is returned unchanged.
    """
    from papermill.parameterize import parameterize_notebook

    from workbench.errors import ParameterError

    # Voilà's page asks the server to shut its kernel down when it closes, with the
    # _xsrf cookie, but its render handler never sets that cookie, so every request
    # was refused and each visit's kernel lived until the server stopped
    # (voila-dashboards/voila#1458). Reading the token sets the cookie on this response.
    _ = req.xsrf_token
    name = Path(unquote(req.request.path)).stem
    try:
        model = parameter_model(name)
    except ParameterError:
        return notebook
    raw, notices = query_parameters(req.request.query_arguments, set(model.model_fields) | {"parameters"})
    values, more = validated_url_parameters(name, raw)
    notices += more
    if notices:
        values["url_notices"] = notices
    if not values:
        return notebook
    from nbformat import NotebookNode

    for cell in notebook.cells:  # Papermill expects the metadata it writes when it runs a notebook itself
        cell.metadata.setdefault("tags", [])
    notebook.metadata.setdefault("papermill", NotebookNode())
    return parameterize_notebook(notebook, values, kernel_name="python3", language="python")


def voila_arguments(port: int, ip: str, spare_kernels: int = 1) -> list[str]:
    """Command-line arguments of the Voilà application ``serve`` starts."""
    return [
        str(apps_dir()),
        f"--port={port}",
        f"--Voila.ip={ip}",
        "--no-browser",
        "--template=workbench",
        "--strip_sources=True",
        "--VoilaConfiguration.show_tracebacks=False",
        "--VoilaConfiguration.allow_template_override=NO",
        "--VoilaConfiguration.classic_tree=True",
        "--VoilaConfiguration.preheat_kernel=False",
        "--VoilaConfiguration.multi_kernel_manager_class=workbench.apps.kernel_pool.WarmKernelPool",
        f"--WarmKernelPool.spare_kernels={spare_kernels}",
        # A closed page shuts its kernel down; these catch pages that vanished without
        # saying so (a crashed browser, a lost network): no page connected for an hour.
        f"--WarmKernelPool.cull_idle_timeout={CULL_IDLE_SECONDS}",
        "--WarmKernelPool.cull_interval=300",
        "--WarmKernelPool.cull_connected=False",
    ]


def serve(port: int = 8866, ip: str = "127.0.0.1", spare_kernels: int = 1) -> None:
    """Run Voilà on the apps folder until interrupted (blocks).

    Args:
        port: port to listen on.
        ip: address to bind (anything but localhost belongs behind authentication).
        spare_kernels: kernels kept started and loaded for the next visits (0: none).
    """
    os.environ["JUPYTER_PATH"] = os.pathsep.join(p for p in (str(SHARE_DIR), os.environ.get("JUPYTER_PATH")) if p)
    from voila.app import Voila

    app = Voila()
    app.initialize(voila_arguments(port, ip, spare_kernels))
    app.voila_configuration.prelaunch_hook = prelaunch_hook
    # /voila/files/ serves nothing (set here: traitlets' command line cannot give an empty list).
    app.voila_configuration.file_allowlist = []
    app.voila_configuration.file_denylist = [".*"]
    app.start()
