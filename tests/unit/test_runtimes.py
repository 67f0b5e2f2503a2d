"""Registering gVisor's runsc in daemon.json: the merge is a pure function of the document."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tui.engine.runtimes import (
    RUNSC_ARGS,
    ensure_runsc_config,
    how_to_add_runsc,
    merge_runsc,
    read_daemon_json,
)
from tui.errors import LabError

RUNSC = {"path": "/usr/bin/runsc", "runtimeArgs": ["--platform=ptrace", "--network=host"]}


def test_merge_keeps_other_keys_and_runtimes():
    config = {
        "log-driver": "json-file",
        "runtimes": {"kata": {"path": "/usr/bin/kata-runtime"}},
    }
    merged = merge_runsc(config)
    assert merged == {
        "log-driver": "json-file",
        "runtimes": {"kata": {"path": "/usr/bin/kata-runtime"}, "runsc": RUNSC},
    }
    assert config["runtimes"] == {"kata": {"path": "/usr/bin/kata-runtime"}}  # not mutated


def test_merge_into_nothing_and_replace_a_stale_runsc():
    assert merge_runsc({}) == {"runtimes": {"runsc": RUNSC}}
    stale = {"runtimes": {"runsc": {"path": "/usr/bin/runsc"}}}  # no --network=host: fails
    assert merge_runsc(stale)["runtimes"]["runsc"]["runtimeArgs"] == list(RUNSC_ARGS)


def test_merge_refuses_a_runtimes_key_that_is_not_an_object():
    with pytest.raises(LabError, match="fix it by hand"):
        merge_runsc({"runtimes": ["runsc"]})


def test_ensure_writes_once_and_keeps_the_rest(tmp_path: Path):
    path = tmp_path / "daemon.json"
    path.write_text(json.dumps({"debug": True}))
    assert ensure_runsc_config(path) is True
    assert json.loads(path.read_text()) == {"debug": True, "runtimes": {"runsc": RUNSC}}
    assert ensure_runsc_config(path) is False  # already there: no rewrite, no reload needed
    assert [p.name for p in tmp_path.iterdir()] == ["daemon.json"]  # no temporary file left


def test_missing_empty_and_broken_files(tmp_path: Path):
    assert read_daemon_json(tmp_path / "none.json") == {}
    empty = tmp_path / "empty.json"
    empty.write_text("")
    assert read_daemon_json(empty) == {}
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    with pytest.raises(LabError, match="not valid JSON"):
        ensure_runsc_config(broken)
    assert broken.read_text() == "{not json"  # left for a person to fix


def test_how_to_add_is_one_line_with_the_snippet_and_the_reload():
    line = how_to_add_runsc()
    assert "\n" not in line
    snippet = line[line.index("{") : line.rindex("}") + 1]
    assert json.loads(snippet) == {"runtimes": {"runsc": RUNSC}}
    assert "kill -HUP" in line and "/var/run/docker.pid" in line
