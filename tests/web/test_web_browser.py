"""The console in a real headless Chromium against a real `newsmon run` daemon.

Open the console, write a rule, watch the live back-test update with highlighted
matches, save, see the rule file written and the daemon reload; then edit the
saved rule and see the diff. Screenshots go to docs/screenshots/ (README links
them). Skipped where Chromium, chromedriver or selenium is missing.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
import tomllib
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from monitor.article import RawItem, normalise
from monitor.match.engine import Matcher
from monitor.settings.rules import RuleConfig
from monitor.store import open_store
from monitor.store.base import NewAlert
from tests.conftest import ROOT, SHARED, Endpoint, free_port, newsmon_cmd

sys.path.insert(0, str(Path(__file__).parents[1] / "fixtures" / "feeds"))
from feedserver import FeedServer, feed_route, fixture

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
DRIVER = shutil.which("chromedriver")
SHOTS = ROOT / "docs" / "screenshots"

try:
    import selenium  # noqa: F401
    HAVE_SELENIUM = True
except ImportError:
    HAVE_SELENIUM = False

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not (CHROMIUM and DRIVER), reason="needs Chromium and chromedriver "
                       "(Debian: apt-get install chromium chromium-driver)"),
    pytest.mark.skipif(not HAVE_SELENIUM, reason="needs selenium (pip install selenium)"),
]


def _wait(check: Callable[[], Any], timeout: float = 20, what: str = "") -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            got = check()
        except Exception:
            got = None
        if got:
            return got
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what or check}")


@pytest.fixture
def feeds() -> Iterator[FeedServer]:
    srv = FeedServer().start()
    srv.routes["/world.xml"] = feed_route(fixture("rss20.xml"))
    yield srv
    srv.stop()


@pytest.fixture
def daemon(tmp_path: Path, feeds: FeedServer) -> Iterator[tuple[str, Path, Path]]:
    corpus = SHARED / "corpus" / "bbc-2004.jsonl"
    if not corpus.exists():
        pytest.skip(f"the shared BBC corpus is not here ({corpus})")
    port = free_port()
    refusing = Endpoint(status=404)  # a chat target that answers 404: its alerts go to dead letters
    refusing.up()
    state = tmp_path / "state"
    store = open_store(state)  # articles the daemon has seen (and kept) in the last days
    now = datetime.now(UTC)
    lines = corpus.read_text().splitlines()[:600]
    rule = RuleConfig(name="iraq", query="iraq")
    matcher = Matcher.compile([rule])
    for i, doc in enumerate(map(json.loads, lines)):
        when = now - timedelta(minutes=20 * i)
        raw = RawItem(doc["source"], doc["id"], title=doc.get("title", ""), body=doc["body"], url=doc["url"])
        article = normalise(raw, when)
        rules = [m.rule for m in matcher.match(article)]
        alerts = [NewAlert(target=t, key=f"{article.id}:{t}", title=article.body[:90],
                           body=article.body[:400], rules=tuple(rules), article_id=article.id,
                           reason="immediate")
                  for t in (("log", "chat") if rules and i < 40 else ())]
        store.record(article, alerts, when, rules=rules)
    store.close()
    main = tmp_path / "newsmon.toml"
    (tmp_path / "inbox").mkdir()
    main.write_text(f'[[rules]]\nname = "iraq"\nquery = "iraq"\nnotify = ["log", "chat"]\n\n'
                    f'[[folders]]\nname = "inbox"\npath = "inbox"\n\n'
                    f'[[feeds]]\nname = "World desk"\nurl = "{feeds.url("/world.xml")}"\n\n'
                    f'[fetch]\nallow_private = true\njitter = "0s"\n\n'
                    f'[targets]\nlog = ["alertlog://"]\n'
                    f'chat = ["{refusing.url}?token=abcdefghijklmnopqrstuvwxyz"]\n\n'
                    f'[web]\nlisten = "127.0.0.1:{port}"\n')
    log = (tmp_path / "daemon.log").open("w")
    proc = subprocess.Popen(newsmon_cmd("run", "--config", str(main), "--state-dir", str(state)),
                            stdout=log, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait(lambda: httpx.get(base + "/rules", timeout=2).status_code == 200, 30, "the console")
        yield base, main, tmp_path / "daemon.log"
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        log.close()
        refusing.down()


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Any]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    for arg in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", f"--user-data-dir={tmp_path / 'chromium'}",
                "--window-size=1280,1000", "--force-device-scale-factor=1"):
        options.add_argument(arg)
    options.binary_location = str(CHROMIUM)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(str(DRIVER)), options=options)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()


def _type(element: Any, text: str) -> None:
    for ch in text:  # key by key, as a person types: the back-test follows
        element.send_keys(ch)
        time.sleep(0.02)


def _count(driver: Any) -> int:
    from selenium.webdriver.common.by import By

    return int(driver.find_element(By.ID, "match-count").text)


def test_write_backtest_save_reload_in_chromium(daemon: tuple[str, Path, Path], browser: Any) -> None:
    from selenium.webdriver.common.by import By

    base, main, log = daemon
    SHOTS.mkdir(parents=True, exist_ok=True)
    browser.get(base + "/rules")
    assert browser.find_element(By.CSS_SELECTOR, "h1").text == "Rules"
    browser.save_screenshot(str(SHOTS / "rules.png"))

    browser.find_element(By.LINK_TEXT, "New rule").click()
    _wait(lambda: browser.find_element(By.ID, "preview").text, what="the first back-test")
    browser.find_element(By.ID, "name").send_keys("Rates watch")
    query = browser.find_element(By.ID, "query")
    _type(query, "inflation")
    first = _wait(lambda: _count(browser) if "inflation" in _marks(browser) else 0, what="inflation hits")
    _type(query, ' OR "interest rates"')
    second = _wait(lambda: _count(browser) if _count(browser) > first else 0, what="the live update")
    marks = _marks(browser)
    assert {"inflation", "interest rates"} <= marks, marks
    assert "Matched:" in browser.find_element(By.CSS_SELECTOR, ".hit .reason").text
    browser.find_element(By.CSS_SELECTOR, "input[name=notify][value=log]").click()
    browser.save_screenshot(str(SHOTS / "backtest.png"))

    # A broken query: the same one-line error as `newsmon check`, no save.
    _type(query, " AND (")
    problem = _wait(lambda: browser.find_element(By.CSS_SELECTOR, "#preview .problems").text, what="error")
    assert "rules.d/web-rates-watch.toml: rules[0].query: rule \"Rates watch\": query column" in problem
    query.send_keys("\b\b\b\b\b\b")
    _wait(lambda: _count(browser) == second, what="the query fixed again")

    browser.find_element(By.ID, "save").click()
    _wait(lambda: "Saved to web-rates-watch.toml" in browser.page_source, what="the saved page")
    dropin = main.parent / "rules.d" / "web-rates-watch.toml"
    assert tomllib.loads(dropin.read_text())["rules"] == [
        {"name": "Rates watch", "query": 'inflation OR "interest rates"', "notify": ["log"]}]
    _wait(lambda: "configuration reloaded: 2 rule(s)" in log.read_text(), what="the daemon's reload")
    assert "Rates watch" in browser.find_element(By.CSS_SELECTOR, "table").text

    # Edit the saved rule: the back-test shows the diff against it.
    browser.find_element(By.LINK_TEXT, "Rates watch").click()
    _wait(lambda: _count(browser) == second, what="the saved rule's back-test")
    query = browser.find_element(By.ID, "query")
    _type(query, " OR economy")
    def grown() -> str:
        text = browser.find_element(By.ID, "diff").text
        grew = text.startswith("Against") and "+0 " not in text
        return text if grew and "economy" in _marks(browser) else ""

    diff = _wait(grown, what="the diff")
    assert diff.startswith("Against the saved rule: +") and diff.endswith(", −0"), diff
    browser.save_screenshot(str(SHOTS / "backtest-diff.png"))
    browser.find_element(By.ID, "save").click()
    _wait(lambda: "economy" in dropin.read_text(), what="the rewritten file")
    _wait(lambda: log.read_text().count("configuration reloaded: 2 rule(s)") >= 2, what="a second reload")

    # Readable on a phone.
    browser.set_window_size(390, 844)
    browser.get(base + "/rules/edit?name=Rates%20watch")
    _wait(lambda: _count(browser) > 0, what="the phone back-test")
    browser.save_screenshot(str(SHOTS / "phone-editor.png"))
    wide = browser.execute_script(
        "const w = document.documentElement.clientWidth; return [...document.querySelectorAll('body *')]"
        ".filter(e => e.getBoundingClientRect().right > w + 1).slice(0, 5)"
        ".map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))")
    assert not wide, f"wider than the phone's screen: {wide}"

    # Nothing blocked by the CSP, no failed load; htmx logs the previews it cancelled
    # (hx-sync: a keystroke replaces the request in flight, by design) as errors.
    cancelled = ('"htmx:sendAbort', '"htmx:afterRequest')
    problems = [e["message"] for e in browser.get_log("browser")
                if ("Content Security Policy" in e["message"] or e["level"] == "SEVERE")
                and not any(c in e["message"] for c in cancelled)]
    assert "Traceback" not in log.read_text()
    assert not problems, problems


def _marks(driver: Any) -> set[str]:
    from selenium.webdriver.common.by import By

    return {m.text.lower() for m in driver.find_elements(By.CSS_SELECTOR, "#preview mark")}


def test_every_page_in_chromium_by_keyboard(daemon: tuple[str, Path, Path], browser: Any) -> None:
    """Sources, alerts, outbox and targets with real state; the nav works from the keyboard."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    base, _main, _log = daemon
    browser.get(base + "/rules")
    body = browser.find_element(By.TAG_NAME, "body")
    body.send_keys(Keys.TAB)
    assert browser.switch_to.active_element.text == "Skip to content"
    seen = []
    for _ in range(5):
        browser.switch_to.active_element.send_keys(Keys.TAB)
        seen.append(browser.switch_to.active_element.text)
    assert seen == ["Rules", "Sources", "Alerts", "Outbox", "Targets"]
    browser.switch_to.active_element.send_keys(Keys.ENTER)
    _wait(lambda: browser.current_url.endswith("/targets"), what="Enter on a nav link")

    browser.get(base + "/sources")
    _wait(lambda: "World desk" in browser.page_source and "ok" in browser.find_element(
        By.CSS_SELECTOR, "table").text, 40, what="the polled feed")
    browser.save_screenshot(str(SHOTS / "sources.png"))
    browser.get(base + "/outbox")
    _wait(lambda: "abcdefghijklmnopqrstuvwxyz" not in browser.page_source and browser.find_elements(
        By.CSS_SELECTOR, ".outbox-dead tbody tr"), what="dead letters")
    browser.save_screenshot(str(SHOTS / "outbox.png"))
    browser.get(base + "/alerts?rule=iraq")
    _wait(lambda: browser.find_elements(By.CSS_SELECTOR, "td .status-sent"), what="sent alerts")
    browser.save_screenshot(str(SHOTS / "alerts.png"))
    browser.find_element(By.CSS_SELECTOR, "tbody a").click()
    _wait(lambda: "Delivery attempts" in browser.page_source, what="one alert")
    assert browser.find_elements(By.CSS_SELECTOR, ".hit mark")
    browser.save_screenshot(str(SHOTS / "alert.png"))
    browser.get(base + "/targets")
    assert "abcdefghijklmnopqrstuvwxyz" not in browser.page_source
    browser.save_screenshot(str(SHOTS / "targets.png"))
