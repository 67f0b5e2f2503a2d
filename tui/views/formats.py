"""The docker CLI's number, size and time formats, for display (the engine types carry figures).

Sizes follow go-units as the docker CLI uses it: memory in binary units (`BytesSize`), I/O and
image sizes in decimal ones (`HumanSizeWithPrecision`), so a row reads as `docker stats` and
`docker ps` print the same container.
"""

from __future__ import annotations

from datetime import UTC, datetime

from rich.text import Text

from tui.engine.containers import ContainerInfo
from tui.engine.stats.api import StatsSample
from tui.text import printable

_BINARY_UNITS = ("B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB")
_DECIMAL_UNITS = ("B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB")


def plain(value: str | Text, keep: str = "") -> Text:
    """Text for a widget that is never read as markup, its control characters (but those in
    `keep`, e.g. newlines) shown as text: a compose project named `[/oops]` or
    `[@click=app.quit]` is shown as typed."""
    if isinstance(value, Text):
        shown = printable(value.plain, keep)
        if shown == value.plain:
            return value
        copy = value.copy()
        copy.plain = shown  # the same length: the styles stay where they were
        return copy
    return Text(printable(value, keep))


def _scaled(size: float, base: float, units: tuple[str, ...]) -> tuple[float, str]:
    i = 0
    while size >= base and i < len(units) - 1:
        size /= base
        i += 1
    return size, units[i]


def bytes_size(size: float) -> str:
    """go-units BytesSize: binary units, four significant digits ("12.5MiB")."""
    value, unit = _scaled(float(size), 1024.0, _BINARY_UNITS)
    return f"{value:.4g}{unit}"


def human_size(size: float, precision: int = 3) -> str:
    """go-units HumanSizeWithPrecision: decimal units ("1.23kB"), as docker stats shows I/O."""
    value, unit = _scaled(float(size), 1000.0, _DECIMAL_UNITS)
    return f"{value:.{precision}g}{unit}"


def human_duration(seconds: float) -> str:
    """A short duration like the docker CLI's: 42s, 5m, 3h, 2d."""
    seconds = max(0, int(seconds))
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m"
    if seconds < 86400:
        return f"{seconds // 3600}h{(seconds % 3600) // 60:02d}m"
    return f"{seconds // 86400}d{(seconds % 86400) // 3600}h"


def cpu_text(sample: StatsSample) -> str:
    """CPU as `docker stats` prints it."""
    return f"{sample.cpu_percent:.2f}%"


def memory_text(sample: StatsSample) -> str:
    """Memory usage / limit as `docker stats` prints it."""
    return f"{bytes_size(sample.memory)} / {bytes_size(sample.memory_limit)}"


def net_text(sample: StatsSample) -> str:
    """Network I/O as `docker stats` prints it."""
    return f"{human_size(sample.net_rx)} / {human_size(sample.net_tx)}"


def block_text(sample: StatsSample) -> str:
    """Block I/O as `docker stats` prints it."""
    return f"{human_size(sample.block_read)} / {human_size(sample.block_write)}"


def status_text(info: ContainerInfo, now: datetime | None = None) -> str:
    """Uptime for a running container, the exit code and age for a stopped one."""
    ended = info.state in ("exited", "dead")
    if not info.inspected and (info.is_running or ended):
        # Listed at start-up, not inspected yet: the engine's own words (its times are only
        # read on inspection). A state without times reads the same before and after, so its
        # row is not drawn again when the inspection comes.
        return info.listed_status
    now = now or datetime.now(UTC)
    if info.is_running and info.started_at:
        up = f"up {human_duration((now - info.started_at).total_seconds())}"
        return f"{up} (paused)" if info.state == "paused" else up
    if ended:
        ago = ""
        if info.finished_at:
            ago = f" {human_duration((now - info.finished_at).total_seconds())} ago"
        oom = " OOM" if info.oom_killed else ""
        return f"exit {info.exit_code}{oom}{ago}"
    return info.state
