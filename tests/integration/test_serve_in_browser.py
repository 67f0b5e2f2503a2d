"""`container-lab --serve` in a real browser (Debian's chromium, headless, driven by selenium).

The page's script keeps its xterm.js terminal to itself; a script added before the page's own
catches it when the page stores it (`this.terminal = ...`), and the test reads the screen from
the terminal's buffer, as the user sees it. Keys go to the terminal as typed keys.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable, Iterator

import docker
import pytest
from docker.errors import NotFound
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.keys import Keys

from tests.integration.serve_harness import Served, served

pytestmark = [pytest.mark.slow, pytest.mark.docker]

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


@pytest.fixture()
def browser() -> Iterator[webdriver.Chrome]:
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
            "--window-size=1400,900",
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


def wait_for(what: str, check: Callable[[], bool], shown: Callable[[], str]) -> None:
    deadline = time.monotonic() + 90
    while not check():
        assert time.monotonic() < deadline, f"never saw {what}:\n{shown()}"
        time.sleep(0.2)


def wait_on_screen(driver: webdriver.Chrome, text: str) -> str:
    wait_for(repr(text), lambda: text in screen(driver), lambda: screen(driver))
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


def select_only(driver: webdriver.Chrome, name: str) -> None:
    """Filter the containers table down to `name`, with the cursor on it."""
    type_keys(driver, "/", *name, Keys.ENTER)
    wait_on_screen(driver, name)


def sleeper(client: docker.DockerClient, labels: dict[str, str], name: str) -> str:
    return client.containers.run(
        "debian:bookworm-slim", ["sleep", "600"], name=name, detach=True, labels=labels
    ).id


def exists(client: docker.DockerClient, container_id: str) -> bool:
    try:
        client.containers.get(container_id)
    except NotFound:
        return False
    return True


def test_with_the_token_the_dashboard_runs_in_the_browser_and_without_it_403(
    browser: webdriver.Chrome, docker_client: docker.DockerClient, test_labels: dict[str, str]
) -> None:
    tag = test_labels["org.container-lab.test"]
    name, victim = f"served-{tag}", f"victim-{tag}"
    ids = [sleeper(docker_client, test_labels, n) for n in (name, victim)]
    try:
        with served() as server:
            browser.get(server.base + "/")
            wait_for(
                "the refusal",
                lambda: "needs its token" in browser.page_source,
                lambda: browser.page_source[-500:],
            )
            open_dashboard(browser, server)
            # the token stays in this tab's sessionStorage; no cookie carries anything
            assert browser.get_cookies() == []
            stored = "return sessionStorage.getItem('container-lab-token')"
            assert browser.execute_script(stored) == server.token
            wait_on_screen(browser, name)
            # the keys reach the dashboard: Remove, then yes, removes the container
            select_only(browser, victim)
            type_keys(browser, "D")
            wait_on_screen(browser, f"Remove container {victim}?")
            type_keys(browser, "y")
            wait_for(
                "the removal", lambda: not exists(docker_client, ids[1]), lambda: screen(browser)
            )
    finally:
        for container_id in ids:
            if exists(docker_client, container_id):
                docker_client.containers.get(container_id).remove(force=True)


def test_read_only_remove_in_the_browser_changes_nothing(
    browser: webdriver.Chrome, docker_client: docker.DockerClient, test_labels: dict[str, str]
) -> None:
    name = f"kept-{test_labels['org.container-lab.test']}"
    container_id = sleeper(docker_client, test_labels, name)
    try:
        with served("--read-only") as server:
            open_dashboard(browser, server)
            assert "read-only" in wait_on_screen(browser, name)
            select_only(browser, name)
            type_keys(browser, "D", "y", Keys.DELETE, "y", "K", "y", "t", "y")
            type_keys(browser, "a")  # typed after the others: once shown, they were all handled
            on_screen = wait_on_screen(browser, "showing running containers")
            assert "Remove container" not in on_screen
            assert exists(docker_client, container_id)
            assert docker_client.containers.get(container_id).status == "running"
    finally:
        docker_client.containers.get(container_id).remove(force=True)


def test_a_second_session_over_the_cap_gets_the_full_page(browser: webdriver.Chrome) -> None:
    with served("--max-sessions", "1") as server:
        open_dashboard(browser, server)
        first = browser.current_window_handle
        browser.switch_to.new_window("tab")
        browser.get(server.base + "/")
        assert "Container Lab is full" in browser.page_source
        assert "All 1 sessions are in use" in browser.page_source
        browser.switch_to.window(first)
        assert "Containers" in screen(browser)  # the first session still runs
