"""A lesson state another uid wrote is never trusted: the real second account forges one.

The second account (tests/second_user.py) writes what a viewer would show: a measured lesson with
made-up figures. Whether it lands in the lab's own folder (a moment when `.lab/live` was open to
all) or it made the folder itself first, every viewer refuses it in one line and shows none of
its figures, and the runner refuses to publish into a folder that is not its own.
"""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path

import psutil
import pytest

from tests.second_user import SecondUser, reachable_folder, run_as, second_user
from tests.unit.test_lesson_broadcast import result
from tui.baseline.broadcast import (
    MEASURED,
    NAME,
    LessonBroadcast,
    LessonState,
    lesson_state,
    to_body,
)
from tui.paths import LabPaths
from tui.published import FORMAT, document_path

FORGE = """
import json, sys
with open(sys.argv[1], "w") as out:
    out.write(sys.argv[2])
"""


def forged(writer_pid: int) -> str:
    """A well-formed lesson document, as if a live dashboard had measured these figures."""
    body = to_body(LessonState(MEASURED, "forged", "debian:bookworm-slim", "2026", result=result()))
    started = int(psutil.Process(writer_pid).create_time())  # alive: this very process
    writer = {"pid": writer_pid, "started": started, "host": socket.gethostname()}
    return json.dumps({"format": FORMAT, "writer": writer, "updated": "2026", "body": body})


def forge_as(user: SecondUser, path: Path) -> None:
    done = run_as(user, ["/usr/bin/python3", "-c", FORGE, str(path), forged(os.getpid())])
    assert done.returncode == 0, done.stderr
    assert path.stat().st_uid == user.uid


def refused(paths: LabPaths, uid: int, where: Path) -> None:
    watched = lesson_state(paths)
    assert watched.state is None and not watched.running, watched
    assert watched.error.startswith(f"{where} is not trusted: it belongs to uid {uid}"), watched
    assert "\n" not in watched.error


@pytest.mark.bad_input
def test_a_lesson_state_another_uid_wrote_is_never_trusted(bad_input) -> None:
    with second_user() as user, reachable_folder() as project:
        paths = LabPaths(project)
        mine = LessonBroadcast(paths)
        mine.started("mine", "debian:bookworm-slim")  # the lab's folders, made by the runner
        live = project / ".lab" / "live"
        assert lesson_state(paths).state is not None

        # 1. The folder was open to all for a moment: the second account wrote the document.
        live.chmod(0o777)
        (project / ".lab").chmod(0o755)
        path = document_path(paths, NAME)
        path.unlink()
        forge_as(user, path)
        live.chmod(0o700)
        refused(paths, user.uid, path)
        bad_input("a lesson document another uid wrote in the lab's folder")

        # Its lock file too: the runner refuses to claim through it, in one line.
        lock = path.with_suffix(".lock")
        live.chmod(0o777)
        forge_as(user, lock)
        live.chmod(0o700)
        with pytest.raises(Exception, match=f"belongs to uid {user.uid}") as refusal:
            LessonBroadcast(paths).claim()
        assert "\n" not in str(refusal.value)
        bad_input("a lock file another uid made")

        # 2. The second account made `.lab/live` itself (before the lab did).
        for item in live.iterdir():
            item.unlink()
        live.rmdir()
        (project / ".lab").chmod(0o777)
        made = run_as(user, ["/usr/bin/mkdir", "-m", "700", str(live)])
        assert made.returncode == 0, made.stderr
        run_as(user, ["/usr/bin/chmod", "755", str(live)])
        forge_as(user, path)
        (project / ".lab").chmod(0o700)
        refused(paths, user.uid, live)
        said: list[str] = []
        LessonBroadcast(paths, said.append).started("mine-again", "img")
        assert len(said) == 1 and f"belongs to uid {user.uid}" in said[0], said
        assert json.loads(path.read_text())["body"]["run_id"] == "forged"  # nothing written
        bad_input("a live folder another uid made")
