"""The inspect document as entries: document order, JSON values, secrets masked until revealed,
and a search that never finds a hidden value."""

from __future__ import annotations

from tui.engine.inspect import is_secret, is_secret_key, masked
from tui.views.inspect.document import entries, label, matches

DOCUMENT = {
    "Id": "abc123",
    "Config": {
        "Env": ["PATH=/usr/bin", "DB_PASSWORD=hunter2", "EMPTY="],
        "Labels": {"com.example.api-key": "k-42", "team": "ml"},
        "Tty": False,
        "Cmd": None,
    },
    "HostConfig": {"Memory": 268435456, "Tmpfs": {}},
    "Secrets": [{"Name": "s", "Value": "inside"}],
}


def by_path(reveal: bool) -> dict[tuple[str | int, ...], str]:
    return {entry.path: label(entry, reveal).plain for entry in entries(DOCUMENT)}


def test_entries_come_in_document_order_with_json_values():
    paths = [entry.path for entry in entries(DOCUMENT)]
    assert paths[:3] == [("Id",), ("Config",), ("Config", "Env")]
    assert paths.index(("HostConfig",)) > paths.index(("Config", "Cmd"))
    shown = by_path(reveal=True)
    assert shown[("Id",)] == '"Id": "abc123"'
    assert shown[("Config", "Tty")] == '"Tty": false'
    assert shown[("Config", "Cmd")] == '"Cmd": null'
    assert shown[("HostConfig", "Memory")] == '"Memory": 268435456'
    assert shown[("Config",)] == '"Config": {4 keys}'
    assert shown[("Config", "Env")] == '"Env": [3 items]'
    assert shown[("HostConfig", "Tmpfs")] == '"Tmpfs": {}'
    assert shown[("Config", "Env", 0)] == '0: "PATH=/usr/bin"'


def test_env_values_and_secret_keys_are_masked_until_revealed():
    hidden, shown = by_path(reveal=False), by_path(reveal=True)
    assert hidden[("Config", "Env", 0)] == '0: "PATH=***"'
    assert hidden[("Config", "Env", 1)] == '1: "DB_PASSWORD=***"'
    assert hidden[("Config", "Env", 2)] == '2: "EMPTY=***"'
    assert hidden[("Config", "Labels", "com.example.api-key")].endswith('"***"')
    assert hidden[("Secrets", 0, "Value")].endswith('"***"')  # under a SECRET key
    assert hidden[("Config", "Labels", "team")] == '"team": "ml"'
    assert (
        "hunter2" in shown[("Config", "Env", 1)]
        and "k-42" in shown[("Config", "Labels", "com.example.api-key")]
    )
    assert not any("hunter2" in text or "k-42" in text for text in hidden.values())


def test_what_counts_as_secret():
    for key in ("API_TOKEN", "db.password", "SandboxKey", "client_secret"):
        assert is_secret_key(key), key
    assert not is_secret_key("Image")
    assert is_secret(("Config", "Env", 3)) and not is_secret(("Config", "Env"))
    assert masked(("Config", "Env", 0), "A=b=c") == "A=***"
    assert masked(("Config", "Image"), "debian") == "debian"


def test_search_matches_what_is_shown_never_a_hidden_value():
    env = next(e for e in entries(DOCUMENT) if e.path == ("Config", "Env", 1))
    assert matches(env, reveal=False, term="db_pass")  # the name is shown
    assert not matches(env, reveal=False, term="hunter")
    assert matches(env, reveal=True, term="HUNTER")
    assert not matches(env, reveal=True, term="")
    highlighted = label(env, reveal=True, term="hunter")
    assert any(span.style == "bold black on yellow" for span in highlighted.spans)
