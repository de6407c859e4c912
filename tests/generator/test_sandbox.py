"""The proof's sandbox: a load sees exactly the rendered env and files, and nothing leaks out."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from chartgen.model.sandbox import Sandbox


def _seen(secrets: Path) -> tuple[dict[str, str], dict[str, str], list[str]]:
    files = {p.name: p.read_text() for p in secrets.iterdir()}
    return dict(os.environ), files, os.listdir(".")


def test_a_load_sees_exactly_the_env_and_files_then_everything_is_restored(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CHARTGEN_TEST_OUTSIDE", "outside")
    before, cwd = dict(os.environ), os.getcwd()
    with Sandbox() as sandbox:
        env, files, listing = sandbox.run({"A": "1", "B": "two"}, {"S": "secret"}, _seen)
        assert env == {"A": "1", "B": "two"}
        assert files == {"S": "secret"}
        assert listing == []
        assert dict(os.environ) == before and os.getcwd() == cwd

        # The next load: a file dropped, one changed, one added; a name left out of env.
        env, files, _ = sandbox.run({"B": "three"}, {"T": "new"}, _seen)
        assert env == {"B": "three"}
        assert files == {"T": "new"}


def test_a_failing_load_restores_the_environment_and_empties_the_working_directory() -> None:
    before, cwd = dict(os.environ), os.getcwd()

    def failing(secrets: Path) -> None:
        Path("scratch").write_text("left behind")
        raise RuntimeError("the app refused")

    with Sandbox() as sandbox:
        with pytest.raises(RuntimeError):
            sandbox.run({"ONLY": "this"}, {}, failing)
        assert dict(os.environ) == before and os.getcwd() == cwd
        _, _, listing = sandbox.run({}, {}, _seen)
        assert listing == []
