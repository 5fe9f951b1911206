"""The four apps in Chinese and in English, and on a phone, as a browser shows them.

One ``workbench serve`` and one Chromium for the whole module; each app is
loaded twice (``?interface_language=zh`` and ``=en``), eight page loads in
all. The Chinese page is then narrowed to a phone's width (375 x 740) in place
rather than loaded again: the apps' phone layout is CSS media queries and
flexible widths, which apply the same on a resize as on a load, and CI time
is short.

Each load checks: no JavaScript error and no request beyond the server, the
charts drawn, the page's text in the chosen language (no catalogue text left
in English on the Chinese page, Chinese contact-centre terms present; the
English title on the English page), and on the Chinese page that a Simplified
Chinese font drew every Chinese character of the heading (Chromium's own
record of the fonts it used, ``CSS.getPlatformFontsForNode``, so a missing
font's empty boxes fail the test). At phone width nothing may overflow
sideways (the page's scroll width is its width) and the queue picker must sit
within the screen.

Screenshots (``<app>-zh.png``, ``<app>-en.png``, ``<app>-phone-zh.png``) go to
``notebooks/apps/screenshots/`` for the README when
``WORKBENCH_UPDATE_SCREENSHOTS=1``, else to the test's temporary folder.
"""

from __future__ import annotations

import os
import re
import time
import urllib.request
from pathlib import Path

import pytest

from apps_browser_support import APPS, Visit, chromium
from workbench import i18n, paths

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SCREENSHOT_ENV = "WORKBENCH_UPDATE_SCREENSHOTS"
README_SCREENSHOTS = paths.notebooks_dir() / "apps" / "screenshots"
DESKTOP = {"width": 1280, "height": 2200}
PHONE = {"width": 375, "height": 740}
CJK = re.compile(r"[\u3400-\u9fff]")
#: Faces that draw Simplified Chinese (Debian's fonts-noto-cjk, and the usual ones elsewhere).
CHINESE_FACES = re.compile(r"CJK SC|Source Han Sans SC|PingFang SC|YaHei|WenQuanYi|Droid Sans Fallback", re.I)
#: Chinese contact-centre terms each app's Chinese page must show (its title, KPI or measure names).
CHINESE_TERMS = {
    "operations": ("服务水平", "放弃率", "呼入量"),
    "staffing": ("服务水平", "坐席"),
    "topics": ("来电原因与话题", "话题", "痛点"),
    "satisfaction": ("满意度驱动因素", "满分占比", "坐席"),
}
#: Data on the sample pages that happens to be a catalogue text: the satisfaction drivers' names
#: (``transferred``) are data, shown as stored (workbench.drivers.display), not English left untranslated.
DATA_TEXTS = {"satisfaction": ("transferred",)}
#: Each app's title, as its class declares it (the page's heading in English).
APP_CLASSES = {"operations": "OperationsApp", "staffing": "StaffingApp", "topics": "TopicsApp",
               "satisfaction": "SatisfactionApp"}

#: Every box from the app up to the page that is wider inside than it shows (Voilà's page scrolls inside
#: its own box, so the document's width alone would miss it); boxes meant to scroll sit below the app.
_SIDEWAYS = """() => {
    const wide = [];
    for (let e = document.querySelector('.workbench-app'); e; e = e.parentElement) {
        if (e.scrollWidth > e.clientWidth + 1) {
            wide.push(`${e.tagName.toLowerCase()}#${e.id}.${String(e.className).split(' ').join('.')}`
                      + ` ${e.scrollWidth} > ${e.clientWidth}`);
        }
    }
    return wide;
}"""
_OVERFLOWING = """() => {
    const width = document.documentElement.clientWidth;
    return Array.from(document.querySelectorAll('body *'))
        .filter(e => e.getBoundingClientRect().right > width + 1 && e.getClientRects().length
                     && !e.closest('.wb-table-wrap, .wb-clickable, .wb-chart, .wb-scroll'))
        .slice(0, 8)
        .map(e => `${e.tagName.toLowerCase()}.${String(e.className.baseVal ?? e.className).split(' ').join('.')}`
                  + ` right=${Math.round(e.getBoundingClientRect().right)}`);
}"""


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory) -> Path:
    """Where screenshots go: the README's folder when asked for, else a temporary one."""
    if os.environ.get(SCREENSHOT_ENV) == "1":
        README_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        return README_SCREENSHOTS
    return tmp_path_factory.mktemp("screenshots")


def english_title(name: str) -> str:
    import workbench.apps

    return getattr(workbench.apps, APP_CLASSES[name]).title


def fonts_drawing(visit: Visit, selector: str) -> list[dict]:
    """The platform fonts Chromium used for the text in ``selector`` (family name and glyph count each)."""
    session = visit.page.context.new_cdp_session(visit.page)
    try:
        session.send("DOM.enable")
        session.send("CSS.enable")
        root = session.send("DOM.getDocument", {"depth": 0})["root"]["nodeId"]
        node = session.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
        assert node, f"{selector} not on the page"
        return session.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
    finally:
        session.detach()


def screenshot(visit: Visit, path: Path, width: int, most_height: int) -> None:
    """A picture of the whole app at ``width`` (at most ``most_height`` pixels tall).

    Voilà's page scrolls inside its own box, so a full-page shot holds one screen: the screen is made as
    tall as the app for the picture (the width, which the layout depends on, stays).
    """
    height = visit.page.evaluate("() => Math.ceil(document.querySelector('.workbench-app')"
                                 ".getBoundingClientRect().bottom) + 24")
    visit.page.set_viewport_size({"width": width, "height": max(PHONE["height"], min(height, most_height))})
    visit.page.wait_for_timeout(300)
    visit.page.screenshot(path=str(path))


def check_page(visit: Visit, name: str, language: str) -> str:
    """Charts drawn, page clean, and its text in ``language``; returns the page's text."""
    visit.assert_drawn(name)
    visit.check_clean(APPS[name].notebook)
    text = visit.page.inner_text("body")
    title = visit.page.inner_text(".wb-title")
    if language == "zh":
        readable = text
        for data in DATA_TEXTS.get(name, ()):
            readable = readable.replace(data, "")
        assert i18n.untranslated_texts(readable, "zh") == [], f"{name}: English left on the Chinese page"
        for term in CHINESE_TERMS[name]:
            assert term in text, f"{name}: {term} not on the Chinese page"
        assert title == i18n.gettext(english_title(name), "zh") and CJK.search(title), title
        fonts = fonts_drawing(visit, ".wb-title")
        drawn = sum(font["glyphCount"] for font in fonts if CHINESE_FACES.search(font["familyName"]))
        assert drawn >= len(CJK.findall(title)), f"{name}: heading {title!r} drawn with {fonts}"
    else:
        assert title == english_title(name)
        assert not CJK.search(title) and i18n.gettext(english_title(name), "zh") not in text
    return text


@pytest.mark.parametrize("name", list(APPS))
def test_app_in_chinese_and_english_and_on_a_phone(server, browser, screenshots, name):
    seconds = {}
    for language in ("zh", "en"):
        visit = Visit(browser, server.base, viewport=DESKTOP)
        try:
            seconds[language] = visit.open(f"{APPS[name].path}?interface_language={language}", ready=APPS[name].ready)
            check_page(visit, name, language)
            screenshot(visit, screenshots / f"{name}-{language}.png", DESKTOP["width"], DESKTOP["height"])
            if language == "zh":
                started = time.perf_counter()
                visit.page.set_viewport_size(PHONE)
                visit.page.wait_for_timeout(500)  # let the media queries and the widgets' layout settle
                sizes = visit.page.evaluate("() => [document.documentElement.scrollWidth, "
                                            "document.documentElement.clientWidth]")
                assert sizes[0] <= sizes[1] + 1, f"{name}: the page scrolls sideways at 375 px {sizes}: " \
                                                 f"{visit.page.evaluate(_OVERFLOWING)}"
                wide = visit.page.evaluate(_SIDEWAYS)
                assert wide == [], f"{name}: wider than the phone: {wide}; {visit.page.evaluate(_OVERFLOWING)}"
                picker = visit.page.locator(".wb-queue select").first
                if picker.count():
                    box = picker.bounding_box()
                    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"] + 1, box
                screenshot(visit, screenshots / f"{name}-phone-zh.png", PHONE["width"], 2400)
                seconds["phone"] = time.perf_counter() - started
        finally:
            visit.close()
    print(f"{name}: " + ", ".join(f"{k} {v:.1f} s" for k, v in seconds.items()))


@pytest.mark.parametrize("language, heading, other", [("zh", "呼叫中心应用", "English"), ("en", "Call-centre apps", "中文")])
def test_the_index_in_either_language(server, language, heading, other):
    with urllib.request.urlopen(f"{server.base}/?interface_language={language}", timeout=30) as response:
        page = response.read().decode("utf-8")
    assert f'lang="{i18n.HTML_LANG[language]}"' in page and heading in page and other in page
    links = re.findall(r'href="[^"]*/voila/render/([\w-]+)\.ipynb\?([^"]*)"', page)
    assert [n for n, _query in links] == list(APPS) and all(f"interface_language={language}" in q for _n, q in links)
    for name in APPS:
        assert i18n.gettext(english_title(name), language) in page
    assert "cdn." not in page  # self-contained, unlike Voilà's own tree page
