"""`docker inspect` of one object, as the engine returns it, and which of its values are secret.

The document goes to the inspect view as the engine sent it, every string made printable (see
tui/text.py); `is_secret` decides what that view masks
until the user asks (environment values, and keys that name passwords, tokens, secrets or keys).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import docker
from docker.errors import NotFound

from tui.errors import LabError
from tui.text import printable_data

KINDS = ("container", "image", "volume", "network")
SECRET_WORDS = ("PASSWORD", "TOKEN", "SECRET", "KEY")
MASK = "***"


def inspect_object(api: docker.APIClient, kind: str, ref: str) -> dict[str, Any]:
    """The engine's full inspect document of a container, image, volume or network."""
    calls = {
        "container": api.inspect_container,
        "image": api.inspect_image,
        "volume": api.inspect_volume,
        "network": api.inspect_network,
    }
    if kind not in calls:
        raise LabError(f"cannot inspect a {kind!r}: use one of {', '.join(KINDS)}.")
    try:
        document = calls[kind](ref)
    except NotFound:
        raise LabError(f"{kind} {ref[:19]} no longer exists.") from None
    shown = printable_data(dict(document))
    return shown if isinstance(shown, dict) else {}


def is_secret_key(key: str) -> bool:
    """A key whose value may be a secret (API_TOKEN, db.password, SandboxKey...)."""
    upper = key.upper()
    return any(word in upper for word in SECRET_WORDS)


def is_secret(path: Sequence[str | int]) -> bool:
    """Whether the scalar at `path` (keys and list indexes from the root) is masked.

    Every item of an `Env` list (Config.Env of containers and images, ContainerConfig.Env of
    older images) and every value under a key that names a secret.
    """
    if len(path) >= 2 and path[-2] == "Env" and isinstance(path[-1], int):
        return True
    return any(isinstance(step, str) and is_secret_key(step) for step in path)


def masked(path: Sequence[str | int], value: Any) -> Any:
    """The value shown while secrets are hidden: `NAME=***` for an env item, else `***`."""
    if not is_secret(path):
        return value
    if path[-2:-1] == ("Env",) and isinstance(value, str) and "=" in value:
        return value.partition("=")[0] + "=" + MASK
    return MASK
