"""Where the env-contract proof loads an app's settings: exactly a given environment, an empty
working directory and a secrets directory holding exactly the given files.

Both directories are made once and emptied after every load, not made afresh per load:
creating and removing a directory costs milliseconds on some filesystems, and a build loads
settings at least once per workload.
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

    def __enter__(self) -> Sandbox:
        self._root = tempfile.TemporaryDirectory(prefix="chartgen-proof-")
        root = Path(self._root.name)
        (root / "cwd").mkdir()
        (root / "secrets").mkdir()
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
        restored, and both directories emptied, when it returns or raises."""
        cwd, secrets = self._dirs
        for name, text in files.items():
            (secrets / name).write_text(text)
        saved_env, saved_cwd = dict(os.environ), os.getcwd()
        os.environ.clear()
        os.environ.update(env)
        os.chdir(cwd)
        try:
            return load(secrets)
        finally:
            os.chdir(saved_cwd)
            os.environ.clear()
            os.environ.update(saved_env)
            _empty(secrets)
            _empty(cwd)
