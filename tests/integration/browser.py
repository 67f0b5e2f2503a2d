"""Debian's chromium, headless, driven by selenium: the served dashboard as a browser shows it.

The page's script keeps its xterm.js terminal to itself; a script added before the page's own
catches it when the page stores it (`this.terminal = ...`), and the screen is read from the
terminal's buffer, as the user sees it. Keys go to the terminal as typed keys.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains

from tests.integration.serve_harness import Served

CATCH_TERMINAL = """
Object.defineProperty(Object.prototype, "terminal", {
  configurable: true,
  set(value) {
    Object.defineProperty(this, "terminal", {value, writable: true, configurable: true});
    if (value && value.buffer) window.__labTerminal = value;
  },
});
"""
SCREEN = """
const t = window.__labTerminal;
if (!t) return "";
const lines = [];
for (let i = 0; i < t.rows; i++) {
  const line = t.buffer.active.getLine(t.buffer.active.viewportY + i);
  lines.push(line ? line.translateToString(true) : "");
}
return lines.join("\\n");
"""


@contextmanager
def chromium(width: int = 1400, height: int = 900) -> Iterator[webdriver.Chrome]:
    """A headless chromium whose window is `width` x `height` CSS pixels."""
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    with tempfile.TemporaryDirectory(prefix="chromium-") as profile:
        for flag in (
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={profile}",
            f"--window-size={width},{height}",
            # only this machine: the page's web font (fonts.googleapis.com) fails at once
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
        ):
            options.add_argument(flag)
        driver = webdriver.Chrome(options=options, service=Service("/usr/bin/chromedriver"))
        try:
            driver.execute_cdp_cmd(
                "Page.addScriptToEvaluateOnNewDocument", {"source": CATCH_TERMINAL}
            )
            driver.set_page_load_timeout(60)
            yield driver
        finally:
            driver.quit()


def screen(driver: webdriver.Chrome) -> str:
    return str(driver.execute_script(SCREEN))


def wait_for(
    what: str, check: Callable[[], bool], shown: Callable[[], str], seconds: float = 90
) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, f"never saw {what}:\n{shown()}"
        time.sleep(0.2)


def wait_on_screen(driver: webdriver.Chrome, text: str, seconds: float = 90) -> str:
    wait_for(repr(text), lambda: text in screen(driver), lambda: screen(driver), seconds)
    return screen(driver)


def open_dashboard(driver: webdriver.Chrome, server: Served) -> None:
    driver.get(server.token_url)
    assert driver.current_url == server.base + "/", "the token stays out of the address bar"
    wait_on_screen(driver, "Containers")


def type_keys(driver: webdriver.Chrome, *keys: str) -> None:
    # focus xterm's input without a click: a click would reach the dashboard as a mouse click
    driver.execute_script("document.querySelector('.xterm-helper-textarea').focus()")
    for key in keys:
        ActionChains(driver).send_keys(key).perform()
        time.sleep(0.3)  # one key at a time, as typed
