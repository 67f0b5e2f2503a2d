"""Podman behind its Docker-compatible API: how to tell it is Podman, and where it differs.

What Podman 4.3 (Debian 12) does differently, found against the real service:
- stats streams send a sample every 5 s, not every second (so the stall bound is longer);
  memory has no page-cache breakdown (usage includes the cache), block I/O is empty and the
  network counters are summed into one interface;
- the compatible `top` answers 200 with an empty body: the libpod endpoint answers instead;
- events say "remove" where Docker says "destroy" (containers) or "delete" (images), and add
  "init" and "cleanup";
- a "status=dead" filter is refused ("unknown container state"), so prune previews filter the
  container list themselves; `top` of a stopped container answers 200 with an empty body;
- its containers' cgroups are not Docker's, so stats come from the API only.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import docker
import requests
from docker.errors import NotFound, create_api_error_from_http_exception

from tui.engine.containers import ProcessList, process_list

PODMAN_ENGINE = "Podman Engine"
STATS_INTERVAL_SECONDS = 5.0  # Podman 4's compatible stats stream samples every 5 s
STATS_STALL_SECONDS = 3 * STATS_INTERVAL_SECONDS
LIBPOD_API = "v4.0.0"  # the oldest libpod API Podman 4 serves; all that is used here is in it


def is_podman(version: Mapping[str, Any]) -> bool:
    """Whether the engine's /version answer comes from Podman."""
    components = version.get("Components") or ()
    return any(str(c.get("Name", "")) == PODMAN_ENGINE for c in components)


def container_processes(api: docker.APIClient, container_id: str) -> ProcessList:
    """`podman top` through the libpod API; empty when the container is gone or stopped."""
    url = f"{api.base_url}/{LIBPOD_API}/libpod/containers/{container_id}/top"
    response = api.get(url, params={"stream": "false"})
    try:
        response.raise_for_status()
    except requests.exceptions.HTTPError as exc:
        error = create_api_error_from_http_exception(exc)
        if isinstance(error, NotFound) or error.status_code == 409:
            return ProcessList()
        raise error from exc
    if not response.content.strip():
        return ProcessList()  # a stopped container: 200 with an empty body
    return process_list(response.json() or {})
