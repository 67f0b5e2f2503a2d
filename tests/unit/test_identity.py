"""USER_ID and GROUP_ID in .env: created when missing, refused with one line when malformed."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tui.errors import LabError
from tui.lab.identity import ensure_identity, load_identity


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
