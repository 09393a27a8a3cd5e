"""The systemd units: verified and scored by systemd-analyze; `newsmon install-service`."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from monitor.service.unit import current_executable, render
from tests.conftest import ROOT, newsmon_cmd

ANALYZE = shutil.which("systemd-analyze")
needs_analyze = pytest.mark.skipif(ANALYZE is None, reason="systemd-analyze is not installed "
                                   "(Debian: apt-get install systemd)")
MAX_EXPOSURE = 2.0


def _install(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(newsmon_cmd("install-service", "--unit-dir", str(tmp_path), *args),
                          capture_output=True, text=True, timeout=60)


def _analyze(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    assert ANALYZE is not None
    return subprocess.run([ANALYZE, *args], capture_output=True, text=True, timeout=120, cwd=cwd)


def test_shipped_units_are_the_rendered_templates() -> None:
    """systemd/*.service are what install-service writes for /opt/newsmon and /etc/newsmon."""
    exe, config = Path("/opt/newsmon/bin/newsmon"), Path("/etc/newsmon/newsmon.toml")
    for template in (False, True):
        unit = render(exe, config, instance_template=template)
        assert (ROOT / "systemd" / unit.name).read_text() == unit.text, (
            f"systemd/{unit.name} is stale: regenerate it from monitor/service/units/")


@needs_analyze
@pytest.mark.parametrize("template", [False, True], ids=["newsmon", "newsmon@"])
def test_unit_verifies_and_scores_at_most_2(tmp_path: Path, template: bool) -> None:
    config = tmp_path / "newsmon.toml"
    config.write_text("")
    out = _install(tmp_path, "--config", str(config), *(["--template"] if template else []))
    assert out.returncode == 0, out.stderr
    name = "newsmon.service"
    if template:  # a template is verified and scored through an instance
        name = "newsmon@demo.service"
        shutil.copy(tmp_path / "newsmon@.service", tmp_path / name)
    verify = _analyze("verify", name, cwd=tmp_path)
    # verify exits 0 on unknown keys and bad values too: its output must not name the unit.
    complaints = [line for line in (verify.stdout + verify.stderr).splitlines() if "newsmon" in line]
    assert verify.returncode == 0 and not complaints, verify.stdout + verify.stderr

    security = _analyze("security", "--offline=yes", name, cwd=tmp_path)
    found = re.search(r"Overall exposure level for \S+: (\d+\.\d+)", security.stdout)
    assert found, security.stdout + security.stderr
    assert float(found.group(1)) <= MAX_EXPOSURE, security.stdout


@needs_analyze
def test_verify_catches_a_broken_unit(tmp_path: Path) -> None:
    """The check above can fail: a typo in a directive is reported."""
    config = tmp_path / "newsmon.toml"
    config.write_text("")
    assert _install(tmp_path, "--config", str(config)).returncode == 0
    unit = tmp_path / "newsmon.service"
    unit.write_text(unit.read_text().replace("ProtectHome=yes", "ProtectHomes=yes"))
    verify = _analyze("verify", "newsmon.service", cwd=tmp_path)
    assert "ProtectHomes" in verify.stdout + verify.stderr


def test_install_service_writes_the_unit_for_this_install_and_says_what_next(tmp_path: Path) -> None:
    config = tmp_path / "etc" / "newsmon.toml"
    out = _install(tmp_path, "--config", str(config))
    assert out.returncode == 0, out.stderr
    text = (tmp_path / "newsmon.service").read_text()
    exe = re.search(r"^ExecStart=(\S+) run --config (\S+) --state-dir /var/lib/newsmon$", text, re.M)
    assert exe, text
    assert Path(exe.group(1)).is_file() and exe.group(2) == str(config)
    assert "Type=notify" in text and f"ExecStartPre={exe.group(1)} check --config {config}" in text
    assert "systemctl enable --now newsmon" in out.stdout and "journalctl -u newsmon" in out.stdout
    assert "does not exist yet" in out.stdout and "newsmon.example.toml" in out.stdout


def test_install_service_print_writes_nothing(tmp_path: Path) -> None:
    out = _install(tmp_path, "--print", "--template", "--config", "/etc/newsmon/newsmon.toml")
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("# newsmon") and "--config /etc/newsmon/%i.toml" in out.stdout
    assert "systemctl enable --now newsmon@NAME" in out.stderr
    assert list(tmp_path.iterdir()) == []


def test_install_service_user_unit_and_home_warning(tmp_path: Path) -> None:
    config = tmp_path / "newsmon.toml"
    config.write_text('state_dir = "my-state"\n')
    out = _install(tmp_path, "--user", "--config", str(config))
    assert out.returncode == 0, out.stderr
    text = (tmp_path / "newsmon.service").read_text()
    assert "WantedBy=default.target" in text and "DynamicUser" not in text
    assert f"ExecStart={current_executable()} run --config {config} --state-dir {tmp_path / 'my-state'}\n" \
        in text, text
    assert "systemctl --user enable --now newsmon" in out.stdout

    home = _install(tmp_path / "sys", "--print", "--config", "/home/someone/newsmon.toml")
    assert "cannot see (ProtectHome=yes)" in home.stderr


def test_install_service_explains_a_write_it_cannot_do(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    out = _install(blocker, "--config", "/etc/newsmon/newsmon.toml")
    assert out.returncode == 1
    assert "cannot write" in out.stderr and "--print" in out.stderr


def test_example_config_is_valid_and_uses_absolute_paths(tmp_path: Path) -> None:
    from monitor.service.unit import example_config_path
    from monitor.settings import load_config

    config = load_config(example_config_path())
    assert all(f.path.is_absolute() for f in config.folders)
    assert config.http.listen == "127.0.0.1:9464"
    # As shipped, `check` (the unit's ExecStartPre) wants the inbox folder to exist.
    check = subprocess.run(newsmon_cmd("check", "--config", str(example_config_path())),
                           capture_output=True, text=True, timeout=60)
    if not Path("/srv/newsmon/inbox").is_dir():
        assert check.returncode == 2 and "folders[0].path" in check.stderr
        assert "mkdir -p '/srv/newsmon/inbox'" in check.stderr
    # With the folder in place (here: the same file pointing at a temp folder) it passes.
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    copy = tmp_path / "newsmon.toml"
    copy.write_text(example_config_path().read_text().replace("/srv/newsmon/inbox", str(inbox)))
    check = subprocess.run(newsmon_cmd("check", "--config", str(copy)),
                           capture_output=True, text=True, timeout=60)
    assert check.returncode == 0, check.stderr
    assert "http: 127.0.0.1:9464" in check.stdout
