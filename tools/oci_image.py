"""Pack files into an OCI image-layout tar that `ctr images import` loads: no registry, no
Docker, standard library only.

    python3 tools/oci_image.py --out pause.tar --name chartgen.local/pause:1 \
        --file /path/to/pause:/pause:0755 --entrypoint '["/pause"]'
    python3 tools/oci_image.py --out app.tar --name chartgen.local/lookout:dev \
        --layer rootfs/ --keep-owners --env PATH=/usr/bin:/bin --user 10001:10001

Each --layer DIR becomes one layer, and all --file/--dir entries together one more, in
order. Layers are deterministic: entries sorted, one fixed mtime (SOURCE_DATE_EPOCH, else
0), owner 0:0 unless --keep-owners, no user or group names, gzip without a timestamp; so
the same input gives the same digests, and an unchanged image imports as a no-op.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import json
import os
import stat
import sys
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

MEDIA_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
MEDIA_INDEX = "application/vnd.oci.image.index.v1+json"
MEDIA_CONFIG = "application/vnd.oci.image.config.v1+json"
MEDIA_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"


@dataclass
class Entry:
    """One file, directory or symlink of a layer: `source` is read from the host."""

    path: str  # inside the image, without leading slash
    source: Path | None  # None: a directory made from nothing
    mode: int | None = None  # permission bits; None keeps the source's
    uid: int = 0
    gid: int = 0


@dataclass
class Layer:
    entries: list[Entry] = field(default_factory=list)


def walk_dir(root: Path, keep_owners: bool) -> Iterator[Entry]:
    """Every entry below root, sorted by path, so the layer's order does not depend on the
    file system's."""
    paths = sorted(
        (Path(d) / name for d, dirs, files in os.walk(root) for name in dirs + files),
        key=lambda p: p.relative_to(root).as_posix(),
    )
    for p in paths:
        st = p.lstat()
        yield Entry(
            path=p.relative_to(root).as_posix(),
            source=p,
            uid=st.st_uid if keep_owners else 0,
            gid=st.st_gid if keep_owners else 0,
        )


def parents_of(path: str) -> list[str]:
    parts = path.split("/")[:-1]
    return ["/".join(parts[: i + 1]) for i in range(len(parts))]


def tar_info(entry: Entry, mtime: int, hardlinks: dict[tuple[int, int], str]) -> tuple:
    """The TarInfo of an entry and the open file to copy (or None); hardlinked files after
    the first become links to it, as in the source tree."""
    info = tarfile.TarInfo(entry.path)
    info.mtime = mtime
    info.uid, info.gid = entry.uid, entry.gid
    info.uname = info.gname = ""
    if entry.source is None:
        info.type = tarfile.DIRTYPE
        info.mode = entry.mode if entry.mode is not None else 0o755
        return info, None
    st = entry.source.lstat()
    info.mode = entry.mode if entry.mode is not None else stat.S_IMODE(st.st_mode)
    if stat.S_ISDIR(st.st_mode):
        info.type = tarfile.DIRTYPE
        return info, None
    if stat.S_ISLNK(st.st_mode):
        info.type = tarfile.SYMTYPE
        info.linkname = os.readlink(entry.source)
        return info, None
    if stat.S_ISREG(st.st_mode):
        if st.st_nlink > 1:
            first = hardlinks.setdefault((st.st_dev, st.st_ino), entry.path)
            if first != entry.path:
                info.type = tarfile.LNKTYPE
                info.linkname = first
                return info, None
        info.size = st.st_size
        return info, entry.source.open("rb")
    # Device nodes, fifos and sockets: the runtime mounts /dev; nothing else needs them.
    return None, None


class HashingWriter(io.RawIOBase):
    """A write-only file that hashes and counts what passes through to `out`."""

    def __init__(self, out: io.BufferedWriter) -> None:
        self.out, self.sha, self.size = out, hashlib.sha256(), 0

    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:
        self.out.write(data)
        self.sha.update(data)
        self.size += len(data)
        return len(data)


def write_layer(layer: Layer, blobs: Path, mtime: int, level: int) -> tuple[dict, str]:
    """Write one gzip layer into blobs/; return its descriptor and the diff ID (the digest
    of the uncompressed tar, which the image config lists)."""
    tmp = blobs / ".layer.tmp"
    with tmp.open("wb") as raw:
        compressed = HashingWriter(raw)
        with gzip.GzipFile(fileobj=compressed, mode="wb", compresslevel=level, mtime=0) as gz:
            plain = HashingWriter(gz)
            with tarfile.open(fileobj=plain, mode="w|", format=tarfile.PAX_FORMAT) as tar:
                hardlinks: dict[tuple[int, int], str] = {}
                for entry in layer.entries:
                    info, fh = tar_info(entry, mtime, hardlinks)
                    if info is None:
                        continue
                    tar.addfile(info, fh)
                    if fh is not None:
                        fh.close()
    digest = "sha256:" + compressed.sha.hexdigest()
    tmp.rename(blobs / compressed.sha.hexdigest())
    descriptor = {"mediaType": MEDIA_LAYER, "digest": digest, "size": compressed.size}
    return descriptor, "sha256:" + plain.sha.hexdigest()


def write_blob(blobs: Path, data: bytes, media_type: str) -> dict:
    digest = hashlib.sha256(data).hexdigest()
    (blobs / digest).write_bytes(data)
    return {"mediaType": media_type, "digest": "sha256:" + digest, "size": len(data)}


def canonical(obj: object) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":")).encode()


def build(args: argparse.Namespace) -> None:
    mtime = int(os.environ.get("SOURCE_DATE_EPOCH", "0"))
    layers = [Layer(list(walk_dir(Path(d), args.keep_owners))) for d in args.layer]
    extra = Layer()
    seen: set[str] = set()
    for spec in args.dir:  # PATH[:MODE[:UID:GID]]
        path, *rest = spec.split(":")
        mode = int(rest[0], 8) if rest else 0o755
        uid, gid = (int(rest[1]), int(rest[2])) if len(rest) >= 3 else (0, 0)
        for parent in parents_of(path.strip("/")):
            if parent not in seen:
                extra.entries.append(Entry(parent, None))
                seen.add(parent)
        extra.entries.append(Entry(path.strip("/"), None, mode, uid, gid))
        seen.add(path.strip("/"))
    for spec in args.file:  # SRC:DEST[:MODE]
        src, dest, *rest = spec.split(":")
        dest = dest.strip("/")
        for parent in parents_of(dest):
            if parent not in seen:
                extra.entries.append(Entry(parent, None))
                seen.add(parent)
        extra.entries.append(Entry(dest, Path(src), int(rest[0], 8) if rest else None))
    if extra.entries:
        layers.append(extra)
    if not layers:
        sys.exit("oci_image: nothing to pack (give --layer, --file or --dir)")

    with tempfile.TemporaryDirectory(dir=Path(args.out).parent) as tmp:
        layout = Path(tmp)
        blobs = layout / "blobs" / "sha256"
        blobs.mkdir(parents=True)
        descriptors, diff_ids = [], []
        for layer in layers:
            descriptor, diff_id = write_layer(layer, blobs, mtime, args.compress_level)
            descriptors.append(descriptor)
            diff_ids.append(diff_id)
        config: dict = {"Env": args.env or ["PATH=/usr/local/bin:/usr/bin:/bin"]}
        if args.entrypoint:
            config["Entrypoint"] = json.loads(args.entrypoint)
        if args.cmd:
            config["Cmd"] = json.loads(args.cmd)
        if args.user:
            config["User"] = args.user
        if args.workdir:
            config["WorkingDir"] = args.workdir
        if args.label:
            config["Labels"] = dict(label.split("=", 1) for label in args.label)
        image_config = {
            "architecture": args.arch,
            "os": "linux",
            "config": config,
            "rootfs": {"type": "layers", "diff_ids": diff_ids},
            "history": [{"created_by": "tools/oci_image.py"} for _ in layers],
        }
        config_desc = write_blob(blobs, canonical(image_config), MEDIA_CONFIG)
        manifest = {
            "schemaVersion": 2,
            "mediaType": MEDIA_MANIFEST,
            "config": config_desc,
            "layers": descriptors,
        }
        manifest_desc = write_blob(blobs, canonical(manifest), MEDIA_MANIFEST)
        repo, _, tag = args.name.rpartition(":")
        if not repo or "/" in tag:
            sys.exit(f"oci_image: --name needs a tag: {args.name}")
        manifest_desc["platform"] = {"architecture": args.arch, "os": "linux"}
        # containerd names the image after io.containerd.image.name (the full reference);
        # the OCI annotation carries the tag, as the image-layout spec means it.
        manifest_desc["annotations"] = {
            "io.containerd.image.name": args.name,
            "org.opencontainers.image.ref.name": tag,
        }
        index = {"schemaVersion": 2, "mediaType": MEDIA_INDEX, "manifests": [manifest_desc]}
        (layout / "index.json").write_bytes(canonical(index))
        (layout / "oci-layout").write_bytes(canonical({"imageLayoutVersion": "1.0.0"}))

        tmp_out = Path(args.out + ".tmp")
        with tarfile.open(tmp_out, "w", format=tarfile.PAX_FORMAT) as tar:
            for entry in (
                [Entry("blobs", None), Entry("blobs/sha256", None)]
                + [Entry(f"blobs/sha256/{p.name}", p, 0o644) for p in sorted(blobs.iterdir())]
                + [Entry(n, layout / n, 0o644) for n in ("index.json", "oci-layout")]
            ):
                info, fh = tar_info(entry, mtime, {})
                tar.addfile(info, fh)
                if fh is not None:
                    fh.close()
        tmp_out.rename(args.out)
    print(f"{args.out}: {args.name} {manifest_desc['digest']}")


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--out", required=True, help="OCI image-layout tar to write")
    p.add_argument("--name", required=True, help="image reference, e.g. chartgen.local/x:1")
    p.add_argument("--layer", action="append", default=[], help="a directory: one layer")
    p.add_argument("--keep-owners", action="store_true", help="keep --layer files' uid/gid")
    p.add_argument("--file", action="append", default=[], help="SRC:DEST[:MODE] (octal)")
    p.add_argument("--dir", action="append", default=[], help="PATH[:MODE[:UID:GID]]")
    p.add_argument("--entrypoint", help='JSON list, e.g. ["/pause"]')
    p.add_argument("--cmd", help="JSON list")
    p.add_argument("--env", action="append", help="K=V (repeat); default a plain PATH")
    p.add_argument("--user", help="uid[:gid]")
    p.add_argument("--workdir")
    p.add_argument("--label", action="append", default=[], help="K=V")
    p.add_argument("--arch", default="amd64")
    p.add_argument("--compress-level", type=int, default=6)
    build(p.parse_args(argv))


if __name__ == "__main__":
    main()
