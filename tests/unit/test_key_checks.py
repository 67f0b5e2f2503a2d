"""The private-key check says one line when the key folder is gone or swapped meanwhile.

Found in the cold CI run of bc9b3db: the trusted-keys race test (another account renaming
.lab away and back) met a FileNotFoundError traceback from `load_keys`, which had seen the key
files a moment before and then stat'ed `.lab/keys` while .lab was renamed away.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tui.errors import LabError
from tui.lab.keys import _check_private


def test_a_key_folder_gone_since_the_look_is_one_line(
    tmp_path: Path, fault: Callable[[str], None]
) -> None:
    with pytest.raises(LabError, match="is something changing the lab's keys"):
        _check_private(tmp_path / ".lab" / "keys")
    fault("the lab's key folder gone between load_keys' look and its check")
