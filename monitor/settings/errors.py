"""Config errors as one line each: `FILE: dotted.path: message`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class ConfigProblem:
    file: Path | str
    path: str  # dotted path such as `rules[0].query`, or `line 3, column 8`
    message: str

    def __str__(self) -> str:
        from monitor.redact import mask_text  # a message may quote the offending URL

        where = f"{self.path}: " if self.path else ""
        return f"{self.file}: {where}{mask_text(self.message)}"


class ConfigError(Exception):
    """A configuration that cannot be used; `str()` gives one line per problem.

    From `load_config`, `partial` is the config without the entries in error
    (or None) and `unchecked_targets` the target names dropped with them
    (`"*"`: all), so a later check can report the rest in the same pass.
    """

    def __init__(self, problems: list[ConfigProblem], partial: Any = None,
                 unchecked_targets: frozenset[str] = frozenset()):
        self.problems = problems
        self.partial = partial
        self.unchecked_targets = unchecked_targets
        super().__init__("\n".join(str(p) for p in problems))

    @classmethod
    def single(cls, file: Path | str, path: str, message: str) -> ConfigError:
        return cls([ConfigProblem(file, path, message)])


def dotted(loc: tuple[int | str, ...]) -> str:
    """('rules', 0, 'query') -> 'rules[0].query'."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def where(origins: dict[str, tuple[Path, str]], main: Path | str, path: str) -> tuple[Path | str, str]:
    """(file, path in that file) for a dotted path of the merged config.

    `rules[7].query` -> (the drop-in, `rules[2].query`); `targets.x...` -> the file
    defining target x; anything else -> the main file.
    """
    head, sep, rest = path.partition("]")
    if sep and (head + sep) in origins:
        file, shown = origins[head + sep]
        return file, shown + rest
    if path.startswith("targets."):
        name = path.removeprefix("targets.")
        for key in sorted((k for k in origins if k.startswith("targets.")), key=len, reverse=True):
            if name == key[8:] or name.startswith(key[8:] + ".") or name.startswith(key[8:] + "["):
                return origins[key][0], path
    return main, path
