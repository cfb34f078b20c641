"""TensorBoard event files of a run (``run_dir/tb``), written only when ``tensorboard`` is installed.

The writer only reads what the loop already computed (the metrics line, the progress
samples), so it cannot change the training numbers; it draws nothing at random.
"""

from __future__ import annotations

import numpy as np

from gan._rundir import TENSORBOARD_DIR

__all__ = ["open_writer", "log_record", "log_samples"]


def open_writer(run_dir, resume_step: int | None):
    """A :class:`torch.utils.tensorboard.SummaryWriter` on ``run_dir/tb``, or ``None`` without tensorboard.

    On resume, events after ``resume_step`` (written by a run killed after its last
    checkpoint) are purged, as the metrics lines are.
    """
    purge_step = None if resume_step is None else resume_step + 1  # drops steps >= purge_step
    try:
        from torch.utils.tensorboard import SummaryWriter
    except ImportError:  # tensorboard is optional
        return None
    return SummaryWriter(str(run_dir / TENSORBOARD_DIR), purge_step=purge_step)


def log_record(writer, record: dict) -> None:
    """One scalar per number of a metrics line (``step`` is the x axis; lists are skipped)."""
    if writer is None:
        return
    step = record["step"]
    for key, value in record.items():
        if key != "step" and isinstance(value, (int, float)) and not isinstance(value, bool):
            writer.add_scalar(key, value, step)


def log_samples(writer, fake: np.ndarray, step: int) -> None:
    """An image grid of generated samples ``(n, C, H, W)`` in ``[-1, 1]`` (nothing for vectors)."""
    if writer is None or fake.ndim != 4:
        return
    from gan.analysis.figures import image_grid

    writer.add_image("samples", image_grid(fake), step, dataformats="HWC")
