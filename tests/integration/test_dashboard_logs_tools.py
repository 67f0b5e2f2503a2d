"""The log view's tools on real containers: filter, window, save to a file, copy."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, Label

from tests.tui.dashboard_helpers import until
from tui.engine.backend import DockerBackend
from tui.views.app import ContainerLabApp
from tui.views.logs.screen import LogsScreen
from tui.views.widgets.confirm import ConfirmScreen

IMAGE = "debian:bookworm-slim"
REQUESTS = (
    "echo 'GET /a 200'; echo 'get /b 404'; echo 'POST /c 500'; echo 'Error: disk'; "
    "echo 'error: net'; for i in $(seq 1 40); do echo printed $i; done"
)
EARLY_THEN_LATE = (
    "for i in 1 2 3; do echo early $i; done; sleep 6; "
    "i=0; while true; do echo late $i; i=$((i+1)); sleep 0.2; done"
)


def _status(screen: LogsScreen) -> str:
    return str(screen.query_one("#log-status", Label).render())


def _shown(screen: LogsScreen) -> list[str]:
    return screen.view.plain_lines()


async def _open_logs(pilot: Pilot[Any], container_id: str) -> LogsScreen:
    app = pilot.app
    assert isinstance(app, ContainerLabApp)
    await until(pilot, lambda: container_id in app.containers.rows.infos, tries=400)
    app.open_logs([container_id])
    await until(pilot, lambda: isinstance(app.screen, LogsScreen))
    await pilot.pause()
    screen = app.screen
    assert isinstance(screen, LogsScreen)
    return screen


async def _finished(pilot: Pilot[Any], container_id: str) -> LogsScreen:
    screen = await _open_logs(pilot, container_id)
    await until(pilot, lambda: "stream ended" in _status(screen), tries=400)
    return screen


async def _prompt(pilot: Pilot[Any], key: str, value: str) -> None:
    """Open a prompt with `key`, replace what it offers with `value`, and submit it."""
    await pilot.press(key)
    box = pilot.app.screen.query_one("#log-prompt", Input)
    await until(pilot, lambda: box.has_focus)
    box.value = value
    await pilot.press("enter")
    await pilot.pause()


async def test_filter_plain_regex_case_and_a_bad_regex(docker_client, test_labels, bad_input):
    container = docker_client.containers.run(
        IMAGE, ["sh", "-c", REQUESTS], labels=test_labels, detach=True
    )
    try:
        container.wait(timeout=60)
        app = ContainerLabApp(DockerBackend())
        async with app.run_test(size=(120, 36)) as pilot:
            screen = await _finished(pilot, container.id)
            assert len(_shown(screen)) == 45

            await _prompt(pilot, "f", "get")  # plain text, any case
            assert _shown(screen) == ["GET /a 200", "get /b 404"]
            assert "filter 'get' (text, any case): 2 shown" in _status(screen)
            await pilot.press("i")  # case-sensitive
            assert _shown(screen) == ["get /b 404"]
            await pilot.press("i", "x")  # any case again, as a regular expression
            await _prompt(pilot, "f", r"^(get|post) .* [45]\d\d$")
            assert _shown(screen) == ["get /b 404", "POST /c 500"]
            assert "(regex, any case)" in _status(screen)

            # a bad regex: a one-line notice, and the previous filter stays
            await _prompt(pilot, "f", "error(")
            assert "bad regular expression 'error('" in _status(screen)
            assert _shown(screen) == ["get /b 404", "POST /c 500"]
            assert screen.state.filter.pattern == r"^(get|post) .* [45]\d\d$"
            bad_input("unbalanced regex")
            # plain text again, then regex on with the same pattern
            await pilot.press("x")  # plain text now
            await _prompt(pilot, "f", "printed 1")
            assert _shown(screen) == ["printed 1"] + [f"printed {i}" for i in range(10, 20)]
            await pilot.press("x")  # as a regex "printed 1" is still valid
            assert len(_shown(screen)) == 11

            await _prompt(pilot, "f", "")  # empty clears
            assert len(_shown(screen)) == 45 and "filter off" in _status(screen)
    finally:
        container.remove(force=True)


async def test_window_last_lines_since_a_duration_and_all(docker_client, test_labels, bad_input):
    container = docker_client.containers.run(
        IMAGE, ["sh", "-c", EARLY_THEN_LATE], labels=test_labels, detach=True, init=True
    )
    try:
        app = ContainerLabApp(DockerBackend())
        async with app.run_test(size=(120, 36)) as pilot:
            screen = await _open_logs(pilot, container.id)
            await until(pilot, lambda: any("late 3" in t for t in _shown(screen)), tries=400)
            assert _shown(screen)[:3] == ["early 1", "early 2", "early 3"]

            await _prompt(pilot, "T", "3s")  # the early lines are 6 s older than any late one
            assert "window 3s" in _status(screen)
            await until(pilot, lambda: len(_shown(screen)) >= 2, tries=400)
            assert all(text.startswith("late") for text in _shown(screen))

            await _prompt(pilot, "T", "2")  # the last two lines, then the live ones
            await until(pilot, lambda: len(screen.buffer) >= 2, tries=400)
            first = screen.buffer.lines[0].text
            assert first.startswith("late") and int(first.split()[1]) > 3

            await _prompt(pilot, "T", "ten")  # not a window: a notice, the window stays
            assert "cannot read 'ten' as a window" in _status(screen)
            assert screen.state.window.tail == 2 and "window 2" in _status(screen)
            bad_input("ten")

            await _prompt(pilot, "T", "all")
            await until(pilot, lambda: _shown(screen)[:1] == ["early 1"], tries=400)
            assert "window all" in _status(screen)
    finally:
        container.remove(force=True)


async def test_save_shown_and_whole_log_and_never_overwrite_unasked(
    docker_client, test_labels, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, bad_input
):
    monkeypatch.chdir(tmp_path)
    container = docker_client.containers.run(
        IMAGE, ["sh", "-c", REQUESTS], labels=test_labels, detach=True
    )
    try:
        container.wait(timeout=60)
        app = ContainerLabApp(DockerBackend())
        async with app.run_test(size=(120, 36)) as pilot:
            screen = await _finished(pilot, container.id)
            await _prompt(pilot, "f", "printed 1")
            shown = _shown(screen)
            assert len(shown) == 11

            # the prompt offers <name>-<time>.log in the current folder
            await pilot.press("s")
            box = screen.query_one("#log-prompt", Input)
            offered = Path(box.value)
            assert offered.parent == tmp_path and offered.name.startswith(container.name)
            assert offered.suffix == ".log"
            await pilot.press("enter")
            await until(pilot, lambda: offered.exists() and "saved" in _status(screen))
            assert offered.read_text().splitlines() == shown
            assert "saved the lines shown (11 lines)" in _status(screen)

            # the same path again: asked first; no keeps the file as it was
            await _prompt(pilot, "S", str(offered))
            await until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
            await pilot.press("n")
            await until(pilot, lambda: "not saved" in _status(screen))
            assert offered.read_text().splitlines() == shown
            # yes overwrites it, here with the whole log (the filter does not apply)
            await _prompt(pilot, "S", str(offered))
            await until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
            await pilot.press("y")
            await until(pilot, lambda: "saved the whole log" in _status(screen))
            whole = offered.read_text().splitlines()
            assert whole[:5] == [
                "GET /a 200",
                "get /b 404",
                "POST /c 500",
                "Error: disk",
                "error: net",
            ]
            assert whole[5:] == [f"printed {i}" for i in range(1, 41)]

            # a folder that does not exist: one line, nothing else happens
            await _prompt(pilot, "s", str(tmp_path / "missing" / "x.log"))
            await until(pilot, lambda: "cannot save to" in _status(screen))
            assert "pick another path" in _status(screen) and isinstance(app.screen, LogsScreen)
            bad_input("missing folder")
    finally:
        container.remove(force=True)


async def test_copy_the_selected_lines(docker_client, test_labels):
    container = docker_client.containers.run(
        IMAGE, ["sh", "-c", REQUESTS], labels=test_labels, detach=True
    )
    try:
        container.wait(timeout=60)
        app = ContainerLabApp(DockerBackend())
        # A terminal clipboard cannot be read back (OSC 52 only writes), so the test records what
        # the app hands to copy_to_clipboard, then lets the real method run.
        copied: list[str] = []
        real_copy = app.copy_to_clipboard

        def record(text: str) -> None:
            copied.append(text)
            real_copy(text)

        app.copy_to_clipboard = record  # type: ignore[method-assign]
        async with app.run_test(size=(120, 36)) as pilot:
            screen = await _finished(pilot, container.id)
            await pilot.press("y")
            assert copied == [] and "nothing selected" in _status(screen)

            await pilot.press("v", "up", "up")  # from the last line, two up: three lines
            assert "3 lines selected" in _status(screen)
            await pilot.press("y")
            assert copied == ["printed 38\nprinted 39\nprinted 40"]
            assert "copied 3 lines" in _status(screen)
            assert screen.view.mark is None, "copying ends the selection"
            assert app.clipboard == copied[0]  # what Textual sent out as OSC 52
    finally:
        container.remove(force=True)
