"""Log frames, incremental UTF-8 across frames, stdout/stderr, the bounded buffer."""

import io
import struct

from tui.engine.logs.stream import (
    STDERR,
    STDOUT,
    LineAssembler,
    LogBuffer,
    LogLine,
    decode_frames,
    read_frames,
)


def frame(stream: int, payload: bytes) -> bytes:
    return struct.pack(">BxxxL", stream, len(payload)) + payload


def test_read_frames_tells_streams_apart():
    data = frame(1, b"out\n") + frame(2, b"err\n") + frame(1, b"")
    assert list(read_frames(io.BytesIO(data).read, tty=False)) == [
        (STDOUT, b"out\n"),
        (STDERR, b"err\n"),
    ]


def test_read_frames_cut_from_reads_that_split_headers_and_payloads():
    data = frame(1, b"first line\n") + frame(2, b"oops\n") + frame(1, b"x" * 70_000 + b"\n")
    source = io.BytesIO(data)
    for size in (1, 3, 8, 13, 65_536):  # `read1` may return any amount up to what was asked
        source.seek(0)
        frames = list(read_frames(lambda n, size=size: source.read(min(n, size)), tty=False))
        assert frames == [
            (STDOUT, b"first line\n"),
            (STDERR, b"oops\n"),
            (STDOUT, b"x" * 70_000 + b"\n"),
        ], size


def test_read_frames_tty_is_raw():
    chunks = list(read_frames(io.BytesIO(b"plain\n").read, tty=True))
    assert chunks == [(STDOUT, b"plain\n")]


def test_character_split_across_frames_stays_whole():
    text = "héllo → wörld\n".encode()
    cut = text.index("→".encode()) + 1  # inside the three-byte arrow
    frames = [(STDOUT, text[:cut]), (STDOUT, text[cut:])]
    assert list(decode_frames(frames, timestamps=False)) == [LogLine(STDOUT, "héllo → wörld")]


def test_streams_decode_independently_and_last_line_flushes():
    arrow = "→".encode()
    frames = [(STDOUT, b"a" + arrow[:1]), (STDERR, b"e1\n"), (STDOUT, arrow[1:] + b"b")]
    lines = list(decode_frames(frames, timestamps=False))
    assert lines == [LogLine(STDERR, "e1"), LogLine(STDOUT, "a→b")]


def test_timestamps_are_split_off():
    assembler = LineAssembler(STDOUT, timestamps=True)
    lines = assembler.feed(b"2024-05-01T10:00:00.123456789Z hello world\r\n")
    assert lines == [LogLine(STDOUT, "hello world", "2024-05-01T10:00:00.123456789Z")]
    assert lines[0].render(timestamps=False) == "hello world"
    assert lines[0].render(timestamps=True).startswith("2024-05-01T10")


def test_invalid_utf8_is_replaced_not_fatal():
    assert LineAssembler(STDOUT, False).feed(b"\xff\xfe ok\n") == [
        LogLine(STDOUT, "\ufffd\ufffd ok")
    ]


def test_buffer_is_bounded_and_searchable():
    buffer = LogBuffer(max_lines=3)
    buffer.extend(LogLine(STDOUT, f"line {i}") for i in range(5))
    assert [line.text for line in buffer.lines] == ["line 2", "line 3", "line 4"]
    assert buffer.dropped == 2
    assert buffer.matching("LINE 3") == [1]


def test_whole_lines_of_one_stream_come_as_one_run_and_a_cut_line_ends_it():
    data = (
        frame(1, b"a\n")
        + frame(1, b"b\n")
        + frame(2, b"e\n")
        + frame(1, b"long ")
        + frame(1, b"end\n")
    )
    assert list(read_frames(io.BytesIO(data).read, tty=False)) == [
        (STDOUT, b"a\nb\n"),
        (STDERR, b"e\n"),
        (STDOUT, b"long "),
        (STDOUT, b"end\n"),
    ]


def test_a_long_line_cut_by_the_engine_loses_the_stamps_inside_it():
    stamp = b"2024-05-01T10:00:00.000000001Z "
    data = (
        frame(1, stamp + b"first\r\n")
        + frame(1, stamp + b"x" * 10)
        + frame(1, stamp + b"y" * 10 + b"\n")
        + frame(1, stamp + b"last\n")
    )
    lines = list(decode_frames(read_frames(io.BytesIO(data).read, tty=False), timestamps=True))
    assert [line.text for line in lines] == ["first", "x" * 10 + "y" * 10, "last"]
    assert {line.timestamp for line in lines} == {stamp.decode().strip()}
