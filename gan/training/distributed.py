"""Data parallelism for ``torchrun --nproc_per_node N -m gan train ...``.

Every process holds a full copy of G, D and the sampler, draws its own real and latent
batches (streams derived from the run's seed and the process rank) and, after each
backward pass, averages the gradients over the processes before the optimiser step, so all
copies stay equal. This is what :class:`torch.nn.parallel.DistributedDataParallel` does;
it is written out here (one flat all-reduce per optimiser step) because the WGAN-GP step
differentiates the critic twice (the gradient penalty), calls it on several batches before
one backward, and trains parameters DDP does not wrap (the latent sampler's, the
mutual-information head that is dropped mid-training); DDP's reducer handles neither
without extra flags that cost as much as this. Only rank 0 writes files.

Backend: NCCL on CUDA, Gloo on CPU. The environment variables are those set by
``torchrun`` (``RANK``, ``WORLD_SIZE``, ``LOCAL_RANK``, ``MASTER_ADDR``, ``MASTER_PORT``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch
import torch.distributed as dist

__all__ = [
    "DistInfo",
    "setup",
    "teardown",
    "average_gradients",
    "broadcast_module",
    "all_gather_object",
    "barrier",
]


@dataclass(frozen=True)
class DistInfo:
    """Where this process stands: ``rank`` of ``world_size`` (``enabled`` under torchrun)."""

    rank: int = 0
    world_size: int = 1
    local_rank: int = 0
    enabled: bool = False

    @property
    def is_main(self) -> bool:
        """True on the process that writes files (rank 0)."""
        return self.rank == 0


def launched_by_torchrun() -> bool:
    """True when the torchrun environment variables are present."""
    return "RANK" in os.environ and "WORLD_SIZE" in os.environ


def setup(device: torch.device) -> tuple[DistInfo, torch.device]:
    """Join the process group when launched by torchrun; pick this rank's device.

    Parameters
    ----------
    device : torch.device
        The resolved device of the run. On CUDA each process takes ``cuda:LOCAL_RANK``.

    Returns
    -------
    (DistInfo, torch.device)
        A disabled :class:`DistInfo` and ``device`` unchanged outside torchrun.
    """
    if not launched_by_torchrun():
        return DistInfo(), device
    rank, world = int(os.environ["RANK"]), int(os.environ["WORLD_SIZE"])
    local = int(os.environ.get("LOCAL_RANK", rank))
    if device.type == "cuda":
        device = torch.device("cuda", local)
        torch.cuda.set_device(device)
        backend = "nccl"
    else:
        backend = "gloo"
    if not dist.is_initialized():
        kwargs = {"device_id": device} if backend == "nccl" else {}
        dist.init_process_group(backend=backend, rank=rank, world_size=world, **kwargs)
    return DistInfo(rank=rank, world_size=world, local_rank=local, enabled=True), device


def teardown(info: DistInfo) -> None:
    """Leave the process group (no-op outside torchrun)."""
    if info.enabled and dist.is_initialized():
        dist.destroy_process_group()


def average_gradients(params, info: DistInfo) -> None:
    """Replace every ``p.grad`` by its mean over the processes (one flat all-reduce).

    Parameters without a gradient on this process contribute zeros, so every process ends
    with the same gradients whatever it computed.
    """
    if not info.enabled or info.world_size == 1:
        return
    params = [p for p in params if p.requires_grad]
    if not params:
        return
    grads = [p.grad if p.grad is not None else torch.zeros_like(p) for p in params]
    flat = torch.cat([g.reshape(-1) for g in grads])
    dist.all_reduce(flat, op=dist.ReduceOp.SUM)
    flat /= info.world_size
    offset = 0
    for p in params:
        n = p.numel()
        p.grad = flat[offset : offset + n].view_as(p).clone()
        offset += n


@torch.no_grad()
def broadcast_module(module: torch.nn.Module, info: DistInfo, *, buffers_only: bool = False) -> None:
    """Copy rank 0's parameters (or only its buffers, e.g. batch-norm statistics) to all ranks."""
    if not info.enabled or info.world_size == 1:
        return
    tensors = list(module.buffers()) if buffers_only else list(module.parameters()) + list(module.buffers())
    for t in tensors:
        dist.broadcast(t, src=0)


def all_gather_object(obj, info: DistInfo) -> list:
    """``[obj of rank 0, obj of rank 1, ...]`` on every rank (``[obj]`` outside torchrun)."""
    if not info.enabled or info.world_size == 1:
        return [obj]
    out = [None] * info.world_size
    dist.all_gather_object(out, obj)
    return out


def barrier(info: DistInfo) -> None:
    """Wait for every process (no-op outside torchrun)."""
    if info.enabled and info.world_size > 1:
        dist.barrier()
