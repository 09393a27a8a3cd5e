"""The config's semantic check: one pass over what needs other rooms.

`monitor.settings` checks shape and types only and imports nothing else of
newsmon. What needs the query parser, the gazetteer, Apprise, the template
engine or APScheduler is checked here, beside `app.py`, in one pass that
collects **every** problem (shape problems included) as
`ConfigProblem(file, path, message)`, naming the drop-in file each rule,
feed or target came from, and raises one `ConfigError`.

    config, matcher = load_checked(path)                  # run, check, reload
    config, matcher = load_checked(path, delivery=False)  # newsmon match: no apprise
    config = load_valid(path)                             # status, outbox...: no matcher
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from monitor.gcpause import paused_gc
from monitor.settings import Config, ConfigError, load_config
from monitor.settings.errors import ConfigProblem

if TYPE_CHECKING:
    from monitor.match.engine import Matcher

# Place problems are found one compile at a time (the matcher stops at the
# first); after this many the rest can wait for the next run.
_MAX_PLACE_ROUNDS = 30


def load_checked(path: str | Path, *, cache_dir: Path | None = None, delivery: bool = True,
                 folders: bool = True, homes: bool = True,
                 state_cache: bool = False) -> tuple[Config, Matcher]:
    """Load `path`, check everything in one pass, and compile the rules.

    `delivery=False` skips targets, templates and digest schedules (and never
    imports apprise); `folders=False` does not look at the seed folders.
    `state_cache` (the daemon): the gazetteer cache lives in `cache_dir` or else the
    config's `state_dir`, whichever exists, rather than the user cache folder.
    """
    config, matcher = _load(path, cache_dir=cache_dir, delivery=delivery, places=True,
                            folders=folders, homes=homes, state_cache=state_cache)
    assert matcher is not None  # no problem found means the rules compiled
    return config, matcher


def load_valid(path: str | Path) -> Config:
    """Load `path` and check all but places and folders (for commands that match nothing)."""
    return _load(path, cache_dir=None, delivery=True, places=False, folders=False, homes=False,
                 state_cache=False)[0]


def _load(path: str | Path, *, cache_dir: Path | None, delivery: bool, places: bool, folders: bool,
          homes: bool, state_cache: bool) -> tuple[Config, Matcher | None]:
    with paused_gc():  # as in `load_config`: checking allocates, and frees little
        return _load_paused(path, cache_dir=cache_dir, delivery=delivery, places=places, folders=folders,
                            homes=homes, state_cache=state_cache)


def _load_paused(path: str | Path, *, cache_dir: Path | None, delivery: bool, places: bool, folders: bool,
                 homes: bool, state_cache: bool) -> tuple[Config, Matcher | None]:
    try:
        config = load_config(path)
        problems: list[ConfigProblem] = []
        unchecked: frozenset[str] = frozenset()
    except ConfigError as exc:
        if exc.partial is None:
            raise
        config, problems, unchecked = exc.partial, list(exc.problems), exc.unchecked_targets
    if state_cache:  # only a state dir that exists: the store creates it, with its own mode
        cache_dir = next((d for d in (cache_dir, config.state_dir) if d is not None and d.is_dir()), None)
    matcher, found = check_config(config, cache_dir=cache_dir, delivery=delivery, places=places,
                                  folders=folders, homes=homes, unchecked_targets=unchecked)
    problems += [p for p in found if p not in problems]
    if problems:
        raise ConfigError(problems)
    return config, matcher


def check_config(config: Config, *, cache_dir: Path | None = None, delivery: bool = True,
                 places: bool = True, folders: bool = True, homes: bool = True,
                 unchecked_targets: frozenset[str] = frozenset(),
                 ) -> tuple[Matcher | None, list[ConfigProblem]]:
    """Every semantic problem of `config` (and its matcher when rules compile)."""
    found: list[tuple[str, str]] = [*_names(config, unchecked_targets), *_queries(config)]
    if folders:
        found += _folders(config)
    if delivery:
        found += [*_targets(config), *_templates(config), *_crons(config)]
    problems = [ConfigProblem(*config.where(path), message) for path, message in found]
    matcher = None
    if places:
        matcher, place_problems = _compile_collecting(config, cache_dir, homes, {p for p, _ in found})
        problems += place_problems
    return matcher, problems


# -- cross-references (pure) ------------------------------------------------------
def _names(config: Config, unchecked: frozenset[str]) -> Iterator[tuple[str, str]]:
    known = sorted(config.targets)

    def unknown(target: str) -> str | None:
        if target in config.targets or target.startswith("tag:") or target in unchecked or "*" in unchecked:
            return None
        close = difflib.get_close_matches(target, known, n=1, cutoff=0.6)
        hint = f'; did you mean "{close[0]}"?' if close else f" (known: {', '.join(known) or 'none'})"
        return f'names target "{target}", which is not in [targets]{hint}'

    seen: dict[str, int] = {}
    for i, rule in enumerate(config.rules):
        if rule.name in seen:
            first = config.where(f"rules[{seen[rule.name]}]")
            yield (f"rules[{i}].name", f'two rules are named "{rule.name}" (the other is {first[0]}: '
                   f"{first[1]}); rule names must be unique")
        seen.setdefault(rule.name, i)
        for j, target in enumerate(rule.notify):
            if (why := unknown(target)) is not None:
                yield f"rules[{i}].notify[{j}]", f'rule "{rule.name}": notify {why}'
    for j, target in enumerate(config.health.notify):
        if (why := unknown(target)) is not None:
            yield f"health.notify[{j}]", f"notify {why}"
    feeds: dict[str, int] = {}
    for i, feed in enumerate(config.feeds):
        if feed.name in feeds:
            yield f"feeds[{i}].name", f'two feeds are named "{feed.name}"; feed names must be unique'
        feeds.setdefault(feed.name, i)


def _folders(config: Config) -> Iterator[tuple[str, str]]:
    for i, folder in enumerate(config.folders):
        if not folder.path.exists():
            yield (f"folders[{i}].path", f"folder {folder.path} does not exist; create it "
                   f"(mkdir -p '{folder.path}') or fix the path (relative paths are read from "
                   "the folder of the file that sets them)")
        elif not folder.path.is_dir():
            yield f"folders[{i}].path", f"{folder.path} is not a folder; give the folder to watch"


# -- other rooms ----------------------------------------------------------------------
def _queries(config: Config) -> Iterator[tuple[str, str]]:
    from monitor.match.query import QueryError, parse_query

    for i, rule in enumerate(config.rules):
        if rule.query is not None:
            try:
                parse_query(rule.query)
            except QueryError as exc:
                yield f"rules[{i}].query", f'rule "{rule.name}": query {exc}'


def _targets(config: Config) -> Iterator[tuple[str, str]]:
    from monitor.alerts.deliver import check_url  # the only path here that imports apprise
    from monitor.redact import mask_url

    for name, urls in config.targets.items():
        if not urls:
            yield f"targets.{name}", f'target "{name}": needs at least one Apprise URL'
        for url in urls:
            problem = check_url(url)
            if problem:
                yield f"targets.{name}", f'target "{name}": {problem}: {mask_url(url)}'


def _policies(config: Config, setting: str) -> Iterator[tuple[str, Any]]:
    """`[alerts]` and each rule, with its path, where it sets `setting` (a path is
    made only for those: 100,000 rules set few)."""
    if getattr(config.alerts, setting) is not None:
        yield "alerts", config.alerts
    for i, rule in enumerate(config.rules):
        if getattr(rule, setting) is not None:
            yield f"rules[{i}]", rule


def _templates(config: Config) -> Iterator[tuple[str, str]]:
    from monitor.alerts.render import TemplateProblem, compile_user_templates

    for path, policy in _policies(config, "templates"):
        try:
            compile_user_templates(policy.templates)
        except TemplateProblem as exc:
            yield f"{path}.templates", str(exc)


def _crons(config: Config) -> Iterator[tuple[str, str]]:
    for path, policy in _policies(config, "digest"):
        from apscheduler.triggers.cron import CronTrigger  # (only for a config with digests)

        try:
            CronTrigger.from_crontab(policy.digest.cron, timezone="UTC")
        except ValueError as exc:
            yield f"{path}.digest.cron", f'digest cron "{policy.digest.cron}": {exc}'


# -- places (the matcher) ---------------------------------------------------------
class _CompileProblem(Exception):
    def __init__(self, path: str, message: str, final: bool):
        super().__init__(f"{path}: {message}")
        self.path, self.message, self.final = path, message, final


def compile_matcher(config: Config, cache_dir: Path | None, homes: bool = True) -> Matcher:
    """Compile every rule; a rule problem found here is a config error naming its file."""
    broken = [ConfigProblem(*config.where(path), message) for path, message in _queries(config)]
    if broken:  # a config that did not go through `load_checked`
        raise ConfigError(broken)
    try:
        return _compile(config, cache_dir, homes)
    except _CompileProblem as exc:
        raise ConfigError([ConfigProblem(*config.where(exc.path), exc.message)]) from None


def _compile(config: Config, cache_dir: Path | None, homes: bool = True) -> Matcher:
    """`Matcher.compile`; its problems come out as `_CompileProblem` with the merged path."""
    from monitor.match.engine import LocationsUnavailable, Matcher

    try:
        return Matcher.compile(config.rules, places=config.places, cache_dir=cache_dir,
                               homes=_homes(config) if homes else None)
    except Exception as exc:
        path, message = getattr(exc, "path", None), getattr(exc, "message", None)
        if path is None or message is None:
            raise
        raise _CompileProblem(_home_path(config, str(path)), str(message),
                              isinstance(exc, LocationsUnavailable)) from None


def _homes(config: Config) -> dict[str, str | tuple[str, ...]]:
    homes = {f.source_name: f.home for f in config.folders if f.home}
    homes.update({f.name: f.home for f in config.feeds if f.home})
    return homes


def _home_path(config: Config, path: str) -> str:
    """The matcher says `home of SOURCE`: point at the folder or feed that sets it."""
    if not path.startswith("home of "):
        return path
    source = path.removeprefix("home of ")
    item = ""  # `home of aj[1]`: the second place of a list
    if source.endswith("]") and "[" in source:
        source, _, index = source[:-1].rpartition("[")
        item = f"[{index}]"
    for i, feed in enumerate(config.feeds):
        if feed.name == source and feed.home:
            return f"feeds[{i}].home{item}"
    for i, folder in enumerate(config.folders):
        if folder.source_name == source and folder.home:
            return f"folders[{i}].home{item}"
    return path


def _compile_collecting(config: Config, cache_dir: Path | None, homes: bool,
                        known: set[str]) -> tuple[Matcher | None, list[ConfigProblem]]:
    """Compile; on a place problem, set that entry aside and compile again, so
    every place problem is reported at once (the matcher stops at the first).
    Rules whose query is already known to be broken are compiled without it."""
    broken = {i for i in range(len(config.rules)) if f"rules[{i}].query" in known} if known else set()
    rules = config.rules if not broken else tuple(
        r.model_copy(update={"query": None}) if i in broken else r for i, r in enumerate(config.rules))
    trial: Config | None = config.model_copy(update={"rules": tuple(rules)})
    problems: list[ConfigProblem] = []
    for _ in range(_MAX_PLACE_ROUNDS):
        assert trial is not None
        try:
            matcher = _compile(trial, cache_dir, homes)
        except _CompileProblem as exc:
            problems.append(ConfigProblem(*config.where(exc.path), exc.message))
            trial = None if exc.final else _set_aside(trial, exc.path)
            if trial is None:
                break
            continue
        return (matcher if not problems else None), problems
    return None, problems


# What to drop from an entry whose place cannot be resolved, to compile the rest.
_SET_ASIDE: dict[str, dict[str, None]] = {
    "rules": {"locations": None},
    "places": {"parent": None, "country": None},  # then placed by its nearest town
    "folders": {"home": None},
    "feeds": {"home": None},
}


def _set_aside(config: Config, path: str) -> Config | None:
    """`config` without the part at `path` that failed to compile (None: nothing to drop)."""
    section, _, rest = path.partition("[")
    index = rest.split("]", 1)[0]
    update = _SET_ASIDE.get(section)
    if update is None or not index.isdigit():
        return None
    entries: list[Any] = list(getattr(config, section))
    i = int(index)
    if i >= len(entries) or all(getattr(entries[i], k) == v for k, v in update.items()):
        return None  # already set aside: do not loop
    entries[i] = entries[i].model_copy(update=update)
    return config.model_copy(update={section: tuple(entries)})
