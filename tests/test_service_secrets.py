"""Target URLs read from files ($CREDENTIALS_DIRECTORY or next to the config): never shown."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from tests.conftest import Endpoint, drop_file, newsmon_cmd

TOKEN = "s3cr3tT0kenThatMustNotLeak"


def _env(credentials: Path | None) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("CREDENTIALS_DIRECTORY", None)
    if credentials is not None:
        env["CREDENTIALS_DIRECTORY"] = str(credentials)
    return env


def test_target_url_from_a_credential_file_delivers_and_is_masked(tmp_path: Path,
                                                                  endpoint: Endpoint) -> None:
    creds = tmp_path / "creds"
    creds.mkdir()
    (creds / "hook.url").write_text(f"# the team's webhook\n{endpoint.url}?token={TOKEN}\n")
    folder = tmp_path / "in"
    folder.mkdir()
    config = tmp_path / "c.toml"
    config.write_text(f'[[folders]]\npath = "{folder}"\n\n[[rules]]\nname = "r"\nquery = "Izium"\n'
                      'notify = ["hook"]\n\n[targets]\nhook_file = "hook.url"\n')
    check = subprocess.run(newsmon_cmd("check", "--config", str(config)), capture_output=True, text=True,
                           env=_env(creds), timeout=60)
    assert check.returncode == 0, check.stderr
    assert "hook: json://127.0.0.1" in check.stdout and TOKEN not in check.stdout

    drop_file(folder, "a.txt", "Izium secretMarker\n\nText about Izium.\n")
    run = subprocess.run(newsmon_cmd("run", "--once", "--config", str(config), "--state-dir",
                                     str(tmp_path / "s")), capture_output=True, text=True,
                         env=_env(creds), timeout=60)
    assert run.returncode == 0, run.stderr
    assert [m["title"] for m in endpoint.received] == ["Izium secretMarker"]
    assert TOKEN not in run.stderr + run.stdout


def test_relative_file_next_to_the_config_without_credentials_directory(tmp_path: Path) -> None:
    (tmp_path / "hook.url").write_text("json://127.0.0.1:9/hook\n")
    config = tmp_path / "c.toml"
    config.write_text('[targets]\nhook_file = "hook.url"\n')
    check = subprocess.run(newsmon_cmd("check", "--config", str(config)), capture_output=True, text=True,
                           env=_env(None), timeout=60)
    assert check.returncode == 0, check.stderr
    assert "hook: json://127.0.0.1:9/hook" in check.stdout


def test_missing_empty_or_doubled_target_file_is_a_clear_config_error(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    cases = {
        'hook_file = "nope.url"\n': "targets.hook_file: cannot read",
        'hook_file = "empty.url"\n': "holds no Apprise URL",
        'hook = ["json://127.0.0.1/x"]\nhook_file = "empty.url"\n': "also set directly",
    }
    (tmp_path / "empty.url").write_text("# nothing yet\n")
    for body, message in cases.items():
        config.write_text("[targets]\n" + body)
        out = subprocess.run(newsmon_cmd("check", "--config", str(config)), capture_output=True,
                             text=True, env=_env(tmp_path / "no-creds"), timeout=60)
        assert out.returncode == 2, body
        assert str(config) in out.stderr and message in out.stderr, out.stderr
