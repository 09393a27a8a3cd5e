"""`newsmon match`: run the rules of a config over articles, print the matches.

    newsmon match --config RULES.toml --articles ARTICLES.jsonl|FOLDER [--evidence] [--explain]

stdout: one JSON object per line per match, `{"article":ID,"rule":NAME}`
(compact JSON; ID: the line's `id`, or the file name for a folder), in input
order and, per article, rule order. With `--evidence` each line also carries
`"evidence":[...]` (what matched, with character offsets); without it the
matcher skips building evidence, which is most of the cost when many rules
match. stderr: skipped files and a one-line summary.
With `--explain` (implies `--evidence`), each match line also carries
`"explain"` (the terms present and absent, and `"story"`: the earlier matched article
of this run it is a near-duplicate of, if any; docs/stories.md) and every rule an article did
*not* match is written to stderr as a JSON line with `"matched": false` and
a `"reason"`.

Nothing is ever sent and no state is written. Exit 0 when the run completed,
2 for a bad config or bad input (one line `FILE: where: message`).

Kept lean on purpose: this path must not import apprise, httpx or the
scheduler (start-up time counts when the command is scripted).
"""

from __future__ import annotations

import gc
import io
import json
import os
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from operator import itemgetter
from pathlib import Path
from typing import IO, Any, NoReturn

import click

from monitor.gcpause import paused_gc

EXIT_BAD = 2
_COLLECT_EVERY = 5_000  # articles between two garbage collections while matching
_str = json.encoder.encode_basestring_ascii  # what json.dumps uses (C)
# Compact JSON: output is one line per match and can run to many megabytes.
_ENCODER = json.JSONEncoder(separators=(",", ":"))
_dumps = _ENCODER.encode
_TEXT_FIELDS = ("title", "summary", "body", "url", "source", "author")


class InputError(Exception):
    """Bad input; str() is the one-line `FILE: where: message`."""


def _fail(message: str) -> NoReturn:
    click.echo(message, err=True)
    sys.exit(EXIT_BAD)


@click.command("match")
@click.option("--config", "config_path", required=True, type=click.Path(path_type=Path),
              help="Config file with [[rules]] (other sections are optional).")
@click.option("--articles", "articles_path", required=True, type=click.Path(path_type=Path),
              help="A JSON-lines file (id, title, summary, body, url, source, author, tags, "
                   "published) or a folder of article files.")
@click.option("--evidence", is_flag=True,
              help='Add "evidence" (matched text with character offsets) to every match line.')
@click.option("--explain", is_flag=True,
              help="Say why each rule matched (stdout, with evidence) or did not (stderr, JSON lines).")
def match_command(config_path: Path, articles_path: Path, evidence: bool, explain: bool) -> None:
    """Match articles against the config's rules and print the matches as JSON lines.

    \b
    stdout, one line per match:  {"article":ID,"rule":NAME}
    with --evidence or --explain: {"article":ID,"rule":NAME,"evidence":[...]}
    (--explain adds "explain"; rules not matched go to stderr).
    """
    from monitor.settings import ConfigError
    from monitor.validate import load_checked

    started = time.perf_counter()
    # (Loading pauses the cyclic collector, and compiling freezes what it built.)
    try:
        # Queries and places only: no targets, templates or folders (and no apprise).
        # (Homes on: an article whose `source` names a feed or folder with a `home` is
        # read as the daemon reads it.)
        config, matcher = load_checked(config_path, delivery=False, folders=False)
    except ConfigError as exc:
        _fail(str(exc))
    if not articles_path.exists():
        _fail(f"{articles_path}: no such file or folder")
    items = _read_folder(articles_path) if articles_path.is_dir() else _read_jsonl(articles_path)
    _widen_pipe(sys.stdout)
    out = sys.stdout
    err = sys.stderr
    articles = matched = 0
    # Without evidence: bytes, in the stream's own encoding, written under its text
    # layer (a million lines at 10,000 rules; no second copy to encode them).
    binary: IO[bytes] | None = getattr(out, "buffer", None)
    encoding, errors = getattr(out, "encoding", None) or "utf-8", getattr(out, "errors", None) or "strict"
    # Each rule's part of a line, encoded once (only the kind this run writes).
    rule_parts, rule_ends = [], []
    if evidence and not explain:
        rule_parts = [f',"rule":{_str(name)},"evidence":[' for name in matcher.names]
    elif not explain:
        rule_ends = [f',"rule":{_str(name)}}}\n'.encode(encoding, errors) for name in matcher.names]
    from monitor.article import normalise

    stories = _BatchStories(config.stories.threshold) if explain else None
    # Matching an article makes no reference cycles (refcounting frees it all), so
    # the collector's passes over each article's young objects find nothing: ~6% of
    # the time at 10,000 rules. It runs once per `_COLLECT_EVERY` articles instead,
    # in case some input ever does make a cycle.
    with paused_gc():
        try:
            for article_id, raw in items:
                article = normalise(raw, datetime.now(UTC))
                articles += 1
                if articles % _COLLECT_EVERY == 0:
                    gc.collect()
                if explain:
                    entries = matcher.explain(article)
                    assert stories is not None
                    hit = any(e["matched"] for e in entries)
                    story = stories.explain(article_id, article) if hit else None
                    matched += _write_explained(out, err, article_id, entries, story)
                    continue
                if not evidence:
                    ids = matcher.matching_ids(article)
                    if ids:
                        head = ('{"article":' + _dumps(article_id)).encode(encoding, errors)
                        # head + line + head + line …, picked and joined in C (an itemgetter
                        # of many indexes gives a tuple; of one, the item itself)
                        picked = itemgetter(*ids)(rule_ends) if len(ids) > 1 else (rule_ends[ids[0]],)
                        lines = head + head.join(picked)
                        if binary is not None:
                            binary.write(lines)
                        else:
                            out.write(lines.decode(encoding, errors))
                        matched += len(ids)
                    continue
                found = matcher.raw_matches(article)
                if found:
                    out.write(_lines(article_id, found, rule_parts))
                    matched += len(found)
            out.flush()
        except InputError as exc:
            out.flush()
            _fail(str(exc))
        except BrokenPipeError:
            # The reader went away (`| head`); that is not an error of ours.
            sys.stderr.close()
            sys.exit(0)
    elapsed = time.perf_counter() - started
    click.echo(f"newsmon match: {articles} articles, {len(matcher)} rules, {matched} matches, "
               f"{elapsed:.2f} s", err=True)


def _widen_pipe(stream: IO[str]) -> None:
    """Ask for a 1 MiB pipe buffer when stdout is a pipe.

    Output can be large (one line per match); with the default 64 KiB the
    writer and the reader ping-pong on a busy machine. Best effort: Linux only.
    """
    try:
        import fcntl
        import stat

        fd = stream.fileno()
        if stat.S_ISFIFO(os.fstat(fd).st_mode):
            fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, 1 << 20)
    except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
        pass


def _lines(article_id: str, matches: list[tuple[int, tuple[Any, ...]]], rule_parts: list[str]) -> str:
    """JSON lines for one article's matches (the bytes `_dumps` would give).

    Rules share terms, so one article's matches repeat the same `Evidence`
    objects and tuples (the matcher builds them once per article and term):
    each is encoded once, by hand, since this loop runs for every match.
    """
    head = '{"article":' + _dumps(article_id)
    encoded: dict[int, str] = {}
    get = encoded.get

    def encode(evidence: tuple[Any, ...]) -> str:
        text = ",".join([get(id(e)) or _evidence_json(e, encoded) for e in evidence])
        encoded[id(evidence)] = text
        return text

    return "".join([f"{head}{rule_parts[rule]}{get(id(evidence)) or encode(evidence)}]}}\n"
                    for rule, evidence in matches])


def _evidence_json(e: Any, encoded: dict[int, str]) -> str:
    text = (
        f'{{"kind":{_str(e.kind)},"field":{_str(e.field)},"start":{int(e.start)},'
        f'"end":{int(e.end)},"text":{_str(e.text)}'
    )
    text += f',"detail":{_dumps(e.detail)}}}' if e.detail else "}"
    encoded[id(e)] = text
    return text


class _BatchStories:
    """`--explain`: which earlier matched article of this run each one is a near-duplicate of."""

    def __init__(self, threshold: float):
        from monitor.stories import StoryIndex

        self.threshold = threshold
        self.index = StoryIndex(max_articles=100_000)

    def explain(self, article_id: str, article: Any) -> dict[str, Any]:
        from monitor.stories import StoryEntry, decide_story, signature, story_text

        sig = signature(story_text(article.title, article.body or article.summary))
        found = self.index.candidates(sig) if sig is not None else []
        now = datetime.now(UTC)
        # Articles of one run have no arrival times: every story stays open.
        decision = decide_story(article_id, sig, found, self.threshold, datetime.min.replace(tzinfo=UTC))
        if sig is not None:
            self.index.add(StoryEntry(article_id, decision.story_id, now, sig))
        return {"id": decision.story_id, "reason": decision.reason, "near_duplicate_of": decision.joined,
                "similarity": round(decision.similarity, 3)}


def _write_explained(out: IO[str], err: IO[str], article_id: str, entries: list[dict[str, Any]],
                     story: dict[str, Any] | None = None) -> int:
    count = 0
    for entry in entries:
        if entry["matched"]:
            why = {k: v for k, v in entry.items() if k not in ("rule", "matched", "evidence")}
            if story is not None:
                why["story"] = story
            out.write(_dumps({"article": article_id, "rule": entry["rule"],
                              "evidence": entry.get("evidence", []), "explain": why}) + "\n")
            count += 1
        else:
            err.write(_dumps({"article": article_id, **entry}) + "\n")
    return count


# -- input ---------------------------------------------------------------------


def _read_jsonl(path: Path) -> Iterator[tuple[str, Any]]:
    """Stream (id, RawItem) from a JSON-lines file; a bad line raises InputError."""
    from monitor.article import RawItem

    try:
        handle = path.open("rb")
    except OSError as exc:
        _fail(f"{path}: cannot read: {exc.strerror}")
    with handle:
        for number, raw_line in enumerate(handle, 1):
            where = f"{path}: line {number}"
            try:
                line = raw_line.decode("utf-8")
            except UnicodeDecodeError:
                raise InputError(f"{where}: not UTF-8 text") from None
            if not line.strip():
                continue
            try:
                data = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InputError(f"{where}: invalid JSON: {exc.msg} (column {exc.colno})") from None
            if not isinstance(data, dict):
                raise InputError(f"{where}: expected a JSON object, got {type(data).__name__}")
            yield _raw_item(data, number, where, path, RawItem)


def _raw_item(data: dict[str, Any], number: int, where: str, path: Path, raw_item: Any) -> tuple[str, Any]:
    values: dict[str, str] = {}
    for name in _TEXT_FIELDS:
        value = data.get(name)
        if value is None:
            value = ""
        if not isinstance(value, str):
            raise InputError(f"{where}: {name}: expected a string, got {type(value).__name__}")
        values[name] = value
    article_id = data.get("id")
    if article_id is None or article_id == "":
        article_id = f"line-{number}"
    elif isinstance(article_id, str | int) and not isinstance(article_id, bool):
        article_id = str(article_id)
    else:
        raise InputError(f"{where}: id: expected a string or a number")
    tags = data.get("tags") or []
    if isinstance(tags, str):
        tags = [tags]
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise InputError(f"{where}: tags: expected a list of strings")
    published = None
    if data.get("published") not in (None, ""):
        stamp = data["published"]
        try:
            if not isinstance(stamp, str):
                raise ValueError
            published = datetime.fromisoformat(stamp)
        except ValueError:
            raise InputError(f"{where}: published: expected an ISO 8601 date-time") from None
    source = values.pop("source") or path.stem
    item = raw_item(source=source, key=article_id, tags=tuple(tags), published=published,
                    kind="file", origin=f"{path}:{number}", **values)
    return article_id, item


def _read_folder(folder: Path) -> Iterator[tuple[str, Any]]:
    """Stream (file name, RawItem) from the files of a folder (not recursive)."""
    from monitor.sources.files import SkipFile, read_article_file

    try:
        entries = sorted(p for p in folder.iterdir() if not p.name.startswith("."))
    except OSError as exc:
        _fail(f"{folder}: cannot list: {exc.strerror}")
    for path in entries:
        if path.is_dir():
            continue
        try:
            item = read_article_file(path, folder.name)
        except SkipFile as exc:
            click.echo(f"skipped {path}: {exc.reason}", err=True)
            continue
        yield path.name, item
