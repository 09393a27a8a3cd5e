"""The rule editor's form -> rule data, checked as `newsmon check` would, and saved.

A rule the console wrote lives in its own drop-in `rules.d/web-<name>.toml`;
saving rewrites that file. A rule from a file the user wrote is never
rewritten: it can be back-tested as edited, and saved under a new name.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from monitor.settings import Config, ConfigError
from monitor.settings.errors import ConfigProblem, dotted
from monitor.settings.rules import RuleConfig
from monitor.web.dropins import (
    RULES_GLOB,
    Written,
    is_console_file,
    main_file,
    rule_origins,
    slug,
    table_toml,
    write_checked,
)


@dataclass(frozen=True)
class RuleForm:
    original: str  # the name of the rule being edited ("" for a new rule)
    name: str
    query: str
    places: tuple[str, ...]
    within: tuple[str, ...]
    notify: tuple[str, ...]

    @classmethod
    def parse(cls, form: Mapping[str, Any], notify: list[str]) -> RuleForm:
        def text(key: str) -> str:
            return str(form.get(key, "") or "").strip()

        def items(key: str) -> tuple[str, ...]:
            return tuple(p.strip() for p in text(key).replace("\n", ",").split(",") if p.strip())

        return cls(text("original"), text("name"), text("query"), items("places"), items("within"),
                   tuple(notify))

    @classmethod
    def of(cls, rule: RuleConfig | None) -> RuleForm:
        if rule is None:
            return cls("", "", "", (), (), ())
        loc = rule.locations
        return cls(rule.name, rule.name, rule.query or "", loc.places if loc else (),
                   loc.within if loc else (), rule.notify)


def rule_data(form: RuleForm, existing: RuleConfig | None) -> dict[str, Any]:
    """The rule as TOML-ready data: the form's fields over the existing rule's other settings."""
    data: dict[str, Any] = {"name": form.name}
    if existing is not None:
        kept = existing.model_dump(mode="json", exclude_defaults=True, exclude_none=True)
        data.update({k: v for k, v in kept.items() if k not in ("name", "query", "locations", "notify")})
    if form.query:
        data["query"] = form.query
    locations: dict[str, Any] = {}
    if existing is not None and existing.locations is not None:
        locations = existing.locations.model_dump(mode="json", exclude_defaults=True, exclude_none=True)
    for key in ("places", "within"):
        locations.pop(key, None)
        if getattr(form, key):
            locations[key] = list(getattr(form, key))
    if locations.get("places") or locations.get("within") or locations.get("near"):
        data["locations"] = locations
    data["notify"] = list(form.notify)
    # Name first, then query, locations, notify, then the rest: the order people read.
    order = ["name", "query", "locations", "notify"]
    return {k: data[k] for k in [*order, *sorted(set(data) - set(order))] if k in data}


def dropin_for(config: Config, name: str) -> Path:
    return main_file(config).parent / "rules.d" / f"web-{slug(name)}.toml"


def check(config: Config, form: RuleForm, compile_rule: Callable[[RuleConfig], Any]
          ) -> tuple[RuleConfig | None, list[str]]:
    """The edited rule, or the `FILE: path: message` lines `newsmon check` would print."""
    existing = find(config, form.original)
    file = dropin_for(config, form.name or form.original or "rule")
    data = rule_data(form, existing)
    try:
        rule = RuleConfig.model_validate(data)
    except ValidationError as exc:
        return None, [str(ConfigProblem(file, dotted(("rules", 0, *e["loc"])), _message(e)))
                      for e in exc.errors()]
    others = tuple(r for r in config.rules if r.name != form.original)
    try:
        candidate = Config.model_validate({**dict(config), "rules": (*others, rule)})
    except ValidationError as exc:
        return None, [str(ConfigProblem(file, dotted(tuple(e["loc"])), _message(e))) for e in exc.errors()]
    # The cross-checks `newsmon check` makes (names, targets, query syntax), for this rule only.
    from monitor.validate import check_config

    here = f"rules[{len(others)}]"
    _none, problems = check_config(candidate, delivery=False, places=False, folders=False)
    mine = [p for p in problems if str(p.path).startswith(here)]
    if mine:
        return None, [str(ConfigProblem(file, "rules[0]" + str(p.path)[len(here):], p.message)) for p in mine]
    try:
        compile_rule(rule)
    except ConfigError as exc:
        # Compiled alone, the rule is rules[0]: the same path as in its drop-in.
        return None, [str(ConfigProblem(file, p.path, p.message)) for p in exc.problems]
    return rule, []


def _message(err: Mapping[str, Any]) -> str:
    message = str(err["msg"])
    return message.removeprefix("Value error, ")


def find(config: Config, name: str) -> RuleConfig | None:
    return next((r for r in config.rules if r.name == name), None) if name else None


def origin(config: Config, name: str) -> Path | None:
    return rule_origins(config).get(name) if name else None


def owned(config: Config, name: str) -> bool:
    """Whether the console wrote (and so may rewrite) the file that holds rule `name`."""
    path = origin(config, name)
    return path is not None and is_console_file(path)


def save(config: Config, form: RuleForm, accept: Callable[[Config], None]) -> Written:
    """Write the rule's drop-in, load the whole config back, `accept` it (reload); undo on error."""
    existing = find(config, form.original)
    old = origin(config, form.original)
    target = dropin_for(config, form.name or "rule")
    if existing is not None and old is not None and not is_console_file(old):
        if form.name == form.original:
            return Written(None, old, (f'{old}: rules: "{form.name}" is defined in a file the console '
                                       "does not rewrite; save it under a new name, or edit that file",))
        old = None  # a copy under a new name: the hand-written rule stays
    if target.exists() and target != old:
        return Written(None, target, (f"{target}: a rule file of this name exists already; "
                                      "choose another rule name",))
    text = table_toml("rules", [rule_data(form, existing)], f"Rule {form.name!r}.")
    return write_checked(config, target, text, RULES_GLOB, remove=old, accept=accept)


def delete(config: Config, name: str, accept: Callable[[Config], None]) -> Written:
    path = origin(config, name)
    if path is None or not is_console_file(path):
        where = path or "the config"
        return Written(None, Path(str(where)), (f'{where}: rules: "{name}" was not written by the console; '
                                               "remove it from that file by hand",))
    return write_checked(config, path, None, RULES_GLOB, accept=accept)
