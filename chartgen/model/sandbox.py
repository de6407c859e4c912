"""Where the env-contract proof loads an app's settings: exactly a given environment, an empty
working directory and a secrets directory holding exactly the given files.

Both directories are made once, not afresh per load: creating and removing a directory (or
a file) costs milliseconds on some filesystems, and a build loads settings at least once per
workload. The working directory is emptied after every load; in the secrets directory only
the files that differ from the previous load's are written or removed (workloads share most
of their secrets).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from types import TracebackType
from typing import TypeVar

T = TypeVar("T")


def _set_environ(env: Mapping[str, str]) -> None:
    """Make the process environment exactly ``env``, touching only the names that differ
    (``os.environ.clear()`` pops one name at a time, each pop walking the mapping again)."""
    for name in [name for name in os.environ if name not in env]:
        del os.environ[name]
    for name, value in env.items():
        if os.environ.get(name) != value:
            os.environ[name] = value


def _empty(directory: Path) -> None:
    for entry in directory.iterdir():
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()


class Sandbox:
    """A context manager; ``run`` calls a loader inside the sandbox, as often as needed."""

    def __init__(self) -> None:
        self._root: tempfile.TemporaryDirectory[str] | None = None
        self._files: dict[str, str] = {}  # what the secrets directory holds

    def __enter__(self) -> Sandbox:
        self._root = tempfile.TemporaryDirectory(prefix="chartgen-proof-")
        root = Path(self._root.name)
        (root / "cwd").mkdir()
        (root / "secrets").mkdir()
        self._files = {}
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        assert self._root is not None
        self._root.cleanup()
        self._root = None

    @property
    def _dirs(self) -> tuple[Path, Path]:
        assert self._root is not None, "Sandbox used outside its with-block"
        root = Path(self._root.name)
        return root / "cwd", root / "secrets"

    def run(self, env: Mapping[str, str], files: Mapping[str, str], load: Callable[[Path], T]) -> T:
        """``load(secrets_dir)`` with exactly ``env`` as the process environment, in the empty
        working directory, ``files`` (name -> text) in the secrets directory; everything is
        restored, and the working directory emptied, when it returns or raises."""
        cwd, secrets = self._dirs
        self._lay(secrets, files)
        saved_env, saved_cwd = dict(os.environ), os.getcwd()
        _set_environ(env)
        os.chdir(cwd)
        try:
            return load(secrets)
        finally:
            os.chdir(saved_cwd)
            _set_environ(saved_env)
            _empty(cwd)

    def _lay(self, secrets: Path, files: Mapping[str, str]) -> None:
        """Make the secrets directory hold exactly ``files``."""
        if {entry.name for entry in secrets.iterdir()} != set(self._files):
            _empty(secrets)  # the load changed it: start again from nothing
            self._files = {}
        for name in set(self._files) - set(files):
            (secrets / name).unlink()
            del self._files[name]
        for name, text in files.items():
            if self._files.get(name) != text:
                (secrets / name).write_text(text)
                self._files[name] = text
