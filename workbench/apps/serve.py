"""``workbench serve``: Voilà on ``notebooks/apps`` only, code hidden, URL parameters validated first.

Choices, and why:

* Root folder ``notebooks/apps``: Voilà serves only notebooks (and nothing
  else: ``file_allowlist`` is empty) below its root, so pipeline notebooks,
  the store and the repository's files are unreachable.
* Sources stripped (``strip_sources``), tracebacks not sent to the browser.
* The page's language: ``?interface_language=zh`` (or ``en``) on any app URL
  or on the index; without it, the centre's default
  (:func:`workbench.i18n.default_language`). The prelaunch hook reads it
  first, so the notices about the other URL parameters are in that language
  too; a value that is not a language is one more notice, in the default
  language. It reaches the app as any parameter does (injected into the
  notebook's ``parameters`` cell), so a warm spare kernel started before the
  visit still speaks the visitor's language. The index lists the apps with
  their titles and summaries in the chosen language and links to both languages.
* URL parameters (``?parameters={"queues": ["billing"]}`` as JSON, or one
  query argument per name, ``?queues=billing&language=zh``; a list such as
  ``queues`` also as ``?queues=a&queues=b`` or ``?queues=a,b``) are validated
  in Voilà's prelaunch hook with the notebook's pydantic model and injected
  with Papermill's ``parameterize_notebook``, before any kernel starts. A
  value that fails is dropped (the notebook's default stays) and the app shows
  why, as does a name the app does not know (a retired one such as ``queue``
  says what replaced it). ``store_path`` is never taken from a URL.
* Warm spare kernels instead of Voilà's preheated ones: preheating runs the
  notebook before the visit, which cannot be combined with a prelaunch hook.
  :class:`workbench.apps.kernel_pool.WarmKernelPool` keeps kernels started
  with the apps' imports done and hands one to each visit, so URL parameters
  are still validated and the page skips the kernel start (both measured in
  ``tests/bench_apps.py``).
* The ``workbench`` template is Voilà's lab template without its Font Awesome
  CDN link, so a page makes no request beyond this server.
* Localhost by default. Every page costs a kernel (~330 MB), so kernels are
  capped: ``max_kernels`` pages at once (default: one per 0.5 GB of memory, at
  most 8), ``max_kernels_per_client`` per remote address (default 3; behind a
  reverse proxy every visitor is the proxy's address), and a page's kernel that
  no page connects to within ``connect_timeout`` seconds of going idle (default
  60) is shut down. A request over a cap gets a 503 "busy, try again" page with
  ``Retry-After`` and starts nothing (see :mod:`workbench.apps.kernel_pool`).
* An access token whenever one is given, and always when binding beyond
  loopback (``serve`` refuses to do that without one; the CLI then makes one
  and prints the URL once). It is accepted as ``?token=`` (which sets an
  HttpOnly, SameSite=Strict cookie for the rest of the visit), as that cookie,
  or as an ``Authorization: token <t>`` / ``Bearer <t>`` header; anything else
  gets 401. The token travels in clear over plain HTTP: beyond a trusted
  network, put TLS (a reverse proxy) in front.
* The Host header is checked on every request (DNS rebinding: a page on
  another site whose name resolves to this machine must not reach the apps):
  only localhost, loopback addresses, the bound address and names given with
  ``allowed_hosts`` pass (bound to all interfaces: also any IP address, which
  rebinding cannot produce, and the machine's host name); anything else gets 403.
"""

from __future__ import annotations

import hashlib
import hmac
import html
import ipaddress
import json
import os
import secrets
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Union, get_args, get_origin
from urllib.parse import unquote

from pydantic import BaseModel, ValidationError

from workbench import glossary, i18n, paths
from workbench.errors import ParameterError, WorkbenchError
from workbench.i18n import _
from workbench.params import parameter_model

#: Parameters a URL may never set (the store to read; the server's own notices).
NOT_FROM_URL = frozenset({"store_path", "url_notices"})
#: Query arguments that are the server's or Voilà's own, not an app's parameters.
SERVER_ARGUMENTS = frozenset({"token", "theme", "template", "voila-theme", "voila-template", "classic-tree"})
#: Folder added to JUPYTER_PATH so Voilà finds the ``workbench`` template.
SHARE_DIR = Path(__file__).resolve().parent / "share"
#: A kernel no page has been connected to for this long is shut down.
CULL_IDLE_SECONDS = 3600
#: Addresses that mean "every interface".
WILDCARD_ADDRESSES = frozenset({"0.0.0.0", "::", ""})
#: The cap on pages at once never goes above this, however much memory there is.
MAX_KERNELS_CEILING = 8
#: Memory counted per page kernel when deriving the default cap (one measured ~330 MB).
MEMORY_PER_KERNEL_BYTES = 512 * 1024**2
#: Pages one client address may hold at once (a manager with a few apps open in tabs).
MAX_KERNELS_PER_CLIENT = 3
#: Seconds a page's kernel may wait, idle, for its page to connect.
CONNECT_TIMEOUT_SECONDS = 60.0
#: Told to a refused visitor (Retry-After): pages closing free kernels at once, unconnected ones within a minute.
RETRY_AFTER_SECONDS = 30
#: Environment variable holding the access token when ``--token`` is not given.
TOKEN_ENV = "WORKBENCH_SERVE_TOKEN"
#: The query argument choosing the page's language (also a field of every app's parameters).
LANGUAGE_ARGUMENT = "interface_language"
#: The apps in the order the index lists them: notebook name -> app class name in :mod:`workbench.apps`.
INDEX_APPS = {"operations": "OperationsApp", "staffing": "StaffingApp", "topics": "TopicsApp",
              "satisfaction": "SatisfactionApp"}


def apps_dir() -> Path:
    """The folder Voilà serves: ``notebooks/apps``."""
    return paths.notebooks_dir() / "apps"


def _accepts(annotation: Any) -> set[Any]:
    """The outer types a field annotation accepts (``list[str] | None`` -> ``{list, NoneType}``)."""
    origin = get_origin(annotation)
    if origin is Union or type(annotation).__name__ == "UnionType":
        return set().union(*(_accepts(arg) for arg in get_args(annotation)))
    return {origin or annotation}


def _list_items(texts: list[str]) -> list[Any]:
    """The items of a list parameter given as repeated arguments, comma-separated text or a JSON list."""
    if len(texts) == 1:
        try:
            decoded = json.loads(texts[0])
        except json.JSONDecodeError:
            decoded = None
        if isinstance(decoded, list):
            return decoded
    return [item.strip() for text in texts for item in text.split(",") if item.strip()]


def query_parameters(arguments: dict[str, list[bytes]], model: type[BaseModel]) -> tuple[dict[str, Any], list[str]]:
    """Raw parameter values from a request's query arguments, and notices about unusable ones.

    ``parameters`` holds a JSON object; any other argument gives the field it
    names: a list field (``queues``) every value given, each split at commas
    (or one JSON list); a text field the text as given; any other field a
    JSON value when the text parses as one, else the text. Arguments the
    server and Voilà read themselves (:data:`SERVER_ARGUMENTS`) are skipped;
    any other name is passed on, so :func:`validated_url_parameters` says it
    is not a parameter of the app.
    """
    values: dict[str, Any] = {}
    notices: list[str] = []
    for name, raw_values in arguments.items():
        texts = [raw.decode("utf-8", "replace") for raw in raw_values]
        text = texts[-1] if texts else ""
        if name == "parameters":
            try:
                decoded = json.loads(text)
            except json.JSONDecodeError:
                decoded = None
            if not isinstance(decoded, dict):
                notices.append(_("URL parameter 'parameters' is not a JSON object; ignored."))
                continue
            values.update(decoded)
        elif name in SERVER_ARGUMENTS:
            continue
        elif name not in model.model_fields:
            values[name] = text
        elif list in _accepts(model.model_fields[name].annotation):
            values[name] = _list_items(texts)
        elif str in _accepts(model.model_fields[name].annotation):
            values[name] = text  # a run id or name that happens to look numeric stays text
        else:
            try:
                values[name] = json.loads(text)
            except json.JSONDecodeError:
                values[name] = text
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
            notices.append(_("URL parameter '{name}' cannot be set from a URL; ignored.").format(name=name))
        elif name in glossary.RETIRED_NAMES and name not in model.model_fields:
            notices.append(_("URL parameter '{name}' is a retired name (now '{new}'); ignored.").format(
                name=name, new=glossary.RETIRED_NAMES[name]))
        elif name not in model.model_fields:
            notices.append(_("URL parameter '{name}' is not a parameter of this app; ignored.").format(name=name))
        elif name == LANGUAGE_ARGUMENT and not _is_language(value):
            # said here in words a manager reads, not in the validator's terms
            notices.append(_("URL parameter 'interface_language'={value}: not a language of the apps (use zh for "
                             "Chinese or en for English); the default is used.").format(
                value=json.dumps(value, ensure_ascii=False, default=str)))
        else:
            kept[name] = value
    for _attempt in range(len(kept) + 1):
        try:
            validated = model.model_validate(kept)
        except ValidationError as exc:
            bad = {str(e["loc"][0]) for e in exc.errors() if e["loc"]}
            for error in exc.errors():
                field = str(error["loc"][0]) if error["loc"] else None
                if field:
                    notices.append(_("URL parameter '{name}'={value} is invalid ({reason}); the default is "
                                     "used.").format(name=field, value=json.dumps(kept.get(field), default=str,
                                                                                  ensure_ascii=False),
                                                     reason=error["msg"]))
                else:
                    notices.append(_("The URL parameters are invalid together ({reason}); the defaults are "
                                     "used.").format(reason=error["msg"]))
            if not bad:  # a whole-model rule (e.g. dates out of order): drop every URL value
                bad = set(kept)
            kept = {k: v for k, v in kept.items() if k not in bad}
            continue
        dumped = validated.model_dump(mode="json")
        return {name: dumped[name] for name in kept}, notices
    return {}, notices


def _is_language(value: Any) -> bool:
    try:
        i18n.check_language(value)
    except ParameterError:
        return False
    return isinstance(value, str)


def url_language(arguments: dict[str, list[bytes]]) -> str:
    """The interface language a request's query asks for (``interface_language``, also inside
    ``parameters``), else the centre's default; a value that is not a language counts as not given."""
    given = [raw.decode("utf-8", "replace") for raw in arguments.get(LANGUAGE_ARGUMENT, [])]
    for raw in arguments.get("parameters", [])[-1:]:
        try:
            decoded = json.loads(raw.decode("utf-8", "replace"))
        except json.JSONDecodeError:
            continue
        if isinstance(decoded, dict) and LANGUAGE_ARGUMENT in decoded:
            given.insert(0, decoded[LANGUAGE_ARGUMENT])  # the argument of its own wins, as in query_parameters
    chosen = given[-1] if given else None
    return i18n.check_language(chosen) if _is_language(chosen) else i18n.default_language()


def prelaunch_hook(req: Any, notebook: Any, cwd: str) -> Any:
    """Voilà prelaunch hook: validate URL parameters and inject them with Papermill.

    The notebook is named by the request path (``/voila/render/<name>.ipynb``);
    a notebook without a registered model is returned unchanged. Notices about
    rejected values are written in the page's language (:func:`url_language`).
    """
    from papermill.parameterize import parameterize_notebook

    from workbench.errors import ParameterError

    # Voilà's page asks the server to shut its kernel down when it closes, with the
    # _xsrf cookie, but its render handler never sets that cookie, so every request
    # was refused and each visit's kernel lived until the server stopped
    # (voila-dashboards/voila#1458). Reading the token sets the cookie on this response.
    req.xsrf_token  # noqa: B018 (read for its side effect)
    name = Path(unquote(req.request.path)).stem
    try:
        model = parameter_model(name)
    except ParameterError:
        return notebook
    with i18n.using_language(url_language(req.request.query_arguments)):
        raw, notices = query_parameters(req.request.query_arguments, model)
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


def index_page(query: str) -> dict[str, Any]:
    """What the index page (``/``) shows, in the language ``query`` asks for (else the centre's default).

    ``apps``: each app's notebook ``name``, ``title`` and ``summary`` (the
    apps' own ``N_`` texts, so the index and the pages say the same);
    ``query``: the query string the links carry (the language included);
    ``languages``: (code, name in that language, link) for a language switch.
    """
    from urllib.parse import parse_qsl, urlencode

    import workbench.apps

    pairs = [(k, v) for k, v in parse_qsl(query or "", keep_blank_values=True) if k != "token"]
    language = url_language({k: [v.encode()] for k, v in pairs})
    pairs = [(k, v) for k, v in pairs if k != LANGUAGE_ARGUMENT] + [(LANGUAGE_ARGUMENT, language)]
    with i18n.using_language(language):
        apps = [{"name": name, "title": _(getattr(workbench.apps, cls).title),
                 "summary": _(getattr(workbench.apps, cls).summary)} for name, cls in INDEX_APPS.items()]
        return {
            "language": language, "lang": i18n.HTML_LANG[language],
            "heading": _("Call-centre apps"),
            "intro": _("Pick an app. Each opens in a new tab with the latest finished results; the numbers "
                       "are only read here, never recomputed."),
            "apps": apps, "query": "?" + urlencode(pairs),
            "languages": [("zh", "中文", "?" + urlencode({LANGUAGE_ARGUMENT: "zh"})),
                          ("en", "English", "?" + urlencode({LANGUAGE_ARGUMENT: "en"}))],
            "fonts": '"Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei",'
                     if language == "zh" else "",
        }


def default_max_kernels() -> int:
    """The default cap on pages served at once: one per 0.5 GB of memory, between 1 and 8."""
    try:
        memory = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):  # not a POSIX system: assume a small machine
        memory = 4 * 1024**3
    return max(1, min(MAX_KERNELS_CEILING, memory // MEMORY_PER_KERNEL_BYTES))


def is_loopback(ip: str) -> bool:
    """Whether binding ``ip`` keeps the server reachable from this machine only."""
    if ip.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(ip.strip("[]")).is_loopback
    except ValueError:
        return False


def access_token(ip: str, token: str | None) -> tuple[str | None, bool]:
    """The token ``serve`` should require, and whether it was generated here.

    A given token is always required; binding beyond loopback without one
    generates a random one (the caller shows it once); on loopback none is needed.
    """
    if token:
        return token, False
    if not is_loopback(ip):
        return secrets.token_urlsafe(24), True
    return None, False


def host_name(host: str) -> str:
    """The name part of a Host header: lower case, without port, brackets or trailing dot."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1:host.index("]")] if "]" in host else host
    name, colon, port = host.rpartition(":")
    if colon and ":" not in name and (port.isdigit() or not port):
        host = name
    return host.rstrip(".")


@dataclass(frozen=True)
class AccessPolicy:
    """Who may talk to the server: the Host names accepted and the token required (None: no token).

    Build it with :meth:`for_binding`; :meth:`refusal` decides each request.
    """

    hosts: frozenset[str]
    any_address: bool
    token: str | None
    cookie_name: str

    @classmethod
    def for_binding(cls, ip: str, port: int, token: str | None = None,
                    allowed_hosts: Iterable[str] = ()) -> AccessPolicy:
        """The policy of a server bound to ``ip``:``port`` also known by the names ``allowed_hosts``."""
        wildcard = ip in WILDCARD_ADDRESSES
        hosts = {"localhost", host_name(ip), *(host_name(h) for h in allowed_hosts)}
        if wildcard:
            hosts.add(socket.gethostname().lower())
        # Cookies are shared across ports of one host: one name per port keeps two servers apart.
        return cls(hosts=frozenset(hosts - {""}), any_address=wildcard, token=token or None,
                   cookie_name=f"workbench-serve-token-{port}")

    def host_allowed(self, host: str) -> bool:
        """Whether a request with this Host header may be answered."""
        name = host_name(host)
        if name in self.hosts:
            return True
        try:
            address = ipaddress.ip_address(name)
        except ValueError:
            return False
        # DNS rebinding needs a name the attacker controls; an address typed in the URL cannot be one.
        return address.is_loopback or self.any_address

    @property
    def cookie_value(self) -> str:
        """What the access cookie holds: derived from the token, so the cookie never shows the token itself."""
        return hmac.new((self.token or "").encode(), b"workbench serve access", hashlib.sha256).hexdigest()

    def refusal(self, handler: Any) -> int | None:
        """403 for a Host not accepted, 401 for a missing or wrong token, None to go on.

        ``handler`` is a Tornado request handler. A right ``?token=`` sets the access cookie on its response.
        """
        request = handler.request
        if not self.host_allowed(request.host or ""):
            handler.log.warning("Refusing a request with Host %r from %s", request.host, request.remote_ip)
            return 403
        if self.token is None:
            return None
        scheme, _space, given = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() in {"token", "bearer"} and _same(given.strip(), self.token):
            return None
        if _same(handler.get_cookie(self.cookie_name) or "", self.cookie_value):
            return None
        given = handler.get_query_argument("token", None)
        if given is not None and _same(given, self.token):
            handler.set_cookie(self.cookie_name, self.cookie_value, path="/", httponly=True, samesite="Strict",
                               secure=request.protocol == "https")
            return None
        return 401


def _same(given: str, expected: str) -> bool:
    return bool(expected) and hmac.compare_digest(given.encode("utf-8", "replace"), expected.encode())


_PAGES = {
    401: ("Access token needed / 需要访问令牌",
          "This server asks for its access token. Open the link with <code>?token=…</code> that the person running "
          "it printed when it started, or ask them for it.",
          "此服务器需要访问令牌。请打开服务器启动时打印的带 <code>?token=…</code> 的链接，或向运行它的人索取。"),
    403: ("Not served under this name / 不接受此地址",
          "This server does not answer to the name in the address bar. Use the address it was started with.",
          "此服务器不接受地址栏中的主机名。请使用服务器启动时给出的地址。"),
    503: ("Busy, try again shortly / 服务器繁忙，请稍后再试",
          "All the apps' places are taken right now. Try again in about {retry} seconds, or close an app page "
          "you no longer need.",
          "目前所有应用名额已被占用。请约 {retry} 秒后重试，或关闭不再需要的应用页面。"),
    "per_client": ("Too many pages open / 打开的页面过多",
                   "You already have as many app pages open as this server allows for one visitor. Close one of "
                   "them, then try again in about {retry} seconds.",
                   "您打开的应用页面已达到每位访问者的上限。请关闭其中一个，然后约 {retry} 秒后重试。"),
}


def refusal_page(status: int, per_client: bool = False) -> str:
    """A small, self-contained HTML page in English and Chinese for a refused request (401, 403 or 503)."""
    title, english, chinese = _PAGES["per_client" if status == 503 and per_client else status]
    english, chinese = english.format(retry=RETRY_AFTER_SECONDS), chinese.format(retry=RETRY_AFTER_SECONDS)
    again = '<p><a href="">Try again / 重试</a></p>' if status == 503 else ""
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            '<style>body{font-family:sans-serif;max-width:40em;margin:4em auto;padding:0 1em;color:#333;'
            'line-height:1.5}h1{font-size:1.4em}</style></head>\n'
            f'<body><h1>{html.escape(title)}</h1><p>{english}</p><p lang="zh">{chinese}</p>{again}'
            f'<p style="color:#888">HTTP {status}</p></body></html>\n')


class GuardedHandler:
    """Mixed in before every handler of the server: the access policy first, and readable refusal pages."""

    async def prepare(self) -> None:
        """Refuse a request the access policy does not let through, else prepare as the handler does."""
        policy = self.settings.get("workbench_access")
        status = policy.refusal(self) if policy is not None else None
        if status is not None:
            raise _access_refused(status)
        result = super().prepare()
        if result is not None:
            await result

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        """Our own page for a refusal (401, 403) and a kernel cap (503); the handler's otherwise."""
        from workbench.apps.kernel_pool import KernelCapReached

        error = kwargs.get("exc_info", (None, None, None))[1]
        if not getattr(error, "workbench_refusal", False) and not isinstance(error, KernelCapReached):
            return super().write_error(status_code, **kwargs)
        self.set_header("Content-Type", "text/html; charset=UTF-8")
        self.set_header("Cache-Control", "no-store")
        if status_code == 503:
            self.set_header("Retry-After", str(RETRY_AFTER_SECONDS))
        if status_code == 401:
            self.set_header("WWW-Authenticate", 'Bearer realm="workbench serve"')
        self.finish(refusal_page(status_code, per_client=getattr(error, "per_client", False)))


def _access_refused(status: int) -> Exception:
    from tornado.web import HTTPError

    error = HTTPError(status)
    error.workbench_refusal = True  # tells write_error this is ours, not a handler's own 403
    return error


def guarded_handlers(handlers: list[Any]) -> list[Any]:
    """Voilà's handler list with :class:`GuardedHandler` mixed into every handler class."""
    from tornado.web import RequestHandler

    guarded = []
    for spec in handlers:
        if isinstance(spec, tuple) and len(spec) >= 2 and isinstance(spec[1], type) and issubclass(spec[1], RequestHandler):
            spec = (spec[0], type(spec[1].__name__, (GuardedHandler, spec[1]), {}), *spec[2:])
        guarded.append(spec)
    return guarded


def voila_arguments(port: int, ip: str, spare_kernels: int = 1, max_kernels: int | None = None,
                    max_kernels_per_client: int = MAX_KERNELS_PER_CLIENT,
                    connect_timeout: float = CONNECT_TIMEOUT_SECONDS) -> list[str]:
    """Command-line arguments of the Voilà application ``serve`` starts (``max_kernels`` None: the default cap)."""
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
        f"--WarmKernelPool.max_kernels={default_max_kernels() if max_kernels is None else max_kernels}",
        f"--WarmKernelPool.max_kernels_per_client={max_kernels_per_client}",
        f"--WarmKernelPool.connect_timeout={connect_timeout}",
    ]


def serve(port: int = 8866, ip: str = "127.0.0.1", spare_kernels: int = 1, *, max_kernels: int | None = None,
          max_kernels_per_client: int = MAX_KERNELS_PER_CLIENT, connect_timeout: float = CONNECT_TIMEOUT_SECONDS,
          token: str | None = None, allowed_hosts: Iterable[str] = ()) -> None:
    """Run Voilà on the apps folder until interrupted (blocks).

    Args:
        port: port to listen on.
        ip: address to bind; anything but loopback needs ``token``.
        spare_kernels: kernels kept started and loaded for the next visits (0: none).
        max_kernels: most pages served at once (None: :func:`default_max_kernels`; 0: no cap).
        max_kernels_per_client: most pages one client address holds at once (0: no cap).
        connect_timeout: seconds a page's kernel may sit idle with no page connected before it is shut down.
        token: access token every request must carry (None: none, loopback only).
        allowed_hosts: further names the server may be reached by (Host header), e.g. its DNS name.

    Raises:
        WorkbenchError: ``ip`` is not a loopback address and no token is given.
    """
    if not token and not is_loopback(ip):
        raise WorkbenchError(f"binding {ip} needs an access token: anyone who can reach the address would get the "
                             f"apps and start kernels. Give one (--token or {TOKEN_ENV}), or bind 127.0.0.1.")
    os.environ["JUPYTER_PATH"] = os.pathsep.join(p for p in (str(SHARE_DIR), os.environ.get("JUPYTER_PATH")) if p)
    from voila.app import Voila

    class WorkbenchVoila(Voila):
        """Voilà with every handler behind the access policy."""

        def init_handlers(self) -> list[Any]:
            """Voilà's handlers, each with the access policy in front."""
            return guarded_handlers(super().init_handlers())

        def init_settings(self) -> dict[str, Any]:
            """Voilà's settings, its template environment knowing the index's texts (``tree.html``) and the
            server's default interface language (the page's ``lang`` when the URL names none)."""
            settings = super().init_settings()
            settings["voila_jinja2_env"].globals["workbench_index"] = index_page
            settings["voila_jinja2_env"].globals["workbench_default_language"] = i18n.default_language()
            return settings

    app = WorkbenchVoila()
    app.initialize(voila_arguments(port, ip, spare_kernels, max_kernels=max_kernels,
                                   max_kernels_per_client=max_kernels_per_client, connect_timeout=connect_timeout))
    app.voila_configuration.prelaunch_hook = prelaunch_hook
    # /voila/files/ serves nothing (set here: traitlets' command line cannot give an empty list).
    app.voila_configuration.file_allowlist = []
    app.voila_configuration.file_denylist = [".*"]
    from jupyter_server.log import log_request

    # Merged into the Tornado application's settings when it starts; the guard reads the policy from there.
    # Jupyter Server's request logger replaces Tornado's, which wrote refused URLs with their ?token= in full.
    app.tornado_settings = {**app.tornado_settings, "log_function": log_request,
                            "workbench_access": AccessPolicy.for_binding(ip, port, token, allowed_hosts)}
    app.start()
