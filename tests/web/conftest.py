"""Fixtures of the web console's tests (helpers in `webenv.py`)."""

import pytest

from tests.web.webenv import make_env, make_locked

env = pytest.fixture(make_env, name="env")
locked = pytest.fixture(make_locked, name="locked")
