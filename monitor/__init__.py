"""newsmon: a self-hosted news monitoring and alert daemon."""

from monitor import native

__version__ = "0.1.0"

# Before any module of the place matcher is imported: compiled or pure (native.py).
native.install()
