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
=====================  ====================================================================
"""

from __future__ import annotations

import json
from pathlib import Path

from gan._util import atomic_write_bytes, atomic_write_json

__all__ = [
    "CONFIG_NAME",
    "CHECKPOINT_NAME",
    "METRICS_NAME",
    "TENSORBOARD_DIR",
    "FORMAT_VERSION",
    "RESUMABLE_CHANGES",
    "snapshot_path",
    "image_path",
    "is_free",
    "check_new_run_dir",
    "check_resumable",
    "write_config",
    "append_metrics",
    "truncate_metrics",
]

CONFIG_NAME = "config.json"
CHECKPOINT_NAME = "checkpoint.pt"
METRICS_NAME = "metrics.jsonl"
TENSORBOARD_DIR = "tb"
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
    """True when ``run_dir`` is absent or an empty directory (a new run may start there)."""
    run_dir = Path(run_dir)
    return not run_dir.exists() or (run_dir.is_dir() and not any(run_dir.iterdir()))


def check_new_run_dir(run_dir) -> None:
    """Refuse to start a new run over an existing one (:class:`FileExistsError`)."""
    if not is_free(run_dir):
        raise FileExistsError(
            f"run directory {str(run_dir)!r} exists and is not empty; pick a new --out or "
            f"continue it with --resume {run_dir}"
        )


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
    old = ckpt["config"]
    changed = sorted(k for k in set(old) | set(config) if old.get(k) != config.get(k) and k not in RESUMABLE_CHANGES)
    if changed:
        raise ValueError(
            f"cannot resume {str(run_dir)!r} with different settings {changed}; "
            f"only {sorted(RESUMABLE_CHANGES)} may change"
        )
    if ckpt["step"] > config["steps"]:
        raise ValueError(f"the checkpoint is at step {ckpt['step']}, beyond steps={config['steps']}")


def write_config(run_dir, resolved: dict) -> None:
    """Write ``config.json`` atomically (sorted keys)."""
    atomic_write_json(Path(run_dir) / CONFIG_NAME, resolved, sort_keys=True)


def append_metrics(run_dir, record: dict) -> None:
    """Append one JSON line to ``metrics.jsonl``."""
    with open(Path(run_dir) / METRICS_NAME, "a") as f:
        f.write(json.dumps(record) + "\n")


def truncate_metrics(run_dir, step: int) -> None:
    """Drop metric lines after ``step`` (written by a run killed after its last checkpoint)."""
    path = Path(run_dir) / METRICS_NAME
    if not path.exists():
        return
    keep = []
    for line in path.read_text().splitlines():
        try:
            if json.loads(line).get("step", 0) <= step:
                keep.append(line)
        except json.JSONDecodeError:  # a line cut by the kill
            continue
    atomic_write_bytes(path, "".join(s + "\n" for s in keep).encode())
