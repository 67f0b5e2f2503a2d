"""The log view's controls on a real container: pause and resume, search, timestamps, wrap."""

from __future__ import annotations

from textual.widgets import Label

from tests.tui.dashboard_helpers import until
from tui.engine.backend import DockerBackend
from tui.views.app import ContainerLabApp
from tui.views.logs.screen import LogsScreen

TICKING = "i=0; while true; do echo tick $i; echo warn $i >&2; i=$((i+1)); sleep 0.1; done"
FINITE = "for i in $(seq 1 40); do echo printed $i; done; echo gone >&2"


def _status(screen: LogsScreen) -> str:
    return str(screen.query_one("#log-status", Label).render())


def _shown(screen: LogsScreen) -> str:
    return "\n".join(screen.view.plain_lines())


async def test_pause_resume_search_timestamps_and_wrap(docker_client, test_labels) -> None:
    container = docker_client.containers.run(
        "debian:bookworm-slim", ["sh", "-c", TICKING], detach=True, labels=test_labels, init=True
    )
    try:
        app = ContainerLabApp(DockerBackend())
        async with app.run_test(size=(120, 36)) as pilot:
            await until(pilot, lambda: container.id in app.containers.rows.infos)
            app.open_logs([container.id])
            await until(pilot, lambda: isinstance(app.screen, LogsScreen))
            await pilot.pause()  # let the screen compose
            screen = app.screen
            assert isinstance(screen, LogsScreen)
            await until(pilot, lambda: len(screen.buffer) >= 6)
            assert {line.stream for line in screen.buffer.lines} == {"stdout", "stderr"}

            # pause: lines keep arriving into the buffer but the view stays still
            await pilot.press("space")
            assert screen.state.paused and "paused" in _status(screen)
            shown_when_paused = _shown(screen)
            await until(pilot, lambda: screen.state.new_while_paused >= 6)
            assert _shown(screen) == shown_when_paused
            newest = screen.buffer.lines[-1].text
            # resume: what came in meanwhile is drawn
            await pilot.press("space")
            assert not screen.state.paused and "following" in _status(screen)
            await pilot.pause()
            assert newest in _shown(screen)

            # search: matches counted, highlighted, and the view pauses on one
            await pilot.press("slash", *"warn 3", "enter")
            await pilot.pause()
            assert screen.state.term == "warn 3" and "matches for 'warn 3'" in _status(screen)
            assert screen.state.paused, "jumping to a match pauses the view"
            match = next(line for line in screen.buffer.lines if "warn 3" in line.text)
            styled = screen.state.styled(match)
            assert any("yellow" in str(span.style) for span in styled.spans)
            assert "red" in str(styled.style) or any("red" in str(s.style) for s in styled.spans)
            await pilot.press("slash", "enter")  # an empty search clears it
            assert screen.state.term == ""

            # timestamps on: every line drawn starts with its RFC 3339 time
            await pilot.press("t")
            assert "timestamps on" in _status(screen)
            first = screen.view.plain_lines()[0]
            assert first[:4].isdigit() and first[10] == "T", first
            await pilot.press("t", "w")
            assert "timestamps off" in _status(screen) and "wrap on" in _status(screen)
            assert screen.view.wrap
            await pilot.press("escape")
            await until(pilot, lambda: not isinstance(app.screen, LogsScreen))
    finally:
        container.remove(force=True)


async def test_logs_of_a_stopped_container_show_what_it_printed(docker_client, test_labels):
    container = docker_client.containers.run(
        "debian:bookworm-slim", ["sh", "-c", FINITE], detach=True, labels=test_labels
    )
    try:
        assert container.wait(timeout=60)["StatusCode"] == 0
        app = ContainerLabApp(DockerBackend())
        async with app.run_test(size=(120, 36)) as pilot:
            await until(pilot, lambda: container.id in app.containers.rows.infos)
            app.open_logs([container.id])
            await until(pilot, lambda: isinstance(app.screen, LogsScreen))
            await pilot.pause()  # let the screen compose
            screen = app.screen
            assert isinstance(screen, LogsScreen)
            await until(pilot, lambda: "stream ended" in _status(screen))
            # The engine copies stdout and stderr in separate goroutines, so the stderr
            # line may land anywhere; each stream keeps its own order.
            lines = screen.buffer.lines
            stdout = [line.text for line in lines if line.stream == "stdout"]
            stderr = [line.text for line in lines if line.stream == "stderr"]
            assert stdout == [f"printed {i}" for i in range(1, 41)]
            assert stderr == ["gone"]
            assert "printed 40" in _shown(screen)
    finally:
        container.remove(force=True)
