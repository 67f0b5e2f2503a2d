"""Over ssh, only an idempotent request whose connection was found closed goes once more."""

from __future__ import annotations

import pytest
from urllib3.exceptions import MaxRetryError, ProtocolError, ReadTimeoutError

from tui.engine.client import OnceOnANewChannel

CLOSED = ProtocolError("Connection aborted.", OSError("Socket is closed"))


def _retry() -> OnceOnANewChannel:
    return OnceOnANewChannel(total=1, connect=0, read=1, redirect=0, status=0, other=0)


def test_a_get_on_a_closed_channel_goes_once_more_and_only_once() -> None:
    again = _retry().increment("GET", "/_ping", error=CLOSED)
    assert isinstance(again, OnceOnANewChannel)
    with pytest.raises((ProtocolError, MaxRetryError)):
        again.increment("GET", "/_ping", error=CLOSED)


def test_a_request_that_may_change_something_is_not_sent_again() -> None:
    with pytest.raises(ProtocolError):
        _retry().increment("POST", "/containers/create", error=CLOSED)


def test_a_timeout_is_not_waited_out_twice() -> None:
    timeout = ReadTimeoutError(None, "/containers/json", "Read timed out.")  # type: ignore[arg-type]
    with pytest.raises(ReadTimeoutError):
        _retry().increment("GET", "/containers/json", error=timeout)
