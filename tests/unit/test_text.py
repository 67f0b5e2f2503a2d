"""Engine and file text made printable (issue 21, item 5): every control character becomes a
visible stand-in of the same length, so no name, label or log line drives a terminal."""

from __future__ import annotations

import io
import unicodedata

from rich.text import Text

from tui.engine.logs.stream import STDOUT, decode_frames
from tui.text import PrintableStream, printable, printable_data
from tui.views.formats import plain

OSC52 = "\x1b]52;c;Y3VybCBldmlsLmV4YW1wbGUgfCBzaA==\x07"


def test_every_control_character_is_replaced_and_nothing_else_is():
    controls = [chr(c) for c in (*range(0x20), *range(0x7F, 0xA0))]
    bidi = ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068"]
    bidi += ["\u2069", "\u2028", "\u2029"]
    for char in [*controls, *bidi]:
        shown = printable(f"a{char}b")
        assert len(shown) == 3 and shown[0] == "a" and shown[2] == "b", repr(char)
        assert unicodedata.category(shown[1]) not in ("Cc", "Cf", "Zl", "Zp"), repr(char)
    ordinary = "name-1.2_x [/oops] é ü 日本 ✓ ▏ emoji 🙂 tab-less"
    assert printable(ordinary) == ordinary


def test_escape_shows_as_a_control_picture_and_keep_keeps_what_it_names():
    assert printable(OSC52) == "␛]52;c;Y3VybCBldmlsLmV4YW1wbGUgfCBzaA==␇"
    assert printable("a\nb\tc") == "a␊b␉c"
    assert printable("a\nb\tc\x1b", keep="\n\t") == "a\nb\tc␛"
    assert printable("\u009b6n") == "\ufffd6n"  # a C1 CSI
    assert printable(printable(OSC52)) == printable(OSC52)  # stand-ins are printable


def test_documents_are_made_printable_keys_and_values_alike():
    document = {"Labels": {"k\x1b": ["v\x07", 3, None]}, "n": 1}
    assert printable_data(document) == {"Labels": {"k␛": ["v␇", 3, None]}, "n": 1}


def test_the_cli_stream_replaces_controls_but_keeps_lines_and_tabs():
    sink = io.StringIO()
    stream = PrintableStream(sink)
    said = f"network n{OSC52}: removed\n\tnext\n"
    assert stream.write(said) == len(said)
    assert sink.getvalue() == f"network n{printable(OSC52)}: removed\n\tnext\n"
    assert stream.getvalue() == sink.getvalue()  # the rest of the stream's interface passes


def test_log_lines_lose_their_controls_and_keep_their_text():
    frames = [(STDOUT, f"2024-05-01T10:00:00.000000000Z x\t{OSC52} \x1b[31mred\r\n".encode())]
    [line] = list(decode_frames(frames, True))
    assert line.text == f"x       {printable(OSC52)} ␛[31mred"
    assert "\x1b" not in line.text and "\t" not in line.text


def test_plain_text_for_widgets_is_never_markup_and_keeps_its_styles():
    assert plain("[/oops]").plain == "[/oops]"
    assert plain("[@click=app.quit]x[/]").spans == []
    styled = Text("ok \x1b]0;t", style="bold")  # (Rich's Text drops BEL itself, not ESC)
    shown = plain(styled)
    assert shown.plain == "ok ␛]0;t" and shown.style == "bold"
    assert plain("a\nb", keep="\n").plain == "a\nb" and plain("a\nb").plain == "a␊b"
