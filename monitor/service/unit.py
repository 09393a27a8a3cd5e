"""Unit files for the current install: the packaged templates with this venv's
`newsmon` and the chosen config filled in. Pure, apart from reading the templates."""

from __future__ import annotations

import shutil
import sys
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

SYSTEM_UNIT_DIR = Path("/etc/systemd/system")
# ProtectHome=yes hides these from the system service.
_HIDDEN = (Path("/home"), Path("/root"), Path("/run/user"))


def template(name: str) -> str:
    return resources.files("monitor.service").joinpath("units", name).read_text(encoding="utf-8")


def example_config_path() -> Path:
    return Path(str(resources.files("monitor.service").joinpath("units", "newsmon.example.toml")))


def current_executable() -> Path:
    """This install's `newsmon`: next to the running Python (a venv), else on PATH."""
    beside = Path(sys.executable).parent / "newsmon"
    if beside.is_file():
        return beside.absolute()
    found = shutil.which("newsmon")
    return Path(found).absolute() if found else beside.absolute()


@dataclass(frozen=True)
class Unit:
    name: str  # file name: newsmon.service, newsmon@.service
    text: str


def render(exe: Path, config: Path, *, user: bool = False, instance_template: bool = False,
           state_dir: Path | None = None) -> Unit:
    if user:
        name, source = "newsmon.service", "newsmon-user.service.in"
    elif instance_template:
        name, source = "newsmon@.service", "newsmon@.service.in"
    else:
        name, source = "newsmon.service", "newsmon.service.in"
    text = (template(source).replace("@NEWSMON@", _quote(str(exe)))
            .replace("@CONFIG_DIR@", _quote(str(config.parent)))
            .replace("@CONFIG@", _quote(str(config)))
            .replace("@STATE_DIR@", _quote(str(state_dir or ""))))
    return Unit(name, text)


def _quote(path: str) -> str:
    # systemd splits command lines on spaces; "%" starts a specifier.
    path = path.replace("%", "%%")
    return f'"{path}"' if " " in path else path


def hidden_paths(paths: list[Path]) -> list[Path]:
    """Paths a system unit cannot see (ProtectHome=yes)."""
    return [p for p in paths if any(p == h or h in p.parents for h in _HIDDEN)]


def next_steps(unit_path: Path | None, user: bool, instance_template: bool) -> list[str]:
    ctl = "systemctl --user" if user else "systemctl"
    name = "newsmon@NAME" if instance_template else "newsmon"
    journal = "journalctl --user" if user else "journalctl"
    steps = []
    if unit_path is None:
        steps.append(f"save the unit above as {'~/.config/systemd/user' if user else SYSTEM_UNIT_DIR}/"
                     f"{'newsmon@.service' if instance_template else 'newsmon.service'}")
    steps += [f"{ctl} daemon-reload", f"{ctl} enable --now {name}", f"{ctl} status {name}",
              f"{journal} -u {name} -f          # logs; add -p warning for problems only",
              f"{ctl} reload {name}             # after editing the config (checked first)"]
    if user:
        steps.append("loginctl enable-linger $USER   # keep running after you log out")
    else:
        steps.append(f"systemd-analyze security {name}   # the sandbox, scored")
    return steps
