"""The web pages in a real browser: Debian's headless Chromium, driven by Selenium through
Debian's chromedriver (never a downloaded browser or driver), against a real ``meshbot serve``
with API keys on, so the login form and the CSRF checks are part of every run.

Each page is loaded and checked for console errors and accessibility basics (one ``h1``,
heading levels that never skip, ``lang``, a ``<title>``, a label on every form control); the
decision form is followed to its verdict and the chart is checked; the stylesheet's colour pairs
are checked for contrast. The README's screenshots are taken here (set MESHBOT_SCREENSHOTS_DIR
to write them into the repository).
"""

from __future__ import annotations

import itertools
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.services.apikeys import new_key
from bot.web.pages import STATIC
from tests.support import servers

pytestmark = pytest.mark.slow  # a real server and a real browser: -m 'not slow' skips

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
#: Answers to every question of the decision, as a person would type them.
ANSWERS = {
    "services": "about 50",
    "teams": "8",
    "compliance": "yes, PCI-DSS",
    "languages": "Go, Java and Python",
    "canary_everywhere": "no",
    "motivation": "pain we have now",
    "deploy_together": "no",
    "latency_slo_ms": "none",
    "platform_capacity": "not really",
    "main_concern": "simplicity",
    "istio_features": "none",
    "pods": "200",
    "rps_per_pod": "50",
    "call_depth": "4",
    "latency_measured": "not yet",
    "kernel": "5.15.0-1051-aws",
    "windows_nodes": "no",
}
MAX_SCREENSHOT_BYTES = 200_000


def _browser_or_skip() -> None:
    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not p.exists()]
    if not missing:
        return
    reason = f"{' and '.join(missing)} not installed (apt-get install chromium chromium-driver)"
    if os.environ.get("MESHBOT_REQUIRE_SERVICES") == "1":
        pytest.fail(f"{reason} (MESHBOT_REQUIRE_SERVICES=1 requires it)")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """A real server with API keys on: its base URL and a valid key."""
    _browser_or_skip()
    workdir = tmp_path_factory.mktemp("site")
    key, hashed = new_key()
    env = servers.environment(workdir, MESHBOT_API_KEYS=hashed, MESHBOT_RATE_LIMIT_PER_MINUTE="600")
    servers.build_index(env)
    port = servers.free_port()
    server, _ = servers.start(port, env)
    try:
        yield f"http://127.0.0.1:{port}", key
    finally:
        servers.stop(server)


@pytest.fixture(scope="module")
def browser(site: tuple[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    options.add_argument("--window-size=1000,1300")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    try:
        base, key = site
        driver.get(f"{base}/runbooks/MESH-P002")
        assert "/login" in driver.current_url  # keys are on: the page asks for one first
        _check_page(driver)
        driver.find_element("id", "key").send_keys(key)
        _submit(driver)
        assert driver.current_url == f"{base}/runbooks/MESH-P002"  # back where it was going
        yield driver
    finally:
        driver.quit()


def _submit(driver: Any) -> None:
    """Send the page's form and wait for the page it leads to: a click returns before the
    navigation ends, so the test waits until the old page's button has left the document and
    the new one has loaded (conditions, with a generous ceiling, never a fixed sleep)."""
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.support.wait import WebDriverWait

    button = driver.find_element("css selector", "form.stack button")
    button.click()

    def left(_: Any) -> bool:
        try:
            button.is_enabled()
        except WebDriverException:  # stale, or chromedriver's "node … not in the document"
            return True
        return False

    wait = WebDriverWait(driver, 60, ignored_exceptions=(WebDriverException,))
    wait.until(left)
    wait.until(lambda d: d.execute_script("return document.readyState") == "complete")


def _console_errors(driver: Any) -> list[str]:
    return [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]


ACCESSIBILITY = """
const controls = [...document.querySelectorAll(
  'input:not([type=hidden]), select, textarea')];
return {
  lang: document.documentElement.lang,
  title: document.title,
  h1: document.querySelectorAll('h1').length,
  headings: [...document.querySelectorAll('h1,h2,h3,h4,h5,h6')].map(h => +h.tagName[1]),
  unlabelled: controls.filter(c => c.labels.length === 0 && !c.getAttribute('aria-label'))
                      .map(c => c.name),
  overflow: document.documentElement.scrollWidth - window.innerWidth,
};
"""


def _check_page(driver: Any, status: int = 200) -> dict[str, Any]:
    """Accessibility basics and a clean console for the page now shown. A page answered with
    an error status on purpose (a 422 form) gets exactly Chrome's line reporting that status."""
    facts: dict[str, Any] = driver.execute_script(ACCESSIBILITY)
    assert facts["lang"] == "en"
    assert facts["title"].strip()
    assert facts["h1"] == 1, driver.current_url
    levels = facts["headings"]
    assert levels[0] == 1
    assert all(b <= a + 1 for a, b in itertools.pairwise(levels)), levels
    assert facts["unlabelled"] == []
    errors = _console_errors(driver)
    if status != 200:
        assert len(errors) == 1 and f"status of {status}" in errors[0], errors
    else:
        assert errors == []
    return facts


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/?q=pods+crashloop+after+sidecar+injection",
        "/?q=best+sourdough+bread",
        "/runbooks/MESH-P002",
        "/comparisons/cmp.istio-vs-linkerd",
        "/decide",
    ],
)
def test_each_page_loads_cleanly_and_meets_the_accessibility_basics(
    browser: Any, site: tuple[str, str], path: str
) -> None:
    browser.get(site[0] + path)
    _check_page(browser)


def test_the_runbook_starts_with_what_to_do_now_and_keeps_config_copyable(
    browser: Any, site: tuple[str, str]
) -> None:
    browser.get(f"{site[0]}/runbooks/MESH-P002")
    card = browser.find_element("css selector", "section.now")
    first_section = browser.find_element("css selector", "main section")
    assert card == first_section
    assert "PERMISSIVE" in card.text
    blocks = browser.find_elements("css selector", "pre > code")
    assert len(blocks) >= 2 and "kind: PeerAuthentication" in blocks[1].text
    _screenshot(browser, "runbook.png")


def test_pages_fit_a_phone_screen_without_sideways_scrolling(
    browser: Any, site: tuple[str, str]
) -> None:
    browser.set_window_size(390, 844)
    try:
        for path in ("/", "/runbooks/MESH-P002", "/decide"):
            browser.get(site[0] + path)
            assert _check_page(browser)["overflow"] <= 0, path
    finally:
        browser.set_window_size(1000, 1300)


def test_the_decision_form_leads_one_question_at_a_time_to_the_verdict(
    browser: Any, site: tuple[str, str]
) -> None:
    base = site[0]
    browser.get(f"{base}/decide")
    browser.find_element("id", "name").send_keys("Ada")
    _submit(browser)
    decision_url = browser.current_url
    assert re.fullmatch(rf"{re.escape(base)}/decide/\w+", decision_url)

    browser.find_element("id", "answer").send_keys("lots")  # services needs a number
    _submit(browser)
    assert "I need a number" in browser.find_element("id", "answer-problem").text
    _check_page(browser, status=422)  # the form again, saying why, as 422 Unprocessable

    asked: list[str] = []
    while "/decide/" in browser.current_url:
        question = browser.find_element("name", "question_id").get_attribute("value")
        assert question not in asked  # one question at a time, never the same one twice
        asked.append(question)
        if len(asked) == 3:  # resumable from its URL: a fresh load asks the open question
            browser.get(decision_url)
            assert browser.find_element("name", "question_id").get_attribute("value") == question
        field = browser.find_element("id", "answer")
        field.clear()
        field.send_keys(ANSWERS[question])
        _submit(browser)
        _check_page(browser)
    assert browser.current_url == decision_url.replace("/decide/", "/decisions/")
    assert asked[:2] == ["services", "teams"]

    h1 = browser.find_element("tag name", "h1").text
    assert h1 == "Verdict: mesh — Linkerd"
    assert "Ada" in browser.find_element("css selector", "main > p.meta").text
    bars = browser.find_elements("css selector", "svg.chart rect")
    assert len(bars) >= 2
    widths = [float(bar.get_attribute("width")) for bar in bars]
    assert max(widths) > 0 and len(set(widths)) > 1  # scaled to the figures, not all alike
    assert browser.find_element("css selector", "svg.chart title").text
    record = browser.find_element("css selector", ".record")
    assert "Alternatives considered" in record.text
    _screenshot(browser, "decision.png")


def _screenshot(browser: Any, name: str) -> None:
    """The README's screenshot of this page: small enough to commit."""
    target = Path(os.environ.get("MESHBOT_SCREENSHOTS_DIR") or _scratch()) / name
    target.parent.mkdir(parents=True, exist_ok=True)
    assert browser.save_screenshot(str(target))
    assert target.stat().st_size < MAX_SCREENSHOT_BYTES


def _scratch() -> Path:
    path = Path(os.environ.get("TMPDIR", "/tmp")) / "meshbot-screenshots"
    shutil.rmtree(path, ignore_errors=True)
    return path


# --- contrast: computed from the stylesheet itself ----------------------------------------

_RULE = re.compile(r"([^{}]+)\{([^}]*)\}")
_COLOUR = re.compile(r"(?<![-\w])(color|fill)\s*:\s*(#[0-9a-fA-F]{6})")
_BACKGROUND = re.compile(r"background(?:-color)?\s*:\s*(#[0-9a-fA-F]{6})")
PAGE_BACKGROUND = "#ffffff"


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(foreground: str, background: str) -> float:
    """WCAG 2 contrast ratio of two sRGB colours."""
    lighter, darker = sorted((_luminance(foreground), _luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def colour_pairs(css: str) -> list[tuple[str, str, str]]:
    """(selector, text colour, background) for every rule that sets a text colour; a rule
    without a background of its own is read against the page's."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.DOTALL)
    pairs = []
    for selector, body in _RULE.findall(css):
        if selector.strip().startswith("svg.chart rect"):
            continue  # a bar's fill is not text
        background = _BACKGROUND.search(body)
        for _, colour in _COLOUR.findall(body):
            pairs.append(
                (selector.strip(), colour, background.group(1) if background else PAGE_BACKGROUND)
            )
    return pairs


def test_contrast_is_computed_as_wcag_defines_it() -> None:
    assert contrast("#000000", "#ffffff") == pytest.approx(21)
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)


def test_every_colour_pair_in_the_stylesheet_has_a_contrast_of_at_least_4_5() -> None:
    pairs = colour_pairs((STATIC / "style.css").read_text(encoding="utf-8"))
    assert len(pairs) >= 10  # the parser found the stylesheet's rules
    weak = [(s, f, b, round(contrast(f, b), 2)) for s, f, b in pairs if contrast(f, b) < 4.5]
    assert weak == []
