"""Config hardening (issue #10): one pass, drop-in files named, hostile values, discovery.

`newsmon check` and `newsmon run` run as real subprocesses: what the user sees is what is tested.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, newsmon_cmd

LINE = re.compile(r"^(?P<file>/[^:]+): (?P<path>[^:]+): (?P<message>.+)$")


def newsmon(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None,
            timeout: float = 60) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k != "NEWSMON_CONFIG"}
    base["PYTHONPATH"] = str(ROOT) + os.pathsep + base.get("PYTHONPATH", "")
    return subprocess.run(newsmon_cmd(*args), capture_output=True, text=True, cwd=cwd or ROOT,
                          env={**base, **(env or {})}, timeout=timeout)


def problems(stderr: str) -> list[tuple[str, str, str]]:
    """Every stderr line as (file, path, message); a line of another shape fails the test."""
    out = []
    for line in stderr.strip().splitlines():
        m = LINE.match(line)
        assert m, f"not a `FILE: path: message` line: {line!r}"
        out.append((m["file"], m["path"], m["message"]))
    return out


# -- every problem in one pass, each naming its own file ---------------------------
def test_check_reports_every_problem_in_one_pass_naming_each_file(tmp_path: Path) -> None:
    (tmp_path / "rules.d").mkdir()
    main = tmp_path / "newsmon.toml"
    main.write_text(
        'include = ["rules.d/*.toml"]\n'
        '[[folders]]\npath = "no-such-inbox"\n'
        '[[rules]]\nname = "typo"\nquery = "x"\nnotfy = ["chat"]\n'           # a misspelt key
        '[[rules]]\nname = "ok"\nquery = "x"\nnotify = ["chta"]\n'           # a target misspelt
        '[targets]\nchat = ["json://127.0.0.1:9/hook"]\n')
    drop_in = tmp_path / "rules.d" / "more.toml"
    drop_in.write_text(
        '[[rules]]\nname = "fine"\nquery = "y"\n'
        '[[rules]]\nname = "quote"\nquery = \'"unclosed\'\n'                 # a query error
        '[[rules]]\nname = "where"\nlocations = { places = ["Xqzvblorp"] }\n'  # an unknown place
        '[[rules]]\nname = "where2"\nlocations = { within = ["Qqqxxzz"] }\n'  # and another
        '[targets]\nbad = ["nosuchscheme://x"]\n')                            # an Apprise error
    proc = newsmon("check", "--config", str(main), timeout=120)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    found = {(Path(f).name, p): m for f, p, m in problems(proc.stderr)}
    assert set(found) == {
        ("newsmon.toml", "rules[0].notfy"),
        ("newsmon.toml", "rules[1].notify[0]"),
        ("newsmon.toml", "folders[0].path"),
        ("more.toml", "rules[1].query"),
        ("more.toml", "rules[2].locations.places[0]"),
        ("more.toml", "rules[3].locations.within[0]"),
        ("more.toml", "targets.bad"),
    }, proc.stderr
    assert 'did you mean "chat"?' in found[("newsmon.toml", "rules[1].notify[0]")]
    assert "unclosed quote" in found[("more.toml", "rules[1].query")]
    assert "does not exist" in found[("newsmon.toml", "folders[0].path")]
    assert "mkdir" in found[("newsmon.toml", "folders[0].path")]


def test_unknown_notify_target_gets_did_you_mean(write_config) -> None:
    path = write_config('[[rules]]\nname = "r"\nquery = "x"\nnotify = ["slak"]\n'
                        '[health]\nnotify = ["nowhere"]\n'
                        '[targets]\nslack = ["json://127.0.0.1:9/h"]\n')
    proc = newsmon("check", "--config", str(path))
    assert proc.returncode == 2
    lines = problems(proc.stderr)
    assert (str(path), "rules[0].notify[0]",
            'rule "r": notify names target "slak", which is not in [targets]; did you mean "slack"?') in lines
    assert any(p == "health.notify[0]" and "known: slack" in m for _, p, m in lines)


def test_missing_or_non_folder_path_is_an_error_naming_file_and_key(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("x")
    path = tmp_path / "c.toml"
    path.write_text('[[folders]]\npath = "inbox"\n[[folders]]\npath = "a-file"\n')
    proc = newsmon("check", "--config", str(path))
    assert proc.returncode == 2
    lines = problems(proc.stderr)
    assert [(f, p) for f, p, _ in lines] == [(str(path), "folders[0].path"), (str(path), "folders[1].path")]
    assert f"folder {tmp_path / 'inbox'} does not exist; create it" in lines[0][2]
    assert "is not a folder" in lines[1][2]
    (tmp_path / "inbox").mkdir()
    path.write_text('[[folders]]\npath = "inbox"\n')
    assert newsmon("check", "--config", str(path)).returncode == 0


def test_errors_in_an_included_file_name_that_file_and_its_own_index(tmp_path: Path) -> None:
    (tmp_path / "feeds.d").mkdir()
    main = tmp_path / "main.toml"
    main.write_text('include = ["feeds.d/*.toml"]\n[[feeds]]\nname = "a"\nurl = "https://a.example/f"\n'
                    '[[rules]]\nname = "r"\nquery = "x"\n'
                    '[[rules]]\nname = "ua"\nlocations = { within = ["Ukraine"] }\n')  # homes are used
    (tmp_path / "feeds.d" / "f.toml").write_text(
        '[[feeds]]\nname = "b"\nurl = "https://b.example/f"\n'
        '[[feeds]]\nname = "a"\nurl = "https://c.example/f"\ninterval = "99999999999d"\n'
        '[[feeds]]\nname = "a"\nurl = "https://d.example/f"\nhome = "Nowhereville Qq"\n'
        '[[rules]]\nname = "r"\nquery = "y"\n')
    proc = newsmon("check", "--config", str(main), timeout=120)
    assert proc.returncode == 2
    found = {(Path(f).name, p) for f, p, _ in problems(proc.stderr)}
    assert found == {("f.toml", "feeds[1].interval"),      # a shape error
                     ("f.toml", "feeds[2].name"),          # a duplicate name
                     ("f.toml", "feeds[2].home"),          # a place the matcher cannot resolve
                     ("f.toml", "rules[0].name")}, proc.stderr


# -- hostile numbers and durations ------------------------------------------------
# (TOML before the key, key) for every numeric or duration key of the config.
NUMERIC_KEYS = [
    ("", "retention"),
    ('[[folders]]\npath = "."\n', "max_bytes"),
    ('[[folders]]\npath = "."\n', "settle"),
    ('[[feeds]]\nname = "f"\nurl = "https://x.example/f"\n', "interval"),
    ('[[feeds]]\nname = "f"\nurl = "https://x.example/f"\n', "silent_after"),
    ("[fetch]\n", "timeout"),
    ("[fetch]\n", "connect_timeout"),
    ("[fetch]\n", "max_bytes"),
    ("[fetch]\n", "max_redirects"),
    ("[fetch]\n", "per_host"),
    ("[fetch]\n", "concurrency"),
    ("[fetch]\n", "max_backoff"),
    ("[fetch]\n", "jitter"),
    ("[fetch]\n", "parse_workers"),
    ("[fetch]\n", "max_items"),
    ("[state]\n", "lease_ttl"),
    ("", "content_window"),
    ("[stories]\n", "threshold"),
    ("[stories]\n", "window"),
    ("[stories]\n", "max_articles"),
    ("[web]\n", "keep_articles"),
    ("[health]\n", "failures"),
    ("[health]\n", "silent_after"),
    ("[alerts]\n", "retry_initial"),
    ("[alerts]\n", "retry_max"),
    ("[alerts]\n", "max_age"),
    ("[alerts]\n", "max_per_hour"),
    ("[alerts.min_interval]\n", "chat"),
    ("[alerts.max_chars]\n", "chat"),
    ('[[rules]]\nname = "r"\nquery = "x"\n', "max_per_hour"),
    ('[[rules]]\nname = "r"\n[rules.locations]\nwithin = ["Ukraine"]\n', "min_mentions"),
    ('[[rules]]\nname = "r"\n[rules.locations]\n[[rules.locations.near]]\nlat = 50\nlon = 30\n',
     "radius_km"),
    ('[[rules]]\nname = "r"\n[rules.locations]\n[[rules.locations.near]]\nlon = 30\nradius_km = 5\n',
     "lat"),
    ('[[rules]]\nname = "r"\n[rules.locations]\n[[rules.locations.near]]\nlat = 30\nradius_km = 5\n',
     "lon"),
    ('[[places]]\nname = "p"\nlon = 30\n', "lat"),
    ('[[places]]\nname = "p"\nlat = 30\n', "lon"),
]
HOSTILE = ["1e309", "inf", "-inf", "nan", "1e30", "-1e30", "99999999999999999999", '"99999999999d"',
           '"inf"', '"nan"', '"1e309"']


def _numeric_fields(model: type, prefix: str = "") -> set[str]:
    """Every int/float/duration field reachable from `model` (to keep NUMERIC_KEYS complete)."""
    import typing
    from datetime import timedelta

    from pydantic import BaseModel

    found: set[str] = set()
    for name, field in model.model_fields.items():  # type: ignore[attr-defined]
        stack = [field.annotation]
        while stack:
            ann = stack.pop()
            if isinstance(ann, type) and issubclass(ann, BaseModel):
                found |= _numeric_fields(ann, f"{prefix}{name}.")
            elif ann in (int, float, timedelta):
                found.add(prefix + name)
            stack += list(typing.get_args(ann))
    return found


def test_sweep_covers_every_numeric_key() -> None:
    from monitor.settings import Config

    fields = {f.split(".")[-1] for f in _numeric_fields(Config)}
    covered = {key for _, key in NUMERIC_KEYS} | {"min_interval", "max_chars"}
    assert fields <= covered, fields - covered


@pytest.mark.parametrize("value", HOSTILE)
@pytest.mark.parametrize(("before", "key"), NUMERIC_KEYS, ids=[f"{b.split(chr(10))[0]}{k}"
                                                                 for b, k in NUMERIC_KEYS])
def test_hostile_numbers_are_one_clean_line_and_exit_2(tmp_path: Path, before: str, key: str,
                                                       value: str) -> None:
    from click.testing import CliRunner

    from monitor.cli import main

    path = tmp_path / "c.toml"
    path.write_text(f"{before}{key} = {value}\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["check", "--config", str(path)])
    assert isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code == 2, result.output
    [(file, where, message)] = problems(result.stderr)
    assert file == str(path) and where.endswith(key) and "Traceback" not in message


def test_hostile_durations_from_the_real_command(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    for value, said in [('"99999999999d"', "too long (at most 3650d)"), ("inf", "too long"),
                        ("nan", "nan"), ('"31d"', "31d is too long (at most 30d)")]:
        path.write_text(f"[alerts]\nretry_max = {value}\n")
        proc = newsmon("check", "--config", str(path))
        assert proc.returncode == 2 and "Traceback" not in proc.stderr
        [(_, where, message)] = problems(proc.stderr)
        assert where == "alerts.retry_max" and said in message, message
    path.write_text('[alerts]\nretry_max = "30d"\nmax_age = "365d"\n[[feeds]]\nname = "f"\n'
                    'url = "https://x.example/"\ninterval = "7d"\n')
    assert newsmon("check", "--config", str(path)).returncode == 0  # the bounds themselves are fine


# -- files that are not config files ---------------------------------------------
@pytest.mark.parametrize("include", ["/dev/zero", "/dev/urandom", "/dev"])
def test_include_of_a_device_or_folder_is_refused_at_once(write_config, include: str) -> None:
    path = write_config(f'include = ["{include}"]\n')
    proc = newsmon("check", "--config", str(path), timeout=20)
    assert proc.returncode == 2
    assert proc.stderr.strip().startswith(f"{include}: ")
    assert "regular TOML file" in proc.stderr


def test_main_config_must_be_a_regular_file() -> None:
    proc = newsmon("check", "--config", "/dev/zero", timeout=20)
    assert proc.returncode == 2 and proc.stderr.startswith("/dev/zero: not a regular file")


def test_oversized_include_is_refused(tmp_path: Path) -> None:
    from monitor.settings.load import MAX_CONFIG_BYTES

    big = tmp_path / "big.toml"
    with big.open("wb") as fh:
        fh.truncate(MAX_CONFIG_BYTES + 10)  # sparse: nothing is written
    path = tmp_path / "c.toml"
    path.write_text('include = ["big.toml"]\n')
    proc = newsmon("check", "--config", str(path), timeout=20)
    assert proc.returncode == 2 and proc.stderr.startswith(f"{big}: larger than 16 MiB")


# -- places: the qualifier check suggests is accepted ---------------------------------
def test_the_qualifier_check_suggests_for_a_country_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text('[[rules]]\nname = "g"\nlocations = { within = ["Georgia"] }\n')
    proc = newsmon("check", "--config", str(path), timeout=120)
    assert proc.returncode == 0, proc.stderr
    suggested = re.search(r'"(Georgia, [A-Z]{2})" for Georgia\b', proc.stdout)
    assert suggested, proc.stdout
    path.write_text(f'[[rules]]\nname = "g"\nlocations = {{ within = ["{suggested[1]}"] }}\n')
    proc = newsmon("check", "--config", str(path), timeout=120)
    assert proc.returncode == 0, proc.stderr
    # ... and it means the country: an article from Tbilisi matches, one from Atlanta does not.
    articles = tmp_path / "a.jsonl"
    articles.write_text("".join(json.dumps(a) + "\n" for a in [
        {"id": "tbilisi", "title": "Protests in Tbilisi", "body": "Crowds gathered in Tbilisi, Georgia."},
        {"id": "atlanta", "title": "Storm in Atlanta", "body": "Atlanta, Georgia, lost power."}]))
    proc = newsmon("match", "--config", str(path), "--articles", str(articles), timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert [json.loads(x)["article"] for x in proc.stdout.splitlines()] == ["tbilisi"]


# -- state dir ---------------------------------------------------------------------
def test_state_dir_url_is_refused_not_made_into_a_folder(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    path = tmp_path / "c.toml"
    path.write_text('[[folders]]\npath = "in"\n[[rules]]\nname = "r"\nquery = "x"\n')
    proc = newsmon("run", "--once", "--config", str(path), "--state-dir",
                   "postgresql://newsmon:hunter2@db.example/newsmon", cwd=tmp_path)
    assert proc.returncode == 2
    assert "PostgreSQL" in proc.stderr and "[state] url" in proc.stderr
    assert "hunter2" not in proc.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.toml", "in"]  # no `postgresql:` folder

    path.write_text('state_dir = "sqlite:///x.db"\n[[rules]]\nname = "r"\nquery = "x"\n')
    proc = newsmon("check", "--config", str(path), cwd=tmp_path)
    assert proc.returncode == 2
    [(_, where, message)] = problems(proc.stderr)
    assert where == "state_dir" and "[state] url" in message


# -- where the config is found -----------------------------------------------------------
def test_config_is_found_outside_the_repo_and_the_error_lists_the_places_tried(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {"XDG_CONFIG_HOME": str(tmp_path / "xdg")}
    proc = newsmon("check", cwd=elsewhere, env=env)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    for tried in (elsewhere / "config" / "newsmon.toml", tmp_path / "xdg" / "newsmon" / "newsmon.toml",
                  Path("/etc/newsmon/newsmon.toml")):
        assert str(tried) in proc.stderr
    assert "--config" in proc.stderr and "NEWSMON_CONFIG" in proc.stderr

    user = tmp_path / "xdg" / "newsmon" / "newsmon.toml"
    user.parent.mkdir(parents=True)
    user.write_text('[[rules]]\nname = "user-config"\nquery = "x"\n')
    proc = newsmon("check", cwd=elsewhere, env=env)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith(f"{user}: OK") and "user-config" in proc.stdout

    # ./config/newsmon.toml comes before the user's, and $NEWSMON_CONFIG before both.
    (elsewhere / "config").mkdir()
    (elsewhere / "config" / "newsmon.toml").write_text('[[rules]]\nname = "cwd-config"\nquery = "x"\n')
    assert "cwd-config" in newsmon("check", cwd=elsewhere, env=env).stdout
    chosen = tmp_path / "env.toml"
    chosen.write_text('[[rules]]\nname = "env-config"\nquery = "x"\n')
    assert "env-config" in newsmon("check", cwd=elsewhere, env={**env, "NEWSMON_CONFIG": str(chosen)}).stdout
    proc = newsmon("check", cwd=elsewhere, env={**env, "NEWSMON_CONFIG": str(tmp_path / "gone.toml")})
    assert proc.returncode == 2 and "$NEWSMON_CONFIG names it" in proc.stderr


def test_readme_run_from_the_repo_root_finds_the_shipped_config() -> None:
    proc = newsmon("check", cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith(f"{ROOT / 'config' / 'newsmon.toml'}: OK")


# -- `newsmon match` stays lean -------------------------------------------------------
def test_match_never_imports_apprise_even_with_targets_templates_and_digests(tmp_path: Path) -> None:
    (tmp_path / "t.j2").write_text("{{ article.title }}")
    path = tmp_path / "c.toml"
    path.write_text(
        '[alerts]\ndigest = { cron = "0 8 * * *" }\n[alerts.templates]\ntext = "t.j2"\n'
        '[[folders]]\npath = "not-here"\n'
        '[[rules]]\nname = "r"\nquery = "Izium"\nnotify = ["chat", "mail"]\n'
        '[targets]\nchat = ["json://127.0.0.1:9/hook"]\nmail = ["mailto://u:p@127.0.0.1:2525?to=a@b.example"]\n')
    articles = tmp_path / "a.jsonl"
    articles.write_text(json.dumps({"id": "a", "title": "Izium"}) + "\n")
    code = ("import runpy, sys\n"
            "sys.argv = ['newsmon', 'match', '--config', sys.argv[1], '--articles', sys.argv[2]]\n"
            "try:\n    runpy.run_module('monitor', run_name='__main__')\n"
            "except SystemExit as e:\n    assert not e.code, e.code\n"
            "print('LOADED', sorted(m for m in ('apprise', 'apscheduler', 'jinja2', 'monitor.alerts.deliver')"
            " if m in sys.modules), file=sys.stderr)\n")
    proc = subprocess.run([sys.executable, "-c", code, str(path), str(articles)], capture_output=True,
                          text=True, timeout=60, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == {"article": "a", "rule": "r"}
    assert "LOADED []" in proc.stderr


def test_run_refuses_with_every_problem_too_and_a_target_in_error_is_not_also_unknown(
        tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    path = tmp_path / "c.toml"
    path.write_text('[[folders]]\npath = "in"\n'
                    '[[rules]]\nname = "r"\nquery = "(x"\nnotify = ["chat"]\n'
                    '[targets]\nchat = "json://127.0.0.1:9/hook"\n'      # a string, not a list
                    '[alerts]\nretry_max = "40d"\n')
    proc = newsmon("run", "--once", "--config", str(path), "--state-dir", str(tmp_path / "state"))
    assert proc.returncode == 2, proc.stderr
    assert [p for _, p, _ in problems(proc.stderr)] == ["targets.chat", "alerts.retry_max", "rules[0].query"]
    assert not (tmp_path / "state").exists()  # refused before anything is opened


def test_a_broken_drop_in_does_not_hide_the_problems_of_the_others(tmp_path: Path) -> None:
    (tmp_path / "d").mkdir()
    main = tmp_path / "main.toml"
    main.write_text('include = ["d/*.toml"]\n[[rules]]\nname = "r"\nquery = "(x"\n'
                    '[targets]\nchat = ["json://127.0.0.1:9/h"]\n')
    (tmp_path / "d" / "a.toml").write_text('[[rules]]\nname = "broken\n')              # bad TOML
    (tmp_path / "d" / "b.toml").write_text('log_level = "debug"\n[targets]\nchat = ["json://x/y"]\n'
                                           '[[rules]]\nname = "b"\nquery = "y"\nnotify = ["chat"]\n')
    proc = newsmon("check", "--config", str(main))
    assert proc.returncode == 2
    found = [(Path(f).name, p) for f, p, _ in problems(proc.stderr)]
    assert found == [("a.toml", "line 2, column 15"), ("b.toml", "log_level"), ("b.toml", "targets.chat"),
                     ("main.toml", "rules[0].query")], proc.stderr
