"""`container-lab --serve` in a real browser (Debian's chromium, headless, driven by selenium:
tests/integration/browser.py reads the screen from the page's xterm.js buffer)."""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import docker
import pytest
from docker.errors import NotFound
from selenium import webdriver
from selenium.webdriver.common.keys import Keys

from tests.integration.browser import (  # also what test_serve_token_ports uses
    chromium,
    open_dashboard,
    screen,
    type_keys,
    wait_for,
    wait_on_screen,
)
from tests.integration.serve_harness import served
from tests.tui.test_lesson_viewer import DIES_MID_LESSON
from tui.paths import PROJECT_ENV
from tui.views.baseline.panel import VIEWER_TEXT

pytestmark = [pytest.mark.slow, pytest.mark.docker]


@pytest.fixture()
def browser() -> Iterator[webdriver.Chrome]:
    with chromium() as driver:
        yield driver


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


def test_read_only_remove_in_the_browser_changes_nothing_and_a_killed_lesson_shows_ended(
    browser: webdriver.Chrome,
    docker_client: docker.DockerClient,
    test_labels: dict[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    fault,
) -> None:
    """Then, in the same session, the class's lesson: its runner is the lesson's real
    broadcast in a process that SIGKILLs itself mid-lesson (booting its VM), with no unit
    (test_lesson_guardian.py shows that none outlives its runner; test_dashboard_lesson.py
    shows a real lesson in this browser)."""
    monkeypatch.setenv(PROJECT_ENV, str(tmp_path))  # the served dashboards' lab
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

            type_keys(browser, "4")
            wait_on_screen(browser, VIEWER_TEXT[:40])
            runner = subprocess.run([sys.executable, "-c", DIES_MID_LESSON, str(tmp_path)])
            assert runner.returncode == -signal.SIGKILL, runner
            shown = wait_on_screen(browser, "The lesson ended: the dashboard that ran it is gone.")
            assert shown.count("─ ended ─") == 3, shown  # each card says so, in words
            assert "Run the lesson" not in shown and "m runs" not in shown, shown
    finally:
        docker_client.containers.get(container_id).remove(force=True)
    fault("the lesson's runner killed mid-lesson, seen from the class's browser")


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
