"""`e` opens a shell in the container, for real: the dashboard runs in a pseudo-terminal.

Pilot's headless driver cannot suspend the app, so this test drives the console script the way
a person does: keys in through a pty, the screen's text out of it (tests/integration/terminal.py).
"""

from __future__ import annotations

import docker
import pytest

from tests.integration.terminal import SCRIPT, Terminal


@pytest.mark.slow
def test_shell_key_runs_a_shell_inside_the_container_and_comes_back(
    docker_client: docker.DockerClient, test_labels: dict[str, str]
) -> None:
    name = f"shell-{test_labels['org.container-lab.test']}"
    container = docker_client.containers.run(
        "debian:bookworm-slim", ["sleep", "600"], name=name, detach=True, labels=test_labels
    )
    terminal = Terminal([str(SCRIPT)])
    try:
        terminal.expect(name)
        terminal.send("/")
        terminal.expect("filter: name, image")  # the box has the focus: the footer shows only "/"
        terminal.send(name)  # filter down to it
        focused = terminal.mark()
        terminal.send("\r")  # enter gives the focus back to the table...
        terminal.expect("Shell", focused)  # ...whose keys the footer shows again: "e Shell"
        before_shell = terminal.mark()
        terminal.send("e")
        terminal.expect("exit the shell to come back", before_shell)
        terminal.send("echo in-$(hostname)-$((6*7))\r")
        terminal.expect(f"in-{container.id[:12]}-42", before_shell)
        after_shell = terminal.mark()
        terminal.send("exit\r")
        terminal.expect(name, after_shell)  # the dashboard draws itself again
        terminal.send("q")
        assert terminal.wait(30) == 0, terminal.text()[-1500:]
    finally:
        terminal.kill()
        container.remove(force=True)
