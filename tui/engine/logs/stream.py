"""Container logs: multiplexed frames, incremental UTF-8 per stream, lines, a bounded buffer."""

from __future__ import annotations

import codecs
import re
import struct
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from typing import NamedTuple

import docker
import requests
from docker.types.daemon import CancellableStream

from tui.engine.client import close_response, open_engine_stream, read_some
from tui.text import printable

STDOUT = "stdout"
STDERR = "stderr"
_STREAMS = {0: STDOUT, 1: STDOUT, 2: STDERR}  # 0 is stdin, which the engine echoes as stdout
HEADER = struct.Struct(">BxxxL")
_TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d) ")
DEFAULT_MAX_LINES = 5000
READ_SIZE = 64 * 1024


class LogLine(NamedTuple):
    """One line a container printed: which stream, the text, when, and which container.

    A named tuple, not a dataclass: a million of them are made per million lines read, and a
    tuple is made in half the time of a frozen dataclass (bench/log_throughput.py).
    """

    stream: str
    text: str
    timestamp: str = ""
    source: str = ""  # the container's name, in logs merged from several containers

    def render(self, timestamps: bool) -> str:
        """The line as plain text, with its timestamp in front when asked for."""
        return f"{self.timestamp} {self.text}" if timestamps and self.timestamp else self.text


def shown_text(text: str) -> str:
    """Log text as it may reach a terminal: every control character but newlines and tabs shown
    as a stand-in (tui/text.py). A log line is the container's to choose: an OSC 52 in it
    would otherwise set the viewer's clipboard."""
    return printable(text, keep="\n\t")


def expand_tabs(lines: list[LogLine]) -> list[LogLine]:
    """Tabs as spaces (after the timestamp is split off): a tab sent to a terminal moves its
    cursor where the dashboard does not expect it."""
    return [
        LogLine(line.stream, line.text.expandtabs(), line.timestamp, line.source)
        if "\t" in line.text
        else line
        for line in lines
    ]


def order_key(line: LogLine) -> str:
    """A key that sorts lines by time: the engine's RFC 3339 stamps, fraction padded to 9 digits.

    The engine writes 9 fixed digits; a shorter fraction (another engine) is padded so that
    string order is time order.
    """
    stamp = line.timestamp
    if len(stamp) == 30 or not stamp:  # 2024-05-01T10:00:00.123456789Z
        return stamp
    head, dot, rest = stamp.partition(".")
    if not dot:
        return head.rstrip("Z") + ".000000000Z"
    digits = rest.rstrip("Z")
    return f"{head}.{digits:0<9}Z"


def read_frames(read: Callable[[int], bytes], tty: bool) -> Iterator[tuple[str, bytes]]:
    """Yield (stream, payloads) from a log response; a TTY container's output is not framed.

    `read(n)` returns up to n bytes and b"" at the end (`read1` as soon as some are there, for
    a followed log; `read` waits for n): reading 64 KiB at a time and cutting frames out of it
    costs far less than two reads a frame.
    Whole-line frames of the same stream that came in one read are yielded together, so the
    lines are decoded and split a run at a time rather than one call per line; a frame that
    ends inside a line (the engine cuts lines over 16 KiB) ends its run.
    """
    if tty:
        while chunk := read(READ_SIZE):
            yield STDOUT, chunk
        return
    pending = bytearray()
    run: list[bytes] = []
    run_stream = STDOUT
    while chunk := read(READ_SIZE):
        pending += chunk
        offset, end = 0, len(pending)
        while end - offset >= HEADER.size:
            stream_id, length = HEADER.unpack_from(pending, offset)
            start = offset + HEADER.size
            if end - start < length:
                break
            offset = start + length
            if not length:
                continue
            stream = _STREAMS.get(stream_id, STDOUT)
            if run and stream != run_stream:
                yield run_stream, b"".join(run)
                run = []
            run_stream = stream
            run.append(bytes(pending[start:offset]))
            if pending[offset - 1] != 10:  # b"\n": the line goes on in the next frame
                yield run_stream, b"".join(run)
                run = []
        if run:
            yield run_stream, b"".join(run)
            run = []
        del pending[:offset]


class LineAssembler:
    """Bytes of one stream in, whole lines out; a character split across frames stays whole."""

    def __init__(self, stream: str, timestamps: bool, source: str = "") -> None:
        self.stream = stream
        self.timestamps = timestamps
        self.source = source
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._partial = ""

    def feed(self, data: bytes) -> list[LogLine]:
        """Decode `data` (frames of this stream) and return the lines it completed."""
        decoded = self._decoder.decode(data)
        if self.timestamps and self._partial:
            # The engine splits lines longer than 16 KiB into partial messages and, with
            # timestamps on, stamps each one: drop the stamps inside a line.
            decoded = _TIMESTAMP.sub("", decoded, count=1)
        text = self._partial + decoded
        if "\r" in text:
            text = text.replace("\r\n", "\n")
        cut = text.rfind("\n") + 1  # the part after the last newline waits for the rest
        done = shown_text(text[:cut])
        lines = done.split("\n")[:-1]
        self._partial = text[cut:]
        stream, source = self.stream, self.source
        out: list[LogLine]
        if not self.timestamps:
            out = [LogLine(stream, line, "", source) for line in lines]
            return expand_tabs(out) if "\t" in done else out
        # The hot loop of a log read: inline, one partition per line.
        out = []
        append = out.append
        for line in lines:
            stamp, sep, rest = line.partition(" ")
            if sep and stamp[10:11] == "T" and stamp[:4].isdigit():
                append(LogLine(stream, rest, stamp, source))
            else:
                append(LogLine(stream, line, "", source))
        return expand_tabs(out) if "\t" in done else out

    def flush(self) -> list[LogLine]:
        """The last line when the stream ends without a newline."""
        text = self._partial + self._decoder.decode(b"", final=True)
        self._partial = ""
        return expand_tabs([self._line(text)]) if text else []

    def _line(self, text: str) -> LogLine:
        text = shown_text(text.removesuffix("\r"))
        if self.timestamps:
            stamp, sep, rest = text.partition(" ")
            if sep and stamp[10:11] == "T" and stamp[:4].isdigit():
                return LogLine(self.stream, rest, stamp, self.source)
        return LogLine(self.stream, text, "", self.source)


def decode_frames(
    frames: Iterable[tuple[str, bytes]], timestamps: bool, source: str = ""
) -> Iterator[LogLine]:
    """Turn (stream, payload) frames into lines, decoding each stream on its own."""
    assemblers = {s: LineAssembler(s, timestamps, source) for s in (STDOUT, STDERR)}
    for stream, payload in frames:
        yield from assemblers[stream].feed(payload)
    for assembler in assemblers.values():
        yield from assembler.flush()


class LogBuffer:
    """The last `max_lines` lines, so a chatty container cannot eat the memory."""

    def __init__(self, max_lines: int = DEFAULT_MAX_LINES) -> None:
        self.lines: deque[LogLine] = deque(maxlen=max_lines)
        self.dropped = 0

    def extend(self, lines: Iterable[LogLine]) -> None:
        """Append lines, forgetting the oldest beyond the bound."""
        maxlen = self.lines.maxlen or 0
        source = iter(lines)
        while chunk := list(islice(source, 4096)):
            self.dropped += max(0, len(self.lines) + len(chunk) - maxlen)
            self.lines.extend(chunk)

    @property
    def room(self) -> int:
        """How many more lines fit before the oldest are forgotten."""
        return (self.lines.maxlen or 0) - len(self.lines)

    def prepend(self, older: list[LogLine]) -> list[LogLine]:
        """Put older lines in front, as many as there is room for (the newest of them).

        Returns the lines put in front: loading history never pushes out the newest lines.
        """
        kept = older[len(older) - min(len(older), self.room) :]
        self.lines.extendleft(reversed(kept))
        return kept

    def replace(self, lines: Iterable[LogLine]) -> None:
        """Hold exactly `lines` (the newest of them, up to the bound)."""
        self.lines = deque(lines, maxlen=self.lines.maxlen)

    def matching(self, term: str) -> list[int]:
        """Indexes of the lines containing `term` (case-insensitive)."""
        needle = term.lower()
        return [i for i, line in enumerate(self.lines) if needle in line.text.lower()]

    def __len__(self) -> int:
        return len(self.lines)


def open_log_frames(
    api: docker.APIClient,
    path: str,
    follow: bool,
    tail: int | str,
    tty: bool,
    since: float | None,
    source: str,
) -> tuple[requests.Response, CancellableStream]:
    """The engine's log endpoint at `path` (a container's or a Swarm task's) as decoded lines:
    the response (to close from any thread) and the stream of LogLines."""
    params: dict[str, object] = {
        "stdout": 1,
        "stderr": 1,
        "timestamps": 1,
        "follow": int(follow),
        "tail": tail,
    }
    if since is not None:
        params["since"] = f"{since:.6f}"
    # No read timeout: a followed log may stay silent for as long as the container does.
    response = open_engine_stream(api, path, params, None)
    # A followed log is read as it comes; a finished one in full 64 KiB reads, which skips
    # the per-chunk overhead of urllib3 (the engine sends one HTTP chunk a line).
    frames = read_frames(read_some(response) if follow else response.raw.read, tty)
    return response, CancellableStream(decode_frames(frames, True, source), response)


class LogStream:
    """The logs of one container (what it printed, then live ones when following)."""

    def __init__(
        self,
        api: docker.APIClient,
        container_id: str,
        *,
        follow: bool = True,
        tail: int | str = 500,
        tty: bool = False,
        since: float | None = None,
        source: str = "",
    ) -> None:
        """`tail`: the last lines ("all" for every one); `since`: a Unix time, older lines skipped.

        With both, the engine takes the last `tail` lines, then drops those before `since`: a
        window in time stays bounded by `tail` and never reads the whole log file.
        """
        self.container_id = container_id
        path = f"/containers/{container_id}/logs"
        self._response, self._stream = open_log_frames(api, path, follow, tail, tty, since, source)

    def __iter__(self) -> Iterator[LogLine]:
        return iter(self._stream)

    def close(self) -> None:
        """Stop the stream from any thread."""
        close_response(self._response)
