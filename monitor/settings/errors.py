"""Config errors as one line each: `FILE: dotted.path: message`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


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
    """A configuration that cannot be used; `str()` gives one line per problem."""

    def __init__(self, problems: list[ConfigProblem]):
        self.problems = problems
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
