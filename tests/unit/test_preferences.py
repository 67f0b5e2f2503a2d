"""The preferences file: what a good one sets, and one line naming the file and line for each bad
setting, which then keeps its default while the rest of the file still applies."""

from __future__ import annotations

from pathlib import Path

import pytest

from tui.preferences import (
    BoundKey,
    Choices,
    ContainersView,
    Preferences,
    config_path,
    describe,
    key_line,
    load_preferences,
)

CHOICES = Choices(
    themes=["nord", "gruvbox", "textual-dark"],
    columns=["name", "image", "state", "status", "ports", "cpu"],
    actions={"stop": "Stop", "logs": "Logs", "inspect": "Inspect", "quit": "Quit"},
    scopes={
        "the containers tab": [
            BoundKey("stop", "t", "Stop"),
            BoundKey("logs", "l", "Logs"),
            BoundKey("inspect", "i", "Inspect"),
            BoundKey(None, "j", "Down"),
            BoundKey("quit", "q", "Quit"),
        ],
        "the logs view": [BoundKey(None, "slash", "Search"), BoundKey("quit", "q", "Quit")],
    },
)

GOOD = """\
# my dashboard
theme = "nord"
stats = "api"

[containers]
sort = "cpu"
reverse = true
columns = ["name", "state", "cpu"]

[keys]
stop = "s"
inspect = "I,f5"
"""


def load(tmp_path: Path, text: str) -> Preferences:
    path = tmp_path / "config.toml"
    path.write_text(text)
    return load_preferences(path, CHOICES)


def test_a_good_file_sets_everything(tmp_path):
    prefs = load(tmp_path, GOOD)
    assert prefs.errors == ()
    assert prefs.theme == "nord" and prefs.stats == "api"
    assert prefs.containers == ContainersView("cpu", True, ("name", "state", "cpu"))
    assert prefs.keys == {"stop": "s", "inspect": "I,f5"}
    assert "ok" in describe(prefs) and "stop=s" in describe(prefs)


def test_no_file_means_the_defaults_without_an_error(tmp_path):
    prefs = load_preferences(tmp_path / "absent.toml", CHOICES)
    assert prefs == Preferences(path=tmp_path / "absent.toml")
    assert prefs.containers == ContainersView("state", False, ())
    assert "every setting has its default" in describe(prefs)


def test_the_path_follows_xdg_config_home(tmp_path):
    assert config_path({"XDG_CONFIG_HOME": str(tmp_path)}) == (
        tmp_path / "container-lab" / "config.toml"
    )
    home = Path.home() / ".config" / "container-lab" / "config.toml"
    assert config_path({}) == home
    assert config_path({"XDG_CONFIG_HOME": "relative/dir"}) == home  # the spec: ignore it


BAD = [
    # (name, file text, the line, words the error must have, what must still apply)
    ("bad TOML", 'theme = "nord"\n[containers\nsort = "cpu"\n', 2, ["not valid TOML"], None),
    ("unknown theme", 'theme = "nordd"\nstats = "api"\n', 1, ['"nordd"', "gruvbox, nord"], "stats"),
    ("theme not a string", "stats = 'api'\ntheme = 3\n", 2, ["unknown theme 3"], "stats"),
    ("unknown stats", 'stats = "fast"\ntheme = "nord"\n', 1, ["auto, api, cgroup"], "theme"),
    ("unknown setting", 'theme = "nord"\n\ncolour = 1\n', 3, ["colour", "[keys]"], "theme"),
    (
        "unknown column",
        'theme = "nord"\n[containers]\ncolumns = ["name", "cpuu"]\n',
        3,
        ['"cpuu"', "name, image, state"],
        "theme",
    ),
    (
        "columns without name",
        'theme = "nord"\n[containers]\ncolumns = ["state"]\n',
        3,
        ["include 'name'"],
        "theme",
    ),
    (
        "columns not a list",
        'theme = "nord"\n[containers]\ncolumns = "name"\n',
        3,
        ["list of column names"],
        "theme",
    ),
    (
        "unknown sort column",
        'theme = "nord"\n[containers]\nsort = "speed"\n',
        3,
        ['"speed"', "name, image"],
        "theme",
    ),
    (
        "sort by a hidden column",
        'theme = "nord"\n[containers]\ncolumns = ["name", "cpu"]\n\nsort = "ports"\n',
        5,
        ["not among the columns shown", "name, cpu"],
        "theme",
    ),
    (
        "reverse not a boolean",
        'theme = "nord"\n[containers]\nreverse = 1\n',
        3,
        ["true or false"],
        "theme",
    ),
    (
        "unknown setting in [containers]",
        'theme = "nord"\n[containers]\nsortt = "cpu"\n',
        3,
        ["sortt", "sort, reverse, columns"],
        "theme",
    ),
    (
        "unknown action",
        'theme = "nord"\n[keys]\nstpo = "s"\n',
        3,
        ["stpo", "stop, logs, inspect, quit"],
        "theme",
    ),
    ("not a key", 'theme = "nord"\n[keys]\nstop = "s t"\n', 3, ['"ctrl+s"'], "theme"),
    ("key not a string", 'theme = "nord"\n[keys]\n"stop" = 5\n', 3, ["stop = 5"], "theme"),
    (
        "key taken in the same place",
        'theme = "nord"\n[keys]\nstop = "j"\n',
        3,
        ['j is already "Down" in the containers tab', "remap that one too"],
        "theme",
    ),
    (
        "keys not a table",
        'theme = "nord"\nkeys = "s"\n',
        2,
        ["keys must be a table"],
        "theme",
    ),
]


@pytest.mark.bad_input
@pytest.mark.parametrize(
    ("name", "text", "line", "words", "kept"), BAD, ids=[case[0] for case in BAD]
)
def test_a_bad_setting_is_one_line_naming_file_and_line_and_keeps_its_default(
    tmp_path, bad_input, name, text, line, words, kept
):
    prefs = load(tmp_path, text)
    assert len(prefs.errors) == 1, prefs.errors
    error = prefs.errors[0]
    assert "\n" not in error
    assert error.startswith(f"{tmp_path / 'config.toml'}:{line}:"), error
    for word in words:
        assert word in error, error
    defaults = Preferences()
    assert prefs.containers in (
        defaults.containers,
        ContainersView("name", False, ("name", "cpu")),
    )  # state hidden: by name
    if name == "bad TOML":
        assert prefs.theme is None  # the whole file is dropped
    assert prefs.keys == {}
    if kept == "theme":
        assert prefs.theme == "nord"
    if kept == "stats":
        assert prefs.stats == "api"
    bad_input(name)


@pytest.mark.bad_input
def test_an_unreadable_or_binary_file_is_one_line_and_all_defaults(tmp_path, bad_input):
    folder = tmp_path / "config.toml"
    folder.mkdir()
    prefs = load_preferences(folder, CHOICES)
    assert len(prefs.errors) == 1 and "cannot be read" in prefs.errors[0]
    bad_input("a folder")
    binary = tmp_path / "binary.toml"
    binary.write_bytes(b'theme = "\xff\xfe"\n')
    prefs = load_preferences(binary, CHOICES)
    assert prefs.errors == (f"{binary}: not UTF-8 text (byte 9); every setting keeps its default",)
    bad_input("not UTF-8")


def test_swapping_two_keys_is_no_clash_and_other_places_are_apart(tmp_path):
    prefs = load(tmp_path, '[keys]\nstop = "l"\nlogs = "t"\nquit = "slash,x"\n')
    assert prefs.errors == (
        f'{tmp_path / "config.toml"}:4: quit = "slash,x": slash is already '
        '"Search" in the logs view; pick another key, or remap that one too '
        "(the default is used)",
    )
    assert prefs.keys == {"stop": "l", "logs": "t"}
    prefs = load(tmp_path, '[keys]\nquit = "/"\n')  # "/" is Textual's slash
    assert "slash is already" in prefs.errors[0]


def test_several_bad_settings_give_a_line_each_in_file_order(tmp_path):
    prefs = load(tmp_path, '[keys]\nstpo = "x"\n[containers]\nsort = "x"\n\n\ntheme = "x"\n')
    lines = [error.split(":")[1] for error in prefs.errors]
    assert lines == ["2", "4", "7"], prefs.errors  # theme after [containers] is its key


def test_key_line_finds_quoted_keys_and_falls_back_to_the_section():
    text = '# c\n[keys]\n"stop" = "s"\n  logs="l"\n[containers]\ncolumns = [\n "name",\n]\n'
    assert key_line(text, "keys", "stop") == 3
    assert key_line(text, "keys", "logs") == 4
    assert key_line(text, "containers", "columns") == 6
    assert key_line(text, "containers", "sort") == 5
    assert key_line(text, "", "theme") is None
