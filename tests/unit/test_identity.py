"""USER_ID and GROUP_ID in .env: created when missing, refused with one line when malformed."""

from __future__ import annotations

import grp
import os
import pwd
import stat
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
        ("USER_ID=\u0663\u0663\nGROUP_ID=1000\n", "in ASCII digits"),  # int() reads 33
        ("USER_ID=5000\nGROUP_ID=\uff11\n", "in ASCII digits"),  # a fullwidth 1
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
@pytest.mark.parametrize(
    "value", ["0", "0:5", "5:0", "abc", "12:x", "-3", "1:2:3", "99999999999", "\u0663\u0663"]
)
def test_a_bad_user_id_gives_one_clear_line(value: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["train", "--user-id", value]) == 2
    err = capsys.readouterr().err
    assert err.startswith("container-lab: --user-id") and err.count("\n") == 1


def test_env_is_written_644_whatever_the_umask(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        ensure_identity(tmp_path / ".env")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / ".env").stat().st_mode) == 0o644


def _another_account() -> pwd.struct_passwd:
    return next(p for p in pwd.getpwall() if p.pw_uid not in (0, os.geteuid(), os.getuid()))


@pytest.mark.bad_input
def test_env_naming_another_existing_account_is_refused_but_user_id_may(tmp_path: Path) -> None:
    account = _another_account()
    env = tmp_path / ".env"
    env.write_text(f"USER_ID={account.pw_uid}\nGROUP_ID={account.pw_gid}\n")
    with pytest.raises(LabError) as caught:
        ensure_identity(env)
    message = str(caught.value)
    assert f"--user-id {account.pw_uid}" in message and repr(account.pw_name) in message
    assert "\n" not in message
    chosen = LabIdentity(account.pw_uid, account.pw_gid)
    assert ensure_identity(env, chosen) == chosen  # named explicitly: honoured


def _link(env: Path) -> None:
    (env.parent / "elsewhere").write_text("USER_ID=1234\nGROUP_ID=1234\n")
    env.symlink_to(env.parent / "elsewhere")


def _folder(env: Path) -> None:
    env.mkdir()


def _group_writable(env: Path) -> None:
    env.write_text("USER_ID=1234\nGROUP_ID=1234\n")
    env.chmod(0o664)


def _not_utf8(env: Path) -> None:
    env.write_bytes(b"USER_ID=\xff\xfe\nGROUP_ID=1\n")


def _fifo(env: Path) -> None:
    os.mkfifo(env)


ENV_FILES = {
    "a link": (_link, "is a link"),
    "a folder": (_folder, "is a folder"),
    "group-writable": (_group_writable, "group or others can write it (mode 0664)"),
    "not UTF-8": (_not_utf8, "is not UTF-8 text (byte 8)"),
    "a FIFO": (_fifo, "is not a regular file"),
}


@pytest.mark.bad_input
@pytest.mark.parametrize("case", sorted(ENV_FILES))
def test_an_env_file_the_lab_cannot_trust_gives_one_line(tmp_path: Path, case: str) -> None:
    env = tmp_path / ".env"
    breaker, fragment = ENV_FILES[case]
    breaker(env)
    with pytest.raises(LabError) as caught:
        ensure_identity(env)
    message = str(caught.value)
    assert fragment in message and str(env) in message and "\n" not in message, message
