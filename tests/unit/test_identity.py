"""USER_ID and GROUP_ID in .env: created when missing, refused with one line when malformed."""

from __future__ import annotations

import grp
import os
import pwd
from pathlib import Path

import pytest

from tui.cli import main
from tui.errors import LabError
from tui.lab.identity import (
    FREE_ID_START,
    LabIdentity,
    ensure_identity,
    free_identity,
    load_identity,
    parse_user_id,
)


def test_a_missing_env_file_is_written_with_non_root_ids(tmp_path: Path) -> None:
    identity = ensure_identity(tmp_path / ".env")
    assert identity.uid != 0 and identity.gid != 0
    if os.getuid() != 0:
        assert (identity.uid, identity.gid) == (os.getuid(), os.getgid())
    assert load_identity(tmp_path / ".env") == identity


@pytest.mark.bad_input
@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ("USER_ID=0\nGROUP_ID=1000\n", "non-root numeric id"),
        ("USER_ID=abc\nGROUP_ID=1000\n", "non-root numeric id"),
        ("USER_ID=-5\nGROUP_ID=1000\n", "non-root numeric id"),
        ("USER_ID=1000\n", "has no GROUP_ID"),
        ("GROUP_ID=1000\n", "has no USER_ID"),
        ("USER_ID 1000\n", "not KEY=VALUE"),
        ("USER_ID=99999999999\nGROUP_ID=1\n", "non-root numeric id"),
        ("USER_ID=\nGROUP_ID=1000\n", "non-root numeric id"),
    ],
)
def test_malformed_env_values_give_one_clear_line(
    tmp_path: Path, content: str, fragment: str
) -> None:
    env = tmp_path / ".env"
    env.write_text(content)
    with pytest.raises(LabError) as caught:
        load_identity(env)
    assert fragment in str(caught.value)
    assert "\n" not in str(caught.value)


def test_quotes_comments_and_export_are_understood(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text("# ids\nexport USER_ID=\"1234\"\n\nGROUP_ID='99'\n")
    identity = load_identity(env)
    assert (identity.uid, identity.gid) == (1234, 99)


def test_the_free_id_belongs_to_no_account_and_no_group() -> None:
    identity = free_identity()
    assert identity.uid == identity.gid >= FREE_ID_START
    with pytest.raises(KeyError):
        pwd.getpwuid(identity.uid)
    with pytest.raises(KeyError):
        grp.getgrgid(identity.gid)


def test_user_id_takes_uid_and_optional_gid(tmp_path: Path) -> None:
    assert parse_user_id("1500:1600") == LabIdentity(1500, 1600)
    assert parse_user_id("54321") == LabIdentity(54321, 54321)  # no account: its own group
    assert parse_user_id("65534").gid == pwd.getpwuid(65534).pw_gid  # nobody's own group
    env = tmp_path / ".env"
    assert ensure_identity(env, LabIdentity(1500, 1600)) == LabIdentity(1500, 1600)
    assert load_identity(env) == LabIdentity(1500, 1600)  # a missing .env gets it
    assert ensure_identity(env, LabIdentity(1700, 1700)) == LabIdentity(1700, 1700)
    assert load_identity(env) == LabIdentity(1500, 1600)  # an existing .env is left alone


@pytest.mark.bad_input
@pytest.mark.parametrize("value", ["0", "0:5", "5:0", "abc", "12:x", "-3", "1:2:3", "99999999999"])
def test_a_bad_user_id_gives_one_clear_line(value: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["train", "--user-id", value]) == 2
    err = capsys.readouterr().err
    assert err.startswith("container-lab: --user-id") and err.count("\n") == 1
