"""The lab's gVisor runtime in daemon.json: added by insertion, every other byte kept."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tui.engine import runtimes
from tui.engine.runtimes import (
    LAB_RUNTIME,
    ensure_lab_runtime,
    how_to_add_runsc,
    read_daemon_json,
    record_started_engine,
    started_by_lab,
)
from tui.errors import LabError

OURS = {"path": "/usr/bin/runsc", "runtimeArgs": ["--platform=ptrace", "--network=host"]}
# An administrator's file: their own runsc (no --network=host), odd spacing, keys in their order.
ADMIN = """{
    "log-driver":"json-file",
  "runtimes" : { "runsc":{"path": "/usr/local/bin/runsc" ,
      "runtimeArgs": ["--platform=systrap"]},
     "kata": {"path": "/usr/bin/kata-runtime"} },
  "debug": false
}
"""


def assert_only_inserted(before: str, after: str) -> str:
    """`after` is `before` with one piece inserted somewhere; that piece."""
    prefix = next(
        (i for i, (a, b) in enumerate(zip(before, after, strict=False)) if a != b), len(before)
    )
    inserted = len(after) - len(before)
    assert inserted > 0 and after[:prefix] == before[:prefix], after
    assert after[prefix + inserted :] == before[prefix:], "bytes after the insertion changed"
    return after[prefix : prefix + inserted]


def test_an_administrators_runsc_and_everything_else_stay_byte_for_byte(tmp_path: Path) -> None:
    path = tmp_path / "daemon.json"
    path.write_text(ADMIN)
    assert ensure_lab_runtime(path) is True
    after = path.read_text()
    assert LAB_RUNTIME in assert_only_inserted(ADMIN, after)
    document = json.loads(after)
    assert document["runtimes"]["runsc"] == json.loads(ADMIN)["runtimes"]["runsc"]
    assert document["runtimes"][LAB_RUNTIME] == OURS
    assert list(document) == ["log-driver", "runtimes", "debug"]
    assert ensure_lab_runtime(path) is False  # there already: no rewrite, no reload
    assert path.read_text() == after
    assert [p.name for p in tmp_path.iterdir()] == ["daemon.json"]  # no temporary file left


@pytest.mark.parametrize(
    "before",
    ['{"debug": true}\n', "{}", '{ "runtimes": {} }', '{"runtimes": {"kata": {"path": "k"}}}'],
)
def test_the_runtime_is_inserted_into_any_object(tmp_path: Path, before: str) -> None:
    path = tmp_path / "daemon.json"
    path.write_text(before)
    ensure_lab_runtime(path)
    assert_only_inserted(before, path.read_text())
    expected = json.loads(before)
    expected["runtimes"] = {**expected.get("runtimes", {}), LAB_RUNTIME: OURS}
    assert json.loads(path.read_text()) == expected


def test_only_our_own_stale_entry_changes(tmp_path: Path) -> None:
    path = tmp_path / "daemon.json"
    before = '{"runtimes": {"runsc": {"path": "x"}, "container-lab-runsc": {"path": "old"}}}'
    path.write_text(before)
    ensure_lab_runtime(path)
    after = path.read_text()
    assert after.startswith('{"runtimes": {"runsc": {"path": "x"}, "container-lab-runsc": ')
    assert json.loads(after)["runtimes"] == {"runsc": {"path": "x"}, LAB_RUNTIME: OURS}


def test_a_missing_or_empty_file_gets_a_fresh_document_and_the_mode_is_kept(
    tmp_path: Path,
) -> None:
    missing = tmp_path / "missing.json"
    assert ensure_lab_runtime(missing) is True
    assert json.loads(missing.read_text()) == {"runtimes": {LAB_RUNTIME: OURS}}
    empty = tmp_path / "empty.json"
    empty.write_text("")
    empty.chmod(0o600)
    ensure_lab_runtime(empty)
    assert (empty.stat().st_mode & 0o777) == 0o600
    assert read_daemon_json(tmp_path / "none.json") == {}


@pytest.mark.bad_input
@pytest.mark.parametrize(
    ("text", "fragment"),
    [("{not json", "not valid JSON"), ("[]", "not a JSON object"), ('{"runtimes": []}', "not an")],
)
def test_a_file_it_cannot_read_is_left_for_a_person(
    tmp_path: Path, text: str, fragment: str
) -> None:
    path = tmp_path / "daemon.json"
    path.write_text(text)
    with pytest.raises(LabError, match=fragment) as caught:
        ensure_lab_runtime(path)
    assert "\n" not in str(caught.value)
    assert path.read_text() == text


def test_how_to_add_is_one_line_with_the_snippet_and_the_reload() -> None:
    line = how_to_add_runsc()
    assert "\n" not in line
    snippet = line[line.index("{") : line.rindex("}") + 1]
    assert json.loads(snippet) == {"runtimes": {LAB_RUNTIME: OURS}}
    assert "kill -HUP" in line and "/var/run/docker.pid" in line and "--gvisor" in line


def test_an_engine_is_the_labs_only_while_its_recorded_process_runs(tmp_path: Path) -> None:
    record = tmp_path / "engine.json"
    nothing = tmp_path / "no.pid"
    with subprocess.Popen(["sleep", "60"]) as process:
        record_started_engine(process.pid, "unix:///x.sock", tmp_path / "d.json", record)
        owned = started_by_lab("unix:///x.sock", record, nothing)
        assert owned is not None and (owned.pid, owned.config) == (
            process.pid,
            str(tmp_path / "d.json"),
        )
        assert started_by_lab("unix:///other.sock", record, nothing) is None
        process.kill()
    assert started_by_lab("unix:///x.sock", record, nothing) is None  # gone: not the lab's now
    assert started_by_lab("unix:///x.sock", tmp_path / "none.json", nothing) is None


def _wait_for_exec(pid: int, argv0: str) -> None:
    """Until the child has exec'd (before that, /proc shows the forked test process)."""
    deadline = time.monotonic() + 60
    cmdline = Path(f"/proc/{pid}/cmdline")
    while cmdline.read_bytes() != f"{argv0}\0".encode():
        assert time.monotonic() < deadline, f"the stand-in never became {argv0}"
        time.sleep(0.01)


def test_a_dockerd_an_older_lab_started_is_recognised(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A stand-in process with the older lab's marks (its command line is `dockerd` alone and its
    output goes to the lab's log): a real second dockerd cannot run beside the machine's with
    that command line, so this is the one place a stand-in is used."""
    log = tmp_path / "container-lab-dockerd.log"
    monkeypatch.setattr(runtimes, "LEGACY_DOCKERD_LOG", log)
    pid_file = tmp_path / "docker.pid"
    none = tmp_path / "none.json"
    with log.open("ab") as output:
        for argv0, marked in (("dockerd", True), ("dockerd-elsewhere", False)):
            stand_in = subprocess.Popen(
                [argv0], executable=sys.executable, stdin=subprocess.PIPE, stdout=output
            )
            try:
                _wait_for_exec(stand_in.pid, argv0)
                pid_file.write_text(f"{stand_in.pid}\n")
                found = started_by_lab("unix:///var/run/docker.sock", none, pid_file)
                assert (found is not None) is marked, argv0
            finally:
                stand_in.kill()
                stand_in.wait()
    pid_file.write_text(f"{os.getpid()}\n")  # pytest: not `dockerd`, not writing to the log
    assert started_by_lab("unix:///var/run/docker.sock", none, pid_file) is None
