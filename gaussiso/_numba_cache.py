"""Where Numba caches gaussiso's compiled kernels, when the default places are read-only.

Numba's ``cache=True`` writes next to the source (``gaussiso/__pycache__``) or, failing that,
to the user-wide cache (``$XDG_CACHE_HOME/numba`` or ``~/.cache/numba``); when neither is
writable (a system-wide install used by an account whose home is read-only, a container as
``nobody``) it refuses to decorate the function, so ``import gaussiso`` would fail. This module
decides, before the kernels are imported, whether to point ``NUMBA_CACHE_DIR`` at a private
directory under the system temporary directory. A ``NUMBA_CACHE_DIR`` set by the user is always
respected.
"""

from __future__ import annotations

import os
import tempfile

__all__ = ["choose_cache_dir", "setup"]


def _writable_dir(path: str, access) -> bool:
    """``path`` is a writable directory, or could be created in a writable existing parent."""
    p = os.path.abspath(path)
    while not os.path.isdir(p):
        parent = os.path.dirname(p)
        if parent == p or os.path.exists(p):  # a root, or a file in the way
            return False
        p = parent
    return bool(access(p, os.W_OK | os.X_OK))


def _user_wide_dir(environ) -> str | None:
    xdg = environ.get("XDG_CACHE_HOME")
    if xdg:
        return os.path.join(xdg, "numba")
    home = environ.get("HOME") or os.path.expanduser("~")
    return os.path.join(home, ".cache", "numba") if home and home != "~" else None


def choose_cache_dir(package_dir: str, environ=None, *, access=os.access, tmpdir=None) -> str | None:
    """The directory to give Numba as ``NUMBA_CACHE_DIR``, or None to keep Numba's default.

    None when the user set ``NUMBA_CACHE_DIR``, when ``package_dir/__pycache__`` can be written
    (Numba's in-tree cache), or when the user-wide cache can be; otherwise
    ``<tmpdir>/gaussiso-numba-cache-<uid>``. ``access`` is ``os.access`` (replaceable in tests).
    """
    env = os.environ if environ is None else environ
    if env.get("NUMBA_CACHE_DIR"):
        return None
    if _writable_dir(os.path.join(package_dir, "__pycache__"), access):
        return None
    user = _user_wide_dir(env)
    if user is not None and _writable_dir(user, access):
        return None
    uid = os.getuid() if hasattr(os, "getuid") else "user"
    return os.path.join(tmpdir or tempfile.gettempdir(), f"gaussiso-numba-cache-{uid}")


def setup(package_dir: str) -> str | None:
    """Apply :func:`choose_cache_dir` (environment and ``numba.config``); return the choice."""
    path = choose_cache_dir(package_dir)
    if path is None:
        return None
    try:
        os.makedirs(path, mode=0o700, exist_ok=True)
    except OSError:
        return None  # nothing writable at all: Numba's own message will say so
    os.environ["NUMBA_CACHE_DIR"] = path
    try:  # numba already imported: its config read the environment at import time
        from numba.core import config

        config.CACHE_DIR = path  # type: ignore[attr-defined]
    except ImportError:  # pragma: no cover - numba is a dependency
        pass
    return path
