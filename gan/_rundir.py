"""The layout of a run directory and the checks made before writing one.

Shared by the writer (:func:`gan.training.train`, its command line) and the reader
(:func:`gan.runs.load_run`, which re-exports the file names). It imports nothing from
:mod:`gan.training` or :mod:`gan.runs`, so both can use it without an import cycle.

A run directory holds

=====================  ====================================================================
``config.json``        the resolved settings (``TrainConfig.to_dict()`` plus ``resolved``)
``metrics.jsonl``      one JSON object per logged step
``checkpoint.pt``      the last checkpoint; ``checkpoint_<step>.pt`` snapshots if asked
``images/``            ``step_<step>.png`` progress figures
``tb/``                TensorBoard event files (when ``tensorboard`` is installed)
``.lock``              the lock of the process using the run (pid, host, since when)
=====================  ====================================================================

``metrics.jsonl`` is strict JSON, one object a line: a number that is not finite (a loss
that diverged) is written as ``null``, never as a bare ``NaN`` or ``Infinity``.

Every file is checked when it is read back: an unreadable, truncated, empty or malformed
``config.json`` or checkpoint raises :class:`gan.errors.CorruptRunError` naming the file; a
malformed line of ``metrics.jsonl`` is reported with its line number.

Only one process at a time may train, resume or write into a run: :func:`lock_run` takes an
exclusive OS lock (:func:`fcntl.flock`) on ``.lock``, which the OS releases when the process
ends however it ends, so a killed run leaves no stale lock behind. A second process is
refused with :class:`gan.errors.RunLockedError` naming the holder.
"""

from __future__ import annotations

import contextlib
import datetime
import json
import math
import os
import socket
import warnings
from pathlib import Path

from gan.errors import CorruptRunError, RunLockedError

__all__ = [
    "CONFIG_NAME",
    "CHECKPOINT_NAME",
    "METRICS_NAME",
    "TENSORBOARD_DIR",
    "FORMAT_VERSION",
    "RESUMABLE_CHANGES",
    "snapshot_path",
    "image_path",
    "LOCK_NAME",
    "is_free",
    "check_new_run_dir",
    "check_resumable",
    "check_same_settings",
    "check_checkpoint",
    "check_writable",
    "lock_run",
    "read_config",
    "write_config",
    "append_metrics",
    "read_metrics",
    "truncate_metrics",
]

CONFIG_NAME = "config.json"
CHECKPOINT_NAME = "checkpoint.pt"
METRICS_NAME = "metrics.jsonl"
TENSORBOARD_DIR = "tb"
LOCK_NAME = ".lock"
FORMAT_VERSION = 1  # of the checkpoint dictionary

# settings that may change between a run and its resumption without changing the numbers
RESUMABLE_CHANGES = frozenset({
    "steps", "device", "log_every", "eval_every", "image_every", "ckpt_every", "snapshot_every",
    "eval_samples", "compile", "tf32", "channels_last",
})  # fmt: skip


def snapshot_path(run_dir, step: int) -> Path:
    """``run_dir/checkpoint_<step>.pt``, the numbered copy kept every ``snapshot_every`` steps."""
    return Path(run_dir) / f"checkpoint_{step:07d}.pt"


def image_path(run_dir, step: int) -> Path:
    """``run_dir/images/step_<step>.png``, the progress figure of ``step``."""
    return Path(run_dir) / "images" / f"step_{step:07d}.png"


def is_free(run_dir) -> bool:
    """True when ``run_dir`` is absent or an empty directory (a new run may start there).

    A directory holding only the lock file (left by a run that failed before writing
    anything) counts as empty.
    """
    run_dir = Path(run_dir)
    return not run_dir.exists() or (run_dir.is_dir() and all(p.name == LOCK_NAME for p in run_dir.iterdir()))


def check_writable(path) -> None:
    """Refuse an output ``path`` that exists as a file or lies under a read-only directory.

    Checked before any work, so a long computation is not lost at the final write.

    Raises
    ------
    FileExistsError
        ``path`` exists and is not a directory.
    PermissionError
        The nearest existing directory at or above ``path`` is not writable.
    NotADirectoryError
        A file stands where a directory above ``path`` should be.
    """
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise FileExistsError(f"{str(path)!r} exists and is a file, not a directory")
    probe = path
    while not probe.exists():
        if probe.parent == probe:
            break
        probe = probe.parent
    if probe.exists() and not probe.is_dir():
        raise NotADirectoryError(f"{str(probe)!r} is a file, so {str(path)!r} cannot be created")
    if not os.access(probe, os.W_OK | os.X_OK):
        raise PermissionError(f"{str(probe)!r} is not writable, so {str(path)!r} cannot be written")


def check_new_run_dir(run_dir) -> None:
    """Refuse to start a new run over an existing one (:class:`FileExistsError`)."""
    if not is_free(run_dir):
        raise FileExistsError(
            f"run directory {str(run_dir)!r} exists and is not empty; pick a new --out or "
            f"continue it with --resume {run_dir}"
        )


# key -> (type(s), description) of a training checkpoint
_CKPT_KEYS = {
    "format": (int, "an int"),
    "step": (int, "an int"),
    "config": (dict, "a dict"),
    "latent_dim": (int, "an int"),
    "data_shape": (list, "a list"),
    "generator": (dict, "a state dict"),
    "critic": (dict, "a state dict"),
    "sampler": (dict, "a state dict"),
    "opt_g": (dict, "a state dict"),
    "opt_d": (dict, "a state dict"),
    "mi_head": ((dict, type(None)), "a state dict or None"),
    "rng": (list, "a list"),
}


def check_checkpoint(ckpt, path) -> dict:
    """Check that ``ckpt`` (read from ``path``) has the keys and types of a training checkpoint.

    Raises
    ------
    CorruptRunError
        Not a dict, a missing key, a value of the wrong type; the message names ``path``.
    """
    if not isinstance(ckpt, dict):
        raise CorruptRunError(path, f"holds a {type(ckpt).__name__}, not a checkpoint dictionary")
    missing = sorted(k for k in _CKPT_KEYS if k not in ckpt)
    if missing:
        raise CorruptRunError(path, f"missing key(s) {missing}")
    for key, (tp, what) in _CKPT_KEYS.items():
        v = ckpt[key]
        if not isinstance(v, tp) or isinstance(v, bool):
            raise CorruptRunError(path, f"{key!r} must be {what}, got {type(v).__name__}")
    if ckpt["step"] < 0:
        raise CorruptRunError(path, f"negative step {ckpt['step']}")
    if not ckpt["data_shape"] or not all(isinstance(s, int) and s >= 1 for s in ckpt["data_shape"]):
        raise CorruptRunError(path, f"data_shape must be positive ints, got {ckpt['data_shape']!r}")
    if not all(isinstance(r, dict) for r in ckpt["rng"]) or not ckpt["rng"]:
        raise CorruptRunError(path, "'rng' must be a non-empty list of per-process stream states")
    return ckpt


def check_resumable(ckpt: dict, config: dict, run_dir) -> None:
    """Refuse to resume from ``ckpt`` with ``config`` (a ``TrainConfig.to_dict()``) when the numbers would differ.

    Raises
    ------
    ValueError
        Another checkpoint format, a changed setting outside :data:`RESUMABLE_CHANGES`, or a
        checkpoint beyond ``config["steps"]``.
    """
    if ckpt.get("format") != FORMAT_VERSION:
        raise ValueError(
            f"{Path(run_dir) / CHECKPOINT_NAME} has checkpoint format {ckpt.get('format')!r}, expected {FORMAT_VERSION}"
        )
    check_same_settings(ckpt["config"], config, run_dir)
    if ckpt["step"] > config["steps"]:
        raise ValueError(f"the checkpoint is at step {ckpt['step']}, beyond steps={config['steps']}")


def read_config(run_dir) -> dict:
    """The dictionary in ``run_dir/config.json``.

    Raises
    ------
    FileNotFoundError
        No ``config.json``: not a run directory.
    CorruptRunError
        Unreadable as UTF-8 JSON, or not a JSON object; the message names the file.
    """
    run_dir = Path(run_dir)
    path = run_dir / CONFIG_NAME
    if not run_dir.is_dir():
        raise FileNotFoundError(
            f"{str(run_dir)!r} is not a directory, so it holds no {CONFIG_NAME}; is it a run directory?"
        )
    if not path.is_file():
        raise FileNotFoundError(f"{str(run_dir)!r} holds no {CONFIG_NAME}; is it a run directory?")
    try:
        config = json.loads(path.read_bytes().decode("utf-8"))
    except UnicodeDecodeError:
        raise CorruptRunError(path, "not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise CorruptRunError(path, f"not JSON: {exc}" if path.stat().st_size else "empty file") from None
    if not isinstance(config, dict):
        raise CorruptRunError(path, f"holds a JSON {type(config).__name__}, not an object")
    return config


def check_same_settings(old: dict, config: dict, run_dir) -> None:
    """Refuse to continue the run in ``run_dir`` (settings ``old``) with ``config`` when a setting outside :data:`RESUMABLE_CHANGES` differs."""
    old = {k: v for k, v in old.items() if k != "resolved"}
    changed = sorted(k for k in set(old) | set(config) if old.get(k) != config.get(k) and k not in RESUMABLE_CHANGES)
    if changed:
        raise ValueError(
            f"cannot resume {str(run_dir)!r} with different settings {changed}; "
            f"only {sorted(RESUMABLE_CHANGES)} may change"
        )


def write_config(run_dir, resolved: dict) -> None:
    """Write ``config.json`` atomically (sorted keys)."""
    from gan._util import atomic_write_json  # imports torch: only when writing

    atomic_write_json(Path(run_dir) / CONFIG_NAME, resolved, sort_keys=True)


def _finite(v):
    """``v`` with every non-finite float replaced by ``None`` (strict JSON has no NaN)."""
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if isinstance(v, dict):
        return {k: _finite(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_finite(x) for x in v]
    return v


def append_metrics(run_dir, record: dict) -> None:
    """Append one strict-JSON line to ``metrics.jsonl`` (non-finite numbers become ``null``)."""
    line = json.dumps(_finite(record), allow_nan=False)
    with open(Path(run_dir) / METRICS_NAME, "a") as f:
        f.write(line + "\n")


def _parse_metrics(path: Path):
    """``(records, bad)``: the parsed lines and ``(line_number, text, complete)`` of the malformed ones."""
    records, bad = [], []
    data = path.read_bytes().decode("utf-8", errors="replace")
    lines = data.split("\n")
    last_complete = data.endswith("\n")
    if lines and lines[-1] == "":
        lines.pop()
    for i, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        complete = i < len(lines) or last_complete
        try:
            rec = json.loads(line)
        except json.JSONDecodeError:
            rec = None
        if not isinstance(rec, dict) or not isinstance(rec.get("step"), int):
            bad.append((i, line, complete))
        else:
            records.append((i, line, rec))
    return records, bad


def read_metrics(run_dir, *, on_error: str = "warn") -> list[dict]:
    """The records of ``run_dir/metrics.jsonl`` in file order (``[]`` when absent).

    Parameters
    ----------
    run_dir : str or Path
    on_error : {"warn", "raise"}, default "warn"
        A line that is not a JSON object with an integer ``step``: a :class:`UserWarning`
        naming the file and the line (the line is skipped), or :class:`CorruptRunError`.

    Returns
    -------
    list of dict
        ``null`` values (non-finite numbers when written) come back as ``None``.
    """
    if on_error not in ("warn", "raise"):
        raise ValueError(f"on_error must be 'warn' or 'raise', got {on_error!r}")
    path = Path(run_dir) / METRICS_NAME
    if not path.exists():
        return []
    records, bad = _parse_metrics(path)
    if bad:
        where = ", ".join(str(i) for i, _, _ in bad[:5]) + (" ..." if len(bad) > 5 else "")
        msg = f"{path}: {len(bad)} malformed line(s) (line {where}), first: {bad[0][1][:80]!r}"
        if on_error == "raise":
            raise CorruptRunError(path, msg.split(": ", 1)[1])
        warnings.warn(msg + "; skipped", UserWarning, stacklevel=2)
    return [rec for _, _, rec in records]


def truncate_metrics(run_dir, step: int) -> None:
    """Drop metric lines after ``step`` (written by a run killed after its last checkpoint).

    A last line without its newline (cut by a kill while it was written) is dropped with a
    warning; any other malformed line stops the resumption with :class:`CorruptRunError`
    naming the file and the line, so nothing is dropped unseen.
    """
    path = Path(run_dir) / METRICS_NAME
    if not path.exists():
        return
    records, bad = _parse_metrics(path)
    for i, line, complete in bad:
        if complete:
            raise CorruptRunError(
                path, f"line {i} is not a metrics record: {line[:80]!r}; delete or fix that line, then resume again"
            )
        warnings.warn(
            f"{path}: dropped line {i}, cut short by the end of the previous run: {line[:80]!r}",
            UserWarning,
            stacklevel=2,
        )
    keep = [line for _, line, rec in records if rec["step"] <= step]
    from gan._util import atomic_write_bytes  # imports torch: only when writing

    atomic_write_bytes(path, "".join(s + "\n" for s in keep).encode())


@contextlib.contextmanager
def lock_run(run_dir, *, create: bool = True):
    """Hold the exclusive lock of ``run_dir`` for the ``with`` block.

    Parameters
    ----------
    run_dir : str or Path
        The run directory (created when absent and ``create``).
    create : bool, default True

    Raises
    ------
    RunLockedError
        Another process holds the lock; the message names it (pid, host, since when).

    Notes
    -----
    The lock is :func:`fcntl.flock` on ``run_dir/.lock``: the OS drops it when the holding
    process ends, even by ``kill -9``, so there is never a stale lock to remove by hand. The
    file keeps the last holder's description; only the OS lock counts. On a platform without
    :mod:`fcntl` the block runs unlocked.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     with lock_run(tmp):
    ...         pass
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        yield
        return
    run_dir = Path(run_dir)
    if create:
        run_dir.mkdir(parents=True, exist_ok=True)
    elif not run_dir.is_dir():
        raise FileNotFoundError(f"{str(run_dir)!r} is not a directory")
    path = run_dir / LOCK_NAME
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 4096, 0).decode("utf-8", errors="replace").strip()
            try:
                h = json.loads(holder)
                who = f"process {h['pid']} on host {h['host']} since {h['since']}"
            except (json.JSONDecodeError, KeyError, TypeError):
                who = "another process (which has not written its name yet)"
            raise RunLockedError(
                f"run directory {str(run_dir)!r} is in use by {who}; wait for it to finish or stop it"
            ) from None
        since = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
        info = json.dumps({"pid": os.getpid(), "host": socket.gethostname(), "since": since}) + "\n"
        os.ftruncate(fd, 0)
        os.pwrite(fd, info.encode(), 0)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock
