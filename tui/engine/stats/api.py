"""Container stats: the docker CLI's formulas and the streaming and one-shot stats calls.

The formulas follow docker/cli `cli/command/container/stats_helpers.go` so that the dashboard
shows what `docker stats` shows for the same raw sample.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import docker
import requests
import urllib3
from docker.errors import NotFound
from docker.types.daemon import CancellableStream
from docker.utils import version_gte

from tui.engine.client import close_response, open_engine_stream, pooled_get
from tui.errors import LabError

Raw = Mapping[str, Any]


def cpu_percent(raw: Raw) -> float:
    """CPU % = d(container) / d(system) * online CPUs * 100 (0 unless both deltas are positive)."""
    cpu = raw.get("cpu_stats") or {}
    pre = raw.get("precpu_stats") or {}
    cpu_delta = float((cpu.get("cpu_usage") or {}).get("total_usage", 0)) - float(
        (pre.get("cpu_usage") or {}).get("total_usage", 0)
    )
    system_delta = float(cpu.get("system_cpu_usage", 0)) - float(pre.get("system_cpu_usage", 0))
    online = float(cpu.get("online_cpus") or 0)
    if online == 0.0:
        online = float(len((cpu.get("cpu_usage") or {}).get("percpu_usage") or ()))
    if system_delta > 0.0 and cpu_delta > 0.0:
        return cpu_delta / system_delta * online * 100.0
    return 0.0


def memory_usage(raw: Raw) -> int:
    """Memory without page cache: usage - total_inactive_file (v1) or inactive_file (v2)."""
    mem = raw.get("memory_stats") or {}
    usage = int(mem.get("usage") or 0)
    stats = mem.get("stats") or {}
    if "total_inactive_file" in stats and stats["total_inactive_file"] < usage:
        return usage - int(stats["total_inactive_file"])
    inactive = int(stats.get("inactive_file", 0))
    if inactive < usage:
        return usage - inactive
    return usage


def memory_limit(raw: Raw) -> int:
    """The memory limit the engine reports (the host's memory when the container has none)."""
    return int((raw.get("memory_stats") or {}).get("limit") or 0)


def memory_percent(raw: Raw) -> float:
    """Memory use as a percentage of the limit (0 when there is no limit)."""
    limit = memory_limit(raw)
    return memory_usage(raw) / limit * 100.0 if limit else 0.0


def network_io(raw: Raw) -> tuple[int, int]:
    """Bytes received and sent, summed over every interface."""
    rx = tx = 0
    for iface in (raw.get("networks") or {}).values():
        rx += int(iface.get("rx_bytes", 0))
        tx += int(iface.get("tx_bytes", 0))
    return rx, tx


def block_io(raw: Raw) -> tuple[int, int]:
    """Bytes read and written, summed over io_service_bytes_recursive by operation."""
    read = write = 0
    entries = (raw.get("blkio_stats") or {}).get("io_service_bytes_recursive") or ()
    for entry in entries:
        op = str(entry.get("op", ""))[:1].lower()
        if op == "r":
            read += int(entry.get("value", 0))
        elif op == "w":
            write += int(entry.get("value", 0))
    return read, write


@dataclass(frozen=True)
class StatsSample:
    """One computed stats sample of one container."""

    container_id: str
    cpu_percent: float
    memory: int
    memory_limit: int
    memory_percent: float
    net_rx: int
    net_tx: int
    block_read: int
    block_write: int
    pids: int
    # The CPU counters the figure came from (ns), so that the next one-off sample of the same
    # container can give a CPU % without waiting for the engine's next collection.
    cpu_total: int = 0
    system_total: int = 0
    online_cpus: int = 0

    @classmethod
    def from_raw(cls, container_id: str, raw: Raw) -> StatsSample:
        """Compute a sample from the engine's raw stats JSON."""
        rx, tx = network_io(raw)
        read, write = block_io(raw)
        return cls(
            container_id=container_id,
            cpu_percent=cpu_percent(raw),
            memory=memory_usage(raw),
            memory_limit=memory_limit(raw),
            memory_percent=memory_percent(raw),
            net_rx=rx,
            net_tx=tx,
            block_read=read,
            block_write=write,
            pids=int((raw.get("pids_stats") or {}).get("current") or 0),
            cpu_total=int(
                ((raw.get("cpu_stats") or {}).get("cpu_usage") or {}).get("total_usage") or 0
            ),
            system_total=int((raw.get("cpu_stats") or {}).get("system_cpu_usage") or 0),
            online_cpus=int((raw.get("cpu_stats") or {}).get("online_cpus") or 0),
        )


ONE_SHOT_API = "1.41"  # the first engine API with one-shot stats (Docker 20.10)
STALL_SECONDS = 5.0  # the engine samples once a second: five seconds of silence is a stall


class StatsStalled(LabError):
    """No stats sample arrived within STALL_SECONDS although the stream is open."""


def _json_lines(response: requests.Response, container_id: str, stall: float) -> Iterator[Any]:
    """The JSON objects of a stats stream, one per line; StatsStalled after `stall` silent s.

    requests reports a read timeout as a ConnectionError, an OSError that CancellableStream
    would take for the end of the stream, so it becomes StatsStalled here.
    """
    try:
        for line in response.iter_lines():
            if line:
                yield json.loads(line)
    except requests.exceptions.ConnectionError as exc:
        if "timed out" not in str(exc).lower():
            raise
        raise StatsStalled(f"no stats from {container_id[:12]} for {stall:.0f} s") from exc


class StatsStream:
    """A live stats stream of one container: iterate for samples, `close()` from any thread.

    Each read waits at most `stall_seconds`; then iteration raises StatsStalled.
    """

    def __init__(
        self, api: docker.APIClient, container_id: str, stall_seconds: float = STALL_SECONDS
    ) -> None:
        self.container_id = container_id
        self.stall_seconds = stall_seconds
        try:
            response = open_engine_stream(
                api, f"/containers/{container_id}/stats", {"stream": True}, stall_seconds
            )
        except requests.exceptions.Timeout as exc:
            raise StatsStalled(
                f"the engine did not answer a stats request for {container_id[:12]} "
                f"within {stall_seconds:.0f} s"
            ) from exc
        self._closed = False
        self._response = response
        self._stream = CancellableStream(
            _json_lines(response, container_id, stall_seconds), response
        )

    def __iter__(self) -> Iterator[StatsSample]:
        try:
            for raw in self._stream:
                if not isinstance(raw, Mapping):
                    continue
                if not raw.get("read") or raw.get("read", "").startswith("0001-"):
                    continue  # a stopped container reports zeroed samples
                yield StatsSample.from_raw(self.container_id, raw)
        except StatsStalled:
            if not self._closed:
                raise
        except (requests.exceptions.RequestException, urllib3.exceptions.HTTPError):
            return  # a broken connection ends the stream quietly; the caller pings

    def close(self) -> None:
        """Stop the stream (safe to call twice, or after it ended)."""
        self._closed = True
        close_response(self._response)


def stats_once(
    api: docker.APIClient, container_id: str, before: StatsSample | None = None
) -> StatsSample | None:
    """One sample without a stream; None when the container is gone or not running.

    Without `before` the engine waits for its next collection (about a second) to give a CPU
    figure. With `before`, an earlier sample of the same container, it answers at once
    (one-shot, API 1.41) and the CPU % is the average since `before`: cheaper for the engine.
    """
    one_shot = (
        before is not None
        and before.system_total > 0
        and version_gte(api.api_version, ONE_SHOT_API)
    )
    query = "stream=0&one-shot=1" if one_shot else "stream=0"
    answer = pooled_get(api, f"/containers/{container_id}/stats", query)
    if answer is not None and answer[0] == 404:
        return None
    if answer is not None and answer[0] == 200:
        # Removed while the engine waited for its next collection: 200 with an empty body.
        raw = json.loads(answer[1]) if answer[1].strip() else None
    else:  # another transport, or an error docker-py should word
        try:
            raw = api.stats(container_id, stream=False, one_shot=True if one_shot else None)
        except (NotFound, requests.exceptions.JSONDecodeError):  # removed: an empty body
            return None
    if not isinstance(raw, Mapping) or str(raw.get("read", "0001-")).startswith("0001-"):
        return None
    if one_shot and before is not None:
        pre = {
            "cpu_usage": {"total_usage": before.cpu_total},
            "system_cpu_usage": before.system_total,
            "online_cpus": before.online_cpus,
        }
        raw = {**raw, "precpu_stats": pre}
    return StatsSample.from_raw(container_id, raw)
