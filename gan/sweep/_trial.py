"""One trial: train (or resume) its run directory, compute what comes after, record the status.

Shared by the serial loop and the Ray trainable, so both backends write the same files.
A trial's run directory is an ordinary ``gan train`` directory plus ``trial.json``:
``{"status": "done" | "error", "name", "params", "config", "after", "metrics", "seconds",
"attempts", "error"}``, written atomically at the end of each attempt.
"""

from __future__ import annotations

import json
import math
import shutil
import time
import traceback
from pathlib import Path

from gan._rundir import LOCK_NAME, lock_run
from gan._util import atomic_write_json
from gan.errors import RunLockedError

STATUS_NAME = "trial.json"
CHECKPOINT_NAME = "checkpoint.pt"  # the run directory's own checkpoint (gan.training)


def read_status(run_dir) -> dict | None:
    """The trial's ``trial.json``, or ``None`` when absent or unreadable."""
    path = Path(run_dir) / STATUS_NAME
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def is_done(run_dir, trial, after) -> bool:
    """Finished with the same settings and the same after-run work: nothing to redo."""
    st = read_status(run_dir)
    return bool(st) and st.get("status") == "done" and st.get("config") == trial.config and st.get("after") == after


def _scalars(d: dict) -> dict:
    return {k: v for k, v in d.items() if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)}


_SETTINGS = {"step", "seed", "latent_dim", "m", "n_samples", "support_radius"}


def _is_setting(key: str) -> bool:
    """Numbers of ``analysis.json`` that echo settings rather than measure the run."""
    return key in _SETTINGS or key.endswith(("n_train", "n_test", "n_pairs"))


def last_metrics(run_dir) -> dict:
    """The last logged value of every scalar in ``metrics.jsonl`` (``time`` left out)."""
    out: dict = {}
    path = Path(run_dir) / "metrics.jsonl"
    if path.is_file():
        for line in path.read_text().splitlines():
            if line.strip():
                out.update(_scalars(json.loads(line)))
    out.pop("time", None)
    return out


def _clear_unlocked(run_dir: Path) -> None:
    """Empty a run directory left without a checkpoint, holding its lock while doing so:
    RunLockedError (nothing removed) when another process is running it, for example a second
    sweep process on the same directory that has not reached its first checkpoint yet."""
    with lock_run(run_dir, create=False):
        for child in run_dir.iterdir():
            if child.name == LOCK_NAME:
                continue
            if child.is_dir() and not child.is_symlink():
                shutil.rmtree(child)
            else:
                child.unlink()


def _write_status(run_dir: Path, status: dict) -> None:
    run_dir.mkdir(parents=True, exist_ok=True)
    atomic_write_json(run_dir / STATUS_NAME, status)


def run_trial(trial, run_dir, after: dict, *, threads: int | None = None, callback=None) -> dict:
    """Train one trial to its last step and compute its after-run metrics.

    The run resumes from its own checkpoint when one exists (an interrupted or failed
    attempt), else starts afresh in an empty directory (leftovers of an attempt that died
    before its first checkpoint are removed). On success ``trial.json`` records
    ``status = "done"``; on an exception it records ``status = "error"`` with the message and
    the traceback, and the exception propagates (``KeyboardInterrupt`` leaves no status).

    Returns
    -------
    dict
        The status written to ``trial.json``.
    """
    from gan.training import TrainConfig, train

    run_dir = Path(run_dir)
    if threads:
        import torch

        torch.set_num_threads(int(threads))
    prior = read_status(run_dir)
    attempt = prior["attempts"] + 1 if prior and prior.get("status") == "error" else 1
    base = {"name": trial.name, "params": trial.params, "config": trial.config, "after": after, "attempts": attempt}
    t0 = time.perf_counter()
    try:
        cfg = TrainConfig.from_dict(trial.config)
        resume = (run_dir / CHECKPOINT_NAME).is_file()
        if not resume and run_dir.exists():
            _clear_unlocked(run_dir)  # an attempt that died before its first checkpoint
        result = train(cfg, run_dir, resume=resume, quiet=True, callback=callback)
        metrics = last_metrics(run_dir) if after.get("metrics", True) else {}
        analyze = after.get("analyze", False)
        if analyze:
            from gan.analysis import analyze_run

            opts = {"figures": False, "device": cfg.device}
            opts.update(analyze if isinstance(analyze, dict) else {})
            res = analyze_run(run_dir, **opts)
            metrics.update({f"analyze/{k}": v for k, v in _scalars(res).items() if not _is_setting(k)})
        status = base | {
            "status": "done",
            "step": int(result.step),
            "metrics": metrics,
            "seconds": time.perf_counter() - t0,
            "resumed": resume,
            "error": None,
        }
    except RunLockedError:  # another process is running this trial: its directory is not ours
        raise
    except Exception as e:  # recorded, then re-raised so the caller (or Tune) can retry
        status = base | {
            "status": "error",
            "metrics": {},
            "seconds": time.perf_counter() - t0,
            "error": f"{type(e).__name__}: {e}",
            "traceback": traceback.format_exc(),
        }
        _write_status(run_dir, status)
        raise
    _write_status(run_dir, status)
    return status
