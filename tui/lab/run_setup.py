"""What every training run checks and prepares before it starts, through the SDK or Compose.

Both `tui.lab.run` and `tui.lab.compose_run` use it, so neither imports the other.
"""

from __future__ import annotations

import os
from pathlib import Path

from tui.errors import LabError
from tui.lab.files import make_folder
from tui.lab.identity import LabIdentity, ensure_identity, hand_over
from tui.lab.keys import LabKeys, load_keys
from tui.lab.run_secrets import check_handable
from tui.lab.trusted_dir import read_trusted_keys
from tui.paths import LabPaths

MODELS_MODE = 0o755


def prepare_models_dir(models: Path, identity: LabIdentity) -> None:
    """Create models/ for the lab user; refuse one the container could not write to."""
    if models.exists() and not models.is_dir():
        raise LabError(f"{models} is not a folder: move it away so models/ can be created.")
    make_folder(models, MODELS_MODE, exist_ok=True)  # never the umask: others may not write
    hand_over(models, identity)
    if os.geteuid() != 0 and not os.access(models, os.W_OK | os.X_OK):
        raise LabError(f"{models} is not writable by you: `chmod u+w {models}` or fix its owner.")
    mode = models.stat()
    if mode.st_uid != identity.uid and not mode.st_mode & 0o002:
        raise LabError(
            f"{models} belongs to uid {mode.st_uid}, not to USER_ID={identity.uid} from .env: "
            f"`chown {identity.uid}:{identity.gid} {models}` or fix .env."
        )


def prepare_run(
    paths: LabPaths, identity: LabIdentity | None = None
) -> tuple[LabKeys, LabIdentity]:
    """The signing keys and the container's identity, with models/ ready for it.

    `identity` (`--user-id`) overrides USER_ID and GROUP_ID from .env for this run.
    """
    keys = load_keys(paths)
    read_trusted_keys(paths)  # refused before any build; the run snapshots them again
    identity = ensure_identity(paths.env_file, identity)
    check_handable(identity)
    prepare_models_dir(paths.models, identity)
    return keys, identity
