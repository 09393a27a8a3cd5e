"""Optional native build of the place matcher's hot modules (mypyc).

Everything else about the package is in pyproject.toml. Finding and resolving
places runs a few hundred small Python functions per article; compiled with
mypyc (the same sources, no second implementation) they run about 1.4-1.8x
faster. The build is best effort: without a C compiler, with
NEWSMON_PURE=1 set, or if mypyc fails, the package installs as pure Python
and works the same, only slower. `newsmon --version` says which.

A manifest (monitor/_native.json) records the hash of each compiled source;
monitor/native.py loads the pure sources instead when any of them changed
since the build (an editable install being edited), so a stale compiled
module never runs.
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
import sys
from pathlib import Path

from setuptools import Distribution, Extension, setup
from setuptools.command.build_ext import build_ext

HERE = Path(__file__).resolve().parent


def _native_sources() -> list[str]:
    # The list lives in monitor/native.py (SOURCES), read here without importing it.
    tree = ast.parse((HERE / "monitor" / "native.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and [getattr(t, "id", "") for t in node.targets] == ["SOURCES"]:
            return list(ast.literal_eval(node.value))
    raise SystemExit("setup.py: monitor/native.py has no SOURCES list")


NATIVE = _native_sources()


def _say(text: str) -> None:
    print(f"newsmon: {text}", file=sys.stderr)


_MYPYC_RUN: list[list[Extension]] = []


class BuildNative(build_ext):
    """Compiles NATIVE with mypyc when it can; never fails the install."""

    def finalize_options(self) -> None:
        # mypyc runs here, so that setuptools prepares its extensions like any other
        # (once per process: setuptools may finalize several build_ext commands).
        if not _MYPYC_RUN:
            _MYPYC_RUN.append(self._native_extensions())
        self.distribution.ext_modules = list(_MYPYC_RUN[0])
        super().finalize_options()

    def _native_extensions(self) -> list[Extension]:
        if os.environ.get("NEWSMON_PURE"):
            _say("NEWSMON_PURE is set: installing pure Python")
            return []
        try:
            from mypyc.build import mypycify

            os.chdir(HERE)  # mypyc names modules by their paths from here
            # The build environment may lack the runtime dependencies (pydantic...),
            # which mypy then reads as Any: only the compiled modules' own errors
            # count (silent imports), and an ignore needed with them is "unused".
            flags = ["--follow-imports=silent", "--no-warn-unused-ignores"]
            return list(mypycify([*flags, *NATIVE], opt_level="3", group_name="newsmon",
                                 debug_level="0"))
        except (Exception, SystemExit) as exc:  # mypy's errors exit
            _say(f"mypyc could not compile the place matcher ({type(exc).__name__}: {exc}); "
                 "installing pure Python, which works the same, only slower")
            return []

    def run(self) -> None:
        if not self.extensions:
            return
        try:
            super().run()
        except (Exception, SystemExit) as exc:  # no C compiler: distutils exits
            _say(f"could not compile the place matcher ({type(exc).__name__}: {exc}); "
                 "installing pure Python, which works the same, only slower")
            self.extensions = []
            return
        manifest = {path: hashlib.sha256((HERE / path).read_bytes()).hexdigest() for path in NATIVE}
        self._manifest_path().write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n",
                                         encoding="utf-8")
        _say(f"compiled {len(NATIVE)} modules of the place matcher with mypyc")

    def _manifest_path(self) -> Path:
        return Path(self.get_ext_fullpath("monitor.text")).parent / "_native.json"

    def get_outputs(self) -> list[str]:
        outs = list(super().get_outputs())
        if self.extensions:
            outs.append(str(self._manifest_path()))
        return outs


class NativeDistribution(Distribution):
    # The extensions are only known once mypyc has run, inside build_ext; saying
    # there are some makes setuptools run it (and tag the wheel for this platform).
    def has_ext_modules(self) -> bool:
        return True


setup(cmdclass={"build_ext": BuildNative}, distclass=NativeDistribution)
