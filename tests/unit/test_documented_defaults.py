"""README's documented defaults and ids, each written out here as the README states it:
`verify --timeout` 300 s, `--serve --max-sessions` 4, and a missing `.env` written with the
ids of the account that ran sudo ($SUDO_UID and $SUDO_GID)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tui.cli import build_parser
from tui.lab.identity import ensure_identity, load_identity


def test_verify_waits_300_seconds_unless_told():
    args = build_parser().parse_args(["verify", "models/m.tar.gz"])
    assert args.timeout == 300.0
    assert build_parser().parse_args(["verify", "m.tar.gz", "--timeout", "5"]).timeout == 5.0


def test_serve_runs_at_most_4_sessions_unless_told():
    args = build_parser().parse_args(["--serve"])
    assert args.max_sessions == 4
    assert build_parser().parse_args(["--serve", "--max-sessions", "9"]).max_sessions == 9


def test_as_root_through_sudo_a_missing_env_gets_the_sudo_callers_ids(tmp_path, monkeypatch):
    if os.getuid() != 0:
        pytest.skip("only root (as sudo runs the lab) reads $SUDO_UID; CI runs as root")
    monkeypatch.setenv("SUDO_UID", "4321")
    monkeypatch.setenv("SUDO_GID", "4322")
    env = tmp_path / ".env"  # tmp_path is root's: the folder's owner would give another answer
    identity = ensure_identity(env)
    assert (identity.uid, identity.gid) == (4321, 4322)
    assert "USER_ID=4321\nGROUP_ID=4322\n" in env.read_text()
    assert load_identity(env) == identity


def test_sudo_to_root_itself_does_not_hand_root_the_lab(tmp_path: Path, monkeypatch):
    if os.getuid() != 0:
        pytest.skip("only root reads $SUDO_UID; CI runs as root")
    monkeypatch.setenv("SUDO_UID", "0")
    monkeypatch.setenv("SUDO_GID", "0")
    identity = ensure_identity(tmp_path / ".env")
    assert identity.uid != 0 and identity.gid != 0
