from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator

from monitor.settings.base import StrictModel
from monitor.settings.feeds import MAX_BYTES
from monitor.settings.types import Duration, HomePlaces, at_most

DEFAULT_EXTENSIONS = (".txt", ".md", ".markdown", ".html", ".htm", ".json", ".jsonl", ".eml")


class FolderConfig(StrictModel):
    """A seed folder: files dropped or moved into it become articles."""

    path: Path
    name: str = ""  # the article's `source`; defaults to the folder's name
    recursive: bool = False
    extensions: tuple[str, ...] = DEFAULT_EXTENSIONS
    max_bytes: int = Field(default=10 * 1024 * 1024, gt=0, le=MAX_BYTES)
    # A file written in place (no rename, no close event seen) counts as
    # finished once its size and mtime have not changed for this long.
    settle: Annotated[Duration, at_most("1h")] = Field(default="1s", validate_default=True)
    tags: tuple[str, ...] = ()
    home: HomePlaces | None = None  # a place (or a few) that disambiguates locations
    # Symbolic links: "inside" follows only links whose target is inside this folder,
    # "never" follows none, "any" follows every link (e.g. to a shared drop folder).
    follow_symlinks: Literal["inside", "never", "any"] = "inside"
    on_update: Literal["rematch", "ignore"] | None = None  # a changed file; None: top-level `on_update`

    @field_validator("extensions")
    @classmethod
    def _dotted(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(v if v.startswith(".") else f".{v}" for v in (x.lower() for x in value))

    @property
    def source_name(self) -> str:
        return self.name or self.path.name
