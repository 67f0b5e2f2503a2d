"""tui/published.py on real files and real processes: one writer, many readers, nothing trusted
that someone else could have written (another uid's file: integration/test_published_trust.py).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tui.paths import LabPaths
from tui.published import (
    MAX_BYTES,
    Follower,
    Publisher,
    Seen,
    Writer,
    document_path,
    read_published,
)

HOLDER = """
import sys, time
from pathlib import Path
from tui.paths import LabPaths
from tui.published import Publisher
publisher = Publisher(LabPaths(Path(sys.argv[1])), "doc")
assert publisher.claim()
publisher.publish({"who": "the other process"})
print("claimed", flush=True)
time.sleep(600)
"""


def holder(project: Path) -> subprocess.Popen[str]:
    """Another process that claims and publishes "doc", then sleeps."""
    process = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(project)], stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None and process.stdout.readline() == "claimed\n"
    return process


def test_a_published_document_reads_back_with_its_live_writer(tmp_path: Path) -> None:
    paths = LabPaths(tmp_path)
    assert read_published(paths, "doc") == Seen()  # nothing yet: no error either
    publisher = Publisher(paths, "doc")
    publisher.publish({"phase": "booting", "figures": [1, 2.5, None]})
    seen = read_published(paths, "doc")
    assert seen.body == {"phase": "booting", "figures": [1, 2.5, None]}
    assert seen.writer == Writer.me() and seen.alive and not seen.error


def test_files_and_folders_get_exact_modes_whatever_the_umask(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        publisher = Publisher(LabPaths(tmp_path), "doc")
        assert publisher.claim()
        publisher.publish({"n": 1})
    finally:
        os.umask(old)
        publisher.release()
    assert (tmp_path / ".lab").stat().st_mode & 0o777 == 0o700
    assert (tmp_path / ".lab" / "live").stat().st_mode & 0o777 == 0o700
    assert document_path(LabPaths(tmp_path), "doc").stat().st_mode & 0o777 == 0o600
    assert [p.name for p in (tmp_path / ".lab" / "live").iterdir() if p.suffix == ".tmp"] == []


def test_one_process_holds_the_claim_until_it_dies(tmp_path: Path) -> None:
    paths = LabPaths(tmp_path)
    other = holder(tmp_path)
    try:
        mine = Publisher(paths, "doc")
        assert not mine.claim(), "two processes held the same claim"
        seen = read_published(paths, "doc")
        assert seen.alive and seen.writer is not None and seen.writer.pid == other.pid
        other.send_signal(signal.SIGKILL)  # no code of its own runs: the kernel drops the lock
        other.wait()
        assert mine.claim()
        seen = read_published(paths, "doc")
        assert seen.body == {"who": "the other process"} and not seen.alive
    finally:
        other.kill()
        other.wait()


def test_a_reader_never_sees_half_a_document(tmp_path: Path) -> None:
    paths = LabPaths(tmp_path)
    publisher = Publisher(paths, "doc")
    publisher.publish({"n": 0, "pad": ""})
    stop = threading.Event()

    def write() -> None:
        n = 0
        while not stop.is_set():
            n += 1
            publisher.publish({"n": n, "pad": "x" * (n % 7 * 20_000)})

    writer = threading.Thread(target=write)
    writer.start()
    try:
        bodies = [read_published(paths, "doc") for _ in range(300)]
    finally:
        stop.set()
        writer.join()
    assert all(not seen.error and seen.body is not None for seen in bodies), [
        seen.error for seen in bodies if seen.error
    ][:3]
    assert len({seen.body["n"] for seen in bodies if seen.body}) > 1  # it did change meanwhile


def one_line(seen: Seen, *words: str) -> None:
    assert seen.body is None and "\n" not in seen.error, seen
    for word in words:
        assert word in seen.error, seen.error


@pytest.mark.bad_input
def test_what_a_reader_refuses_it_says_in_one_line(tmp_path: Path, bad_input) -> None:
    paths = LabPaths(tmp_path)
    Publisher(paths, "doc").publish({"ok": True})
    path = document_path(paths, "doc")
    live = path.parent

    secret = tmp_path / "elsewhere.json"
    secret.write_text(path.read_text())
    path.unlink()
    path.symlink_to(secret)
    one_line(read_published(paths, "doc"), str(path), "link", "remove")
    bad_input("a link where the document was")

    path.unlink()
    path.write_text(secret.read_text())
    path.chmod(0o666)
    one_line(read_published(paths, "doc"), "group or others can write it (mode 0666)")
    bad_input("a document others can write")
    path.chmod(0o600)

    live.chmod(0o777)
    one_line(read_published(paths, "doc"), str(live), "(mode 0777)")
    bad_input("a live folder others can write")
    live.chmod(0o700)

    for content, words, name in [
        (b"{not json", ("not a document of this lab",), "not JSON"),
        (b"\xff\xfe", ("not a document of this lab",), "not UTF-8"),
        (json.dumps({"format": 99}).encode(), ("format 99",), "another format"),
        (json.dumps({"format": 1, "writer": {}, "body": {}}).encode(), ("pid",), "no writer"),
        (b" " * (MAX_BYTES + 1), (f"larger than {MAX_BYTES} bytes",), "a huge file"),
    ]:
        path.write_bytes(content)
        one_line(read_published(paths, "doc"), *words)
        bad_input(name)

    path.unlink()
    path.mkdir()
    one_line(read_published(paths, "doc"), "not a regular file")
    bad_input("a folder where the document was")


@pytest.mark.bad_input
def test_the_writer_refuses_a_planted_link_and_writes_beside_it(tmp_path: Path, bad_input) -> None:
    paths = LabPaths(tmp_path)
    target = tmp_path / "victim.txt"
    target.write_text("keep me")
    (tmp_path / ".lab").mkdir(mode=0o700)
    (tmp_path / ".lab" / "live").symlink_to(tmp_path)  # the folder itself, a link
    with pytest.raises(Exception, match="link or not a folder") as refused:
        Publisher(paths, "doc").publish({"x": 1})
    assert "\n" not in str(refused.value)
    bad_input("a link for the live folder")
    (tmp_path / ".lab" / "live").unlink()
    Publisher(paths, "doc").publish({"x": 1})
    path = document_path(paths, "doc")
    path.unlink()
    path.symlink_to(target)  # the document a link to a file of the user's
    Publisher(paths, "doc").publish({"x": 2})  # the rename replaces the link, not its target
    assert target.read_text() == "keep me"
    assert not path.is_symlink() and read_published(paths, "doc").body == {"x": 2}
    bad_input("a link for the document")


def test_a_follower_reports_changes_within_a_second_and_a_writer_gone(tmp_path: Path) -> None:
    paths = LabPaths(tmp_path)
    seen: list[Seen] = []
    arrived = threading.Condition()

    def report(found: Seen) -> None:
        with arrived:
            seen.append(found)
            arrived.notify_all()

    def wait_for(check, what: str, seconds: float = 30.0) -> None:
        with arrived:
            assert arrived.wait_for(lambda: seen and check(seen[-1]), seconds), (what, seen)

    follower = Follower(paths, "doc", report)
    follower.start()
    other = None
    try:
        wait_for(lambda s: s == Seen(), "nothing published")
        publisher = Publisher(paths, "doc")
        for n in range(5):  # each one seen (the follower polls every 0.25 s)
            publisher.publish({"n": n})
            wait_for(lambda s, n=n: s.body == {"n": n}, f"document {n}")
        other = holder(tmp_path)
        wait_for(lambda s: s.body == {"who": "the other process"} and s.alive, "the other")
        other.kill()
        other.wait()
        wait_for(lambda s: s.body == {"who": "the other process"} and not s.alive, "it gone")
        count = len(seen)
        time.sleep(1.5)  # nothing changes: nothing more is reported
        assert len(seen) == count, seen[count:]
    finally:
        follower.close()
        if other is not None:
            other.kill()
            other.wait()
