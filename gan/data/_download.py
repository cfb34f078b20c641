"""Download a file and check its checksum (used only when the user asks for a download)."""

from __future__ import annotations

import hashlib
import shutil
import urllib.request
from pathlib import Path

from gan._util import atomic_write


class _ChecksumMismatch(Exception):
    """A downloaded file did not match its checksum (it is discarded)."""


__all__ = ["file_digest", "download_file"]


def file_digest(path, algorithm: str = "md5") -> str:
    """Hex digest of a file (``algorithm``: any name ``hashlib.new`` accepts)."""
    h = hashlib.new(algorithm)
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def download_file(urls, dest, *, md5=None, sha256=None, timeout=60.0) -> Path:
    """Fetch ``dest`` from the first working URL and verify its checksum.

    An existing ``dest`` with the right checksum is kept. The file is written to a temporary
    name and renamed only once its checksum matches, so an interrupted or corrupt download
    never leaves a file that looks complete.

    Parameters
    ----------
    urls : str or sequence of str
        Mirrors, tried in order.
    dest : path
    md5, sha256 : str, optional
        Expected hex digests (at least one).
    timeout : float
        Seconds per connection attempt.

    Returns
    -------
    pathlib.Path
        ``dest``.

    Raises
    ------
    RuntimeError
        If no mirror gives a file with the expected checksum.
    """
    if md5 is None and sha256 is None:
        raise ValueError("download_file needs an md5 or sha256 checksum")
    urls = [urls] if isinstance(urls, str) else list(urls)
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)

    def ok(p):
        return (md5 is None or file_digest(p, "md5") == md5.lower()) and (
            sha256 is None or file_digest(p, "sha256") == sha256.lower()
        )

    if dest.exists() and ok(dest):
        return dest
    errors = []

    def verify(tmp):
        if not ok(tmp):
            raise _ChecksumMismatch

    for url in urls:
        try:
            with urllib.request.urlopen(url, timeout=timeout) as resp:
                atomic_write(dest, lambda out: shutil.copyfileobj(resp, out), verify=verify)
            return dest
        except _ChecksumMismatch:
            errors.append(f"{url}: checksum mismatch")
        except OSError as exc:
            errors.append(f"{url}: {exc}")
    raise RuntimeError(f"could not download {dest.name}: " + "; ".join(errors))
