"""Config loading: includes, relative paths, one-line errors with exit code 2."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from monitor.settings import ConfigError, load_config
from monitor.validate import load_checked
from tests.conftest import ROOT, newsmon_cmd


def test_shipped_config_loads_and_resolves_paths_against_its_folder() -> None:
    config = load_config(ROOT / "config" / "newsmon.toml")
    assert config.folders[0].path == (ROOT / "seeds").resolve()
    assert config.state_dir == (ROOT / "state").resolve()
    assert config.rules and all(r.notify for r in config.rules)


def test_drop_in_files_are_merged_and_errors_name_the_drop_in(tmp_path: Path) -> None:
    (tmp_path / "rules.d").mkdir()
    (tmp_path / "main.toml").write_text(
        'include = ["rules.d/*.toml"]\n[[rules]]\nname = "a"\nquery = "x"\nnotify = ["t"]\n'
        '[targets]\nt = ["json://127.0.0.1:9/h"]\n')
    (tmp_path / "rules.d" / "more.toml").write_text(
        '[[folders]]\npath = "in"\n[[rules]]\nname = "b"\nquery = "y"\n')
    config = load_config(tmp_path / "main.toml")
    assert [r.name for r in config.rules] == ["a", "b"]
    assert config.folders[0].path == (tmp_path / "rules.d" / "in").resolve()

    (tmp_path / "rules.d" / "more.toml").write_text('[[rules]]\nname = "b"\nqeury = "y"\n')
    with pytest.raises(ConfigError) as err:
        load_config(tmp_path / "main.toml")
    line = str(err.value)
    assert line.startswith(str(tmp_path / "rules.d" / "more.toml") + ": rules[0].qeury: unknown key")
    assert 'did you mean "query"' in line


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[[rules]]\nname = "r"\nquery = "x"\nnotfy = ["log"]\n',
         'rules[0].notfy: unknown key; did you mean "notify"?'),
        ('[[rules]]\nname = "r"\nquery = 42\n', "rules[0].query: Input should be a valid string"),
        ('[[rules]]\nname = "r\nquery = "x"\n', "line 2, column"),
        ('[[rules]]\nname = "r"\nquery = "x"\nnotify = ["nowhere"]\n',
         'notify names target "nowhere", which is not in [targets]'),
        ('[targets]\nbad = ["nosuchscheme://x"]\n', 'target "bad": Apprise does not recognise'),
        ('[[folders]]\npath = "in"\nsettle = "soon"\n', "folders[0].settle: expected a duration"),
        ('[[rules]]\nname = "r"\n', "needs a `query`, `locations`, or both"),
    ],
)
def test_errors_are_one_line_naming_file_and_key(write_config, text: str, expected: str) -> None:
    path = write_config(text)
    with pytest.raises(ConfigError) as err:
        load_checked(path)
    message = str(err.value)
    assert message.startswith(f"{path}: ")
    assert expected in message
    assert "\n" not in message


def test_secret_in_a_bad_target_url_is_masked(write_config) -> None:
    path = write_config('[targets]\nbad = ["nosuchscheme://user:hunter2@host/?token=abc123"]\n')
    with pytest.raises(ConfigError) as err:
        load_checked(path)
    assert "hunter2" not in str(err.value) and "abc123" not in str(err.value)


def test_check_command_exit_codes_and_masked_summary(write_config) -> None:
    bad = write_config('[[rules]]\nname = "r"\nquery = "x"\nnotfy = ["log"]\n', "bad.toml")
    proc = subprocess.run(newsmon_cmd("check", "--config", str(bad)), capture_output=True, text=True)
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0 and "did you mean" in proc.stderr

    good = write_config('[[rules]]\nname = "r"\nquery = "x"\nnotify = ["mail"]\n[targets]\n'
                        'mail = ["mailto://bob:s3cret@127.0.0.1:2525?from=n@example.com&to=a@example.com"]\n',
                        "good.toml")
    proc = subprocess.run(newsmon_cmd("check", "--config", str(good)), capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "rules: 1" in proc.stdout and "targets: 1" in proc.stdout
    assert "notification log kept 90d" in proc.stdout
    assert "s3cret" not in proc.stdout


def test_missing_config_file_is_a_config_error(tmp_path: Path) -> None:
    cmd = newsmon_cmd("run", "--once", "--config", str(tmp_path / "nope.toml"))
    proc = subprocess.run(cmd, capture_output=True, text=True)
    assert proc.returncode == 2
    assert "no such config file" in proc.stderr


def test_big_configs_parse_the_same_fast_and_errors_read_the_same(tmp_path: Path) -> None:
    import tomllib

    from monitor.settings.load import _FAST_TOML_MIN, _fast_toml

    rules = "".join(
        f'[[rules]]\nname = "r{i}"\nquery = "\\"Kharkiv region\\" OR Izium-{i} OR caf\\u00e9"\n'
        f"locations = {{ near = [{{ lat = 49.{i % 10}, lon = 37.3, radius_km = {i % 90 + 10} }}] }}\n"
        f"notify = []\n\n" for i in range(400))
    text = 'include = []\nlog_level = "info"\n\n' + rules
    assert len(text) > _FAST_TOML_MIN
    assert _fast_toml(text) == tomllib.loads(text)
    path = tmp_path / "big.toml"
    path.write_text(text)
    assert len(load_config(path).rules) == 400
    # A broken big file gets tomllib's message, with its line and column.
    path.write_text(text + '[[rules]]\nname = "unclosed\n')
    with pytest.raises(ConfigError, match=r"big.toml: line \d+, column \d+: invalid TOML"):
        load_config(path)
