"""Delivery through Apprise to real servers: SMTP (aiosmtpd) and a json:// webhook."""

from __future__ import annotations

import email
import os
import signal
import subprocess
from email import policy
from pathlib import Path

from tests.conftest import Endpoint, SmtpSink, newsmon_cmd


def test_email_and_chat_targets_receive_the_alert(tmp_path: Path, smtp: SmtpSink, endpoint: Endpoint) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    config = tmp_path / "c.toml"
    config.write_text(
        f'[[folders]]\npath = "{folder}"\n\n[[rules]]\nname = "izium"\nquery = "Izium"\n'
        f'notify = ["mail", "chat"]\n\n[targets]\nmail = ["{smtp.url}"]\nchat = ["{endpoint.url}"]\n')
    (folder / "a.txt").write_text("Ukrainian forces enter Izium\n\nThe city of Izium was retaken.\n")
    proc = subprocess.Popen(newsmon_cmd("run", "--config", str(config), "--state-dir", str(tmp_path / "s")),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        mails = smtp.wait_for(1)
        chats = endpoint.wait_for(1)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=20)
    assert len(mails) == 1 and len(chats) == 1
    msg = email.message_from_bytes(mails[0], policy=policy.default)
    assert "Izium" in str(msg["subject"])
    assert msg["to"] == "analyst@example.com"
    assert chats[0]["title"] == "Ukrainian forces enter Izium"
    assert "izium" in chats[0]["message"]  # the rule name


def test_permanent_http_error_goes_to_dead_letters(tmp_path: Path) -> None:
    ep = Endpoint(status=404)
    ep.up()
    try:
        folder = tmp_path / "in"
        folder.mkdir()
        (folder / "a.txt").write_text("Izium report\n\nIzium.\n")
        config = tmp_path / "c.toml"
        config.write_text(f'[[folders]]\npath = "{folder}"\n[[rules]]\nname = "r"\nquery = "Izium"\n'
                          f'notify = ["hook"]\n[targets]\nhook = ["{ep.url}"]\n')
        once = subprocess.run(newsmon_cmd("run", "--once", "--config", str(config), "--state-dir",
                                          str(tmp_path / "s")), capture_output=True, text=True, timeout=60,
                              env={**os.environ})
    finally:
        ep.down()
    assert once.returncode == 0
    assert "dead letters" in once.stderr and "hook" in once.stderr
