"""`newsmon match`: JSONL and folder input, output lines, --explain, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from monitor.commands.match import match_command

RULES = """
[[rules]]
name = "izium"
query = 'Izium AND "Kharkiv region"'

[[rules]]
name = "sport"
query = "title:(football OR tennis) -cricket"

[[rules]]
name = "bbc"
query = "site:bbc.co.uk"
"""


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def jsonl(path: Path, *rows: dict[str, object]) -> Path:
    return write(path, "".join(json.dumps(r) + "\n" for r in rows))


def run(*args: str | Path) -> tuple[int, str, str]:
    result = CliRunner().invoke(match_command, [str(a) for a in args])
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def rules(tmp_path: Path) -> Path:
    return write(tmp_path / "rules.toml", RULES)


def test_jsonl_matches_one_line_each(tmp_path: Path, rules: Path) -> None:
    articles = jsonl(
        tmp_path / "a.jsonl",
        {"id": "a1", "title": "Izium freed", "body": "Troops in the Kharkiv region.",
         "url": "https://www.bbc.co.uk/news/1"},
        {"id": "a2", "title": "Football: cup final", "body": "a great game"},
        {"id": "a3", "title": "Football and cricket"},
        {"id": 4, "title": "nothing"},
    )
    code, out, err = run("--config", rules, "--articles", articles, "--evidence")
    assert code == 0, err
    lines = [json.loads(line) for line in out.splitlines()]
    assert [(x["article"], x["rule"]) for x in lines] == [("a1", "izium"), ("a1", "bbc"), ("a2", "sport")]
    # hand-built lines are exactly what json.dumps gives
    assert out.splitlines() == [json.dumps(x, separators=(",", ":")) for x in lines]
    texts = [e["text"] for e in lines[0]["evidence"]]
    assert texts == ["Izium", "Kharkiv region"]
    assert "4 articles, 3 rules, 3 matches" in err
    # Default output: the same matches, article and rule only (no evidence built).
    code, plain, err = run("--config", rules, "--articles", articles)
    assert code == 0, err
    assert plain.splitlines() == [
        json.dumps({"article": x["article"], "rule": x["rule"]}, separators=(",", ":")) for x in lines
    ]
    assert "4 articles, 3 rules, 3 matches" in err


def test_hostile_text_is_escaped_in_json_lines(tmp_path: Path) -> None:
    cfg = write(tmp_path / "r.toml", '[[rules]]\nname = "q\\"x"\nquery = "kyiv NEAR/2 evil"\n')
    articles = jsonl(tmp_path / "a.jsonl", {"id": "\u2028\"", "body": 'Kyïv "\\ evil\u202e'})
    code, out, err = run("--config", cfg, "--articles", articles, "--evidence")
    assert code == 0, err
    (line,) = out.splitlines()
    assert line == json.dumps(json.loads(line), separators=(",", ":")) and line.isascii()
    data = json.loads(line)
    assert data["rule"] == 'q"x' and data["evidence"][0]["detail"] == {"distance": 1}
    code, out, err = run("--config", cfg, "--articles", articles)
    assert code == 0, err
    (line,) = out.splitlines()
    assert line == json.dumps({"article": "\u2028\"", "rule": 'q"x'}, separators=(",", ":"))
    assert line.isascii()


def test_missing_fields_are_empty_and_tags_author_work(tmp_path: Path) -> None:
    cfg = write(tmp_path / "r.toml", '[[rules]]\nname = "t"\nquery = "tags:weather author:doe"\n')
    articles = jsonl(tmp_path / "a.jsonl", {"tags": ["Weather"], "author": "Jane Doe"}, {})
    code, out, _ = run("--config", cfg, "--articles", articles)
    assert code == 0
    assert [json.loads(x)["article"] for x in out.splitlines()] == ["line-1"]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", "line 2: invalid JSON"),
        ("[1, 2]", "line 2: expected a JSON object"),
        ('{"title": 5}', "line 2: title: expected a string"),
        ('{"tags": [1]}', "line 2: tags: expected a list of strings"),
        ('{"published": "yesterday"}', "line 2: published: expected an ISO 8601"),
    ],
)
def test_bad_line_exits_2_with_file_and_line(tmp_path: Path, rules: Path, line: str, message: str) -> None:
    articles = write(tmp_path / "a.jsonl", json.dumps({"id": "ok", "title": "Football"}) + "\n" + line + "\n")
    code, out, err = run("--config", rules, "--articles", articles)
    assert code == 2
    assert err.strip() == f"{articles}: {message}" or err.strip().startswith(f"{articles}: {message}")
    assert json.loads(out.splitlines()[0])["article"] == "ok"  # streamed before the bad line


def test_invalid_utf8_line(tmp_path: Path, rules: Path) -> None:
    articles = tmp_path / "a.jsonl"
    articles.write_bytes(b'{"title": "\xff"}\n')
    code, _, err = run("--config", rules, "--articles", articles)
    assert code == 2 and f"{articles}: line 1: not UTF-8" in err


def test_bad_query_is_a_config_error(tmp_path: Path) -> None:
    cfg = write(tmp_path / "r.toml", '[[rules]]\nname = "izium"\nquery = \'Izium AND "Kharkiv\'\n')
    articles = jsonl(tmp_path / "a.jsonl", {"title": "x"})
    code, out, err = run("--config", cfg, "--articles", articles)
    assert code == 2 and out == ""
    assert err.strip().endswith('rule "izium": query column 11: unclosed quote')
    assert err.startswith(str(cfg))


def test_missing_articles_path(tmp_path: Path, rules: Path) -> None:
    code, _, err = run("--config", rules, "--articles", tmp_path / "nope.jsonl")
    assert code == 2 and "no such file or folder" in err


def test_folder_input_uses_file_names(tmp_path: Path, rules: Path) -> None:
    folder = tmp_path / "drop"
    folder.mkdir()
    write(folder / "izium.txt", "Izium\n\nUkrainian forces in the Kharkiv region.\n")
    write(folder / "other.txt", "Weather\n\nRain.\n")
    (folder / "empty.txt").write_bytes(b"")
    code, out, err = run("--config", rules, "--articles", folder)
    assert code == 0, err
    assert [(json.loads(x)["article"], json.loads(x)["rule"]) for x in out.splitlines()] == [
        ("izium.txt", "izium")
    ]
    assert "empty.txt" in err  # skipped with its reason


def test_explain_reasons_on_stderr_and_stdout(tmp_path: Path, rules: Path) -> None:
    articles = jsonl(tmp_path / "a.jsonl", {"id": "a", "title": "Football", "body": "cricket"})
    code, out, err = run("--config", rules, "--articles", articles, "--explain")
    assert code == 0
    assert out == ""  # `sport` is excluded by NOT
    reasons = [json.loads(x) for x in err.splitlines() if x.startswith("{")]
    by_rule = {r["rule"]: r for r in reasons}
    assert by_rule["sport"]["matched"] is False
    assert "cricket is present (excluded by NOT)" in by_rule["sport"]["reason"]
    assert "is absent" in by_rule["izium"]["reason"]

    articles = jsonl(tmp_path / "b.jsonl", {"id": "b", "title": "Football"})
    code, out, _ = run("--config", rules, "--articles", articles, "--explain")
    (line,) = [json.loads(x) for x in out.splitlines()]
    assert line["rule"] == "sport" and line["explain"]["present"] == ["title:football"]


def test_location_rules_read_a_feed_s_home_and_explain_where(tmp_path: Path) -> None:
    """An article whose `source` names a feed with a `home` is read as the daemon
    reads it (Slaton, a town of 6,000, is placed in a Texas feed's story), and
    `--explain` lists the places found and the names left unplaced, with why."""
    cfg = write(tmp_path / "r.toml", """
[[feeds]]
name = "aj"
url = "https://example.com/feed.xml"
home = "Texas"

[[rules]]
name = "tx"
locations = { within = ["Texas"] }
""")
    body = "A Slaton man died in a rollover crash near Post, DPS troopers said."
    articles = jsonl(tmp_path / "a.jsonl", {"id": "a", "source": "aj", "body": body},
                     {"id": "b", "source": "wire", "body": body})
    code, out, err = run("--config", cfg, "--articles", articles, "--explain")
    assert code == 0, err
    (line,) = [json.loads(x) for x in out.splitlines()]
    assert line["article"] == "a" and [e["text"] for e in line["evidence"]] == ["Slaton"]
    assert line["explain"]["places"] == [{"text": "Slaton", "field": "body", "start": 2,
                                          "place": "Slaton, Texas, US"}]
    assert [u["text"] for u in line["explain"]["unplaced"]] == ["Post"]
    (miss,) = [json.loads(x) for x in err.splitlines() if x.startswith("{")]
    assert miss["article"] == "b" and miss["reason"] == "the location clause does not hold"
    assert miss["places"] == [] and [u["text"] for u in miss["unplaced"]] == ["Slaton", "Post"]
    assert "needs more evidence" in miss["unplaced"][0]["reason"]


def test_locations_rule_without_places_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins

    real_import = builtins.__import__

    def no_places(name: str, *args: object, **kwargs: object) -> object:
        if name == "monitor.match.places":
            raise ImportError("No module named 'monitor.match.places'")
        return real_import(name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(builtins, "__import__", no_places)
    cfg = write(tmp_path / "r.toml", '[[rules]]\nname = "kyiv"\n[rules.locations]\nplaces = ["Kyiv"]\n')
    articles = jsonl(tmp_path / "a.jsonl", {"title": "x"})
    code, _, err = run("--config", cfg, "--articles", articles)
    assert code == 2
    assert "rules[0].locations" in err and "location matching is not available" in err


def test_cli_subprocess_is_lean_and_exits_0(tmp_path: Path, rules: Path) -> None:
    articles = jsonl(tmp_path / "a.jsonl", {"id": "x", "title": "Football"})
    code = (
        "import sys, runpy\n"
        "sys.argv = ['newsmon', 'match', '--config', sys.argv[1], '--articles', sys.argv[2]]\n"
        "try:\n    runpy.run_module('monitor', run_name='__main__')\n"
        "except SystemExit as e:\n    assert not e.code, e.code\n"
        "heavy = [m for m in ('apprise', 'apscheduler', 'httpx', 'sqlalchemy', 'watchdog')\n"
        "         if m in sys.modules]\n"
        "print('HEAVY', heavy, file=sys.stderr)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code, str(rules), str(articles)], capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["rule"] == "sport"
    assert "HEAVY []" in proc.stderr
