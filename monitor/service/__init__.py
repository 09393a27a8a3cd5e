"""Running newsmon as a service: sd_notify, health and metrics endpoint, unit files.

`ServiceHooks` (runtime.py) is what `App` and `newsmon run` call; everything
else here is a small part it uses.
"""
