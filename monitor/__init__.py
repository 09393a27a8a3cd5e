"""newsmon: a self-hosted news monitoring and alert daemon."""

__version__ = "0.1.0"
