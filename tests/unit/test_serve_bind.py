"""`--bind`: every spelling of "all interfaces" is refused, as the listener would read it.

glibc reads `0`, `0x0`, `0.0` or `000.000.000.000` as 0.0.0.0 (inet_aton), so Python's
`ipaddress` alone let them through and the server listened everywhere. The CLI's one line and
exit status are checked in tests/integration/test_serve_guard.py.
"""

from __future__ import annotations

import pytest

from tui.errors import LabError
from tui.serve import check_bind

# Every one of these listens on all interfaces (glibc's inet_aton and getaddrinfo read them so).
WILDCARDS = [
    "0.0.0.0",
    "0",
    "00",
    "0.0",
    "0.0.0",
    "000.000.000.000",
    "0x0",
    "0x00000000",
    "0x0.0",
    "::",
    "[::]",
    "0::0",
    "0:0:0:0:0:0:0:0",
    "::ffff:0.0.0.0",
]


@pytest.mark.bad_input
@pytest.mark.parametrize("spelling", WILDCARDS)
def test_every_spelling_of_the_wildcard_is_refused(spelling: str) -> None:
    with pytest.raises(LabError, match=r"listens everywhere.*students will type"):
        check_bind(spelling)


@pytest.mark.parametrize(
    ("given", "bound"),
    [
        ("127.0.0.1", "127.0.0.1"),
        ("127.1", "127.0.0.1"),  # inet_aton's short form, as the listener reads it
        ("0x7f.1", "127.0.0.1"),
        ("192.168.1.10", "192.168.1.10"),
        ("::1", "::1"),
        ("[::1]", "::1"),
        ("localhost", "localhost"),
    ],
)
def test_a_real_address_is_kept_in_the_form_the_host_header_carries(given: str, bound: str) -> None:
    assert check_bind(given) == bound


@pytest.mark.bad_input
@pytest.mark.parametrize("given", ["", "a b", "10.0.0.0/8", "no-such-host.invalid"])
def test_what_is_no_address_is_refused_in_one_line(given: str) -> None:
    with pytest.raises(LabError) as refused:
        check_bind(given)
    assert "\n" not in str(refused.value)
