"""The Voilà page template's html lang: the URL's language, else the server's default; the stall notice unchanged.

The template's own block is rendered with Jinja over a stub of Voilà's lab
template (the real one needs a running server), with the default language
given as ``workbench.apps.serve`` gives it (the ``workbench_default_language``
global); its script then runs under Node against a stub page, when Node is
installed.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import jinja2
import pytest

TEMPLATES = Path(__file__).resolve().parents[2] / "workbench" / "apps" / "share" / "voila" / "templates"
PARENT = "voila/templates/lab/index.html.j2"


def _page(default_language: str | None) -> str:
    loader = jinja2.ChoiceLoader([
        jinja2.DictLoader({PARENT: "<html><head>{% block notebook_css %}{% endblock %}</head></html>"}),
        jinja2.FileSystemLoader(str(TEMPLATES)),
    ])
    env = jinja2.Environment(loader=loader, autoescape=True)
    if default_language is not None:
        env.globals["workbench_default_language"] = default_language
    return env.get_template("workbench/index.html.j2").render()


def _script(page: str) -> str:
    return re.search(r"<script>(.*?)</script>", page, re.S).group(1)


def test_the_servers_default_reaches_the_page():
    assert 'const WB_DEFAULT_LANGUAGE = "zh";' in _page("zh")
    assert 'const WB_DEFAULT_LANGUAGE = "en";' in _page("en")
    assert 'const WB_DEFAULT_LANGUAGE = "";' in _page(None)  # a template env without the global still renders


RUN = """
const out = {lang: "", note: null};
const document = {documentElement: {set lang(v) { out.lang = v; }}, readyState: "loading",
  getElementById(id) { return id === "loading_text" ? {textContent: "Executing", parentNode: {appendChild(n) { out.note = n.innerHTML; }}}
                        : id === "loading" ? {} : null; },
  createElement() { return {style: {}}; }};
const location = {search: SEARCH};
let tick = null; const setInterval = (f) => { tick = f; return 1; }; const clearInterval = () => {};
let now = 0; Date.now = () => now;
SCRIPT
tick(); now = 60000; tick();
console.log(JSON.stringify(out));
"""


@pytest.mark.skipif(shutil.which("node") is None, reason="needs Node to run the page script")
@pytest.mark.parametrize(("default", "search", "lang", "notice"), [
    ("zh", "", "zh-CN", "both"),  # the centre's default sets lang; the notice stays in both languages
    ("en", "", "en", "both"),
    ("en", "?interface_language=zh", "zh-CN", "zh"),
    ("zh", "?interface_language=en", "en", "en"),
    (None, "", "", "both"),
])
def test_html_lang_from_url_or_default_and_stall_notice_from_url_only(default, search, lang, notice):
    program = RUN.replace("SEARCH", json.dumps(search)).replace("SCRIPT", _script(_page(default)))
    result = json.loads(subprocess.run(["node", "-e", program], capture_output=True, text=True, check=True,
                                       timeout=30).stdout)
    assert result["lang"] == lang
    has_en, has_zh = "longer than usual" in result["note"], "加载时间比平常长" in result["note"]
    assert (has_en, has_zh) == {"both": (True, True), "en": (True, False), "zh": (False, True)}[notice]


@pytest.mark.parametrize("language", ["zh", "en"])
def test_serve_gives_its_templates_the_default_language(language, monkeypatch):
    """The real server's settings, built in-process without listening: its page template is ours and sees the
    default language (WORKBENCH_INTERFACE_LANGUAGE here) as ``workbench_default_language``."""
    from voila.app import Voila

    from workbench.apps import serve as serve_module

    monkeypatch.setenv("WORKBENCH_INTERFACE_LANGUAGE", language)
    monkeypatch.setenv("JUPYTER_PATH", "")  # serve prepends its share folder; restored after the test
    captured = {}
    monkeypatch.setattr(Voila, "start", lambda self: captured.update(settings=self.init_settings()))
    serve_module.serve(port=18999, spare_kernels=0)
    env = captured["settings"]["voila_jinja2_env"]
    assert env.globals["workbench_default_language"] == language
    source, filename, _ = env.loader.get_source(env, "index.html.j2")
    assert Path(filename) == TEMPLATES / "workbench" / "index.html.j2" and "workbench_default_language" in source
    assert env.from_string("{{ workbench_default_language | tojson }}").render() == f'"{language}"'
