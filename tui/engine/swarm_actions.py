"""What the Swarm tab and the lab do to a Swarm: scale, restart, roll back, drain, remove, and
the services, secrets and networks the lab makes for itself.

A service is changed the way the docker CLI changes it: its current spec, edited, posted back
with its version (so a change made meanwhile by someone else is refused, not overwritten).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

import docker
import requests
from docker.errors import create_api_error_from_http_exception

from tui.engine.errors import engine_errors
from tui.errors import LabError

AVAILABILITIES = ("active", "pause", "drain")


def _post(api: docker.APIClient, path: str, params: Mapping[str, object], body: object) -> Any:
    """POST JSON to the engine's API (docker-py has no call for a rollback); its answer."""
    url = f"{api.base_url}/v{api.api_version}{path}"
    response = api.post(url, params=dict(params), json=body, timeout=api.timeout)
    try:
        response.raise_for_status()
    except requests.exceptions.HTTPError as exc:
        raise create_api_error_from_http_exception(exc) from exc
    return response.json() if response.content else None


def _service(api: docker.APIClient, service: str) -> dict[str, Any]:
    with engine_errors():
        return dict(api.inspect_service(service))


def _update(api: docker.APIClient, raw: Mapping[str, Any], spec: object, **params: str) -> None:
    version = raw["Version"]["Index"]
    with engine_errors():
        _post(api, f"/services/{raw['ID']}/update", {"version": version, **params}, spec)


def scale_service(api: docker.APIClient, service: str, replicas: int) -> None:
    """Set a replicated service's replicas (LabError for a global service or a job)."""
    if replicas < 0:
        raise LabError(f"replicas must be 0 or more, not {replicas}.")
    raw = _service(api, service)
    spec = copy.deepcopy(raw["Spec"])
    mode = spec.get("Mode") or {}
    if "Replicated" not in mode:
        kind = next(iter(mode), "global")
        raise LabError(f"{spec['Name']} is a {kind} service: only a replicated one scales.")
    mode["Replicated"]["Replicas"] = replicas
    _update(api, raw, spec)


def restart_service(api: docker.APIClient, service: str) -> None:
    """A rolling restart: every task replaced, as its own update settings say (`--force`)."""
    raw = _service(api, service)
    spec = copy.deepcopy(raw["Spec"])
    template = spec.setdefault("TaskTemplate", {})
    template["ForceUpdate"] = int(template.get("ForceUpdate") or 0) + 1
    _update(api, raw, spec)


def rollback_service(api: docker.APIClient, service: str) -> None:
    """Go back to the service's previous spec (LabError when it has none)."""
    raw = _service(api, service)
    if not raw.get("PreviousSpec"):
        raise LabError(f"{raw['Spec']['Name']} has no previous version to roll back to.")
    _update(api, raw, raw["Spec"], rollback="previous")


def update_image(api: docker.APIClient, service: str, image: str) -> None:
    """Roll the service onto another image, one batch at a time as its update settings say."""
    raw = _service(api, service)
    spec = copy.deepcopy(raw["Spec"])
    spec["TaskTemplate"]["ContainerSpec"]["Image"] = image
    _update(api, raw, spec)


def remove_service(api: docker.APIClient, service: str) -> None:
    """Remove a service and its tasks."""
    with engine_errors():
        api.remove_service(service)


def set_availability(api: docker.APIClient, node: str, availability: str) -> None:
    """active, pause (no new tasks) or drain (its tasks move elsewhere)."""
    if availability not in AVAILABILITIES:
        raise LabError(f"availability {availability!r}: use one of {', '.join(AVAILABILITIES)}.")
    with engine_errors():
        raw = api.inspect_node(node)
        spec = dict(raw["Spec"], Availability=availability)
        api.update_node(raw["ID"], raw["Version"]["Index"], spec)


def create_service(api: docker.APIClient, spec: Mapping[str, Any]) -> str:
    """Create a service from a full spec (the API's own shape); its id."""
    with engine_errors():
        created = _post(api, "/services/create", {}, spec)
    return str(created["ID"])


def create_secret(api: docker.APIClient, name: str, data: bytes, labels: dict[str, str]) -> str:
    """A Swarm secret (kept encrypted in the managers' Raft log); its id."""
    with engine_errors():
        return str(api.create_secret(name, data, labels=labels)["ID"])


def remove_secret(api: docker.APIClient, secret_id: str) -> None:
    """Remove a secret (a service still using it keeps it: remove the service first)."""
    with engine_errors():
        api.remove_secret(secret_id)


def create_network(api: docker.APIClient, name: str, labels: dict[str, str]) -> str:
    """An internal overlay network: tasks on it reach each other and nothing outside."""
    with engine_errors():
        created = api.create_network(
            name, driver="overlay", internal=True, attachable=False, labels=labels
        )
    return str(created["Id"])


def remove_network(api: docker.APIClient, network_id: str) -> None:
    """Remove a network (once no task uses it)."""
    with engine_errors():
        api.remove_network(network_id)


def labelled_services(api: docker.APIClient, label: str) -> list[str]:
    """Ids of the services carrying `label` (`key` or `key=value`)."""
    with engine_errors():
        return [str(s["ID"]) for s in api.services(filters={"label": label})]
