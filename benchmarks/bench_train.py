"""Generator steps per second of the ``mnist`` / ``mnist-mlp`` presets: the trainer vs a plain loop.

The plain loop is the textbook eager float32 WGAN-GP step with the same networks (Table 4
for ``--preset mnist``, the MLPs of the fast CPU preset for ``--preset mnist-mlp``),
the same batch size, critic steps and optimisers, but ``torch.randn`` latents, real batches
indexed on the device and no logging, checkpoints or private random streams. The trainer is
timed through :func:`gan.training.train` (its ``callback`` marks each generator step), with
logging, evaluation, images and checkpoints switched off except one final checkpoint.

Variants (``--variants``, comma separated):

``plain``               eager float32 plain loop
``plain-tf32``          + TF32 matmuls/convolutions (CUDA)
``plain-cl``            + channels-last memory format
``plain-compile``       + ``torch.compile`` of G (D needs double backward: stays eager)
``plain-cudagraphs``    + ``torch.compile(G, mode="reduce-overhead")`` (CUDA graphs for G)
``trainer``             the project's trainer, default settings
``trainer-tf32``        + ``tf32=True``
``trainer-cl``          + ``channels_last=True``
``trainer-compile``     + ``compile=True``
``trainer-all``         + all three

Examples::

    python benchmarks/bench_train.py                       # CPU, width 0.25, batch 64
    python benchmarks/bench_train.py --preset mnist-mlp --threads 2   # the fast CPU preset, batch 64

The header prints the load average: on a shared machine the rate falls with the load.
    python benchmarks/bench_train.py --device cuda --width 1 --batch 256 \\
        --variants plain,plain-tf32,plain-cl,plain-compile,plain-cudagraphs,trainer,trainer-tf32,trainer-cl,trainer-compile,trainer-all
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import torch

from gan.training import build_data, build_networks, preset_config, train


def _sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def plain_loop(cfg, device, steps, warmup, *, tf32=False, channels_last=False, compile_mode=None):
    """Steps/second of a plain eager WGAN-GP loop with the preset's networks."""
    torch.backends.cuda.matmul.allow_tf32 = tf32
    torch.backends.cudnn.allow_tf32 = tf32
    images, _ = build_data(cfg)
    G, D = build_networks(cfg, cfg.latent_dim, tuple(images.shape[1:]))
    fmt = torch.channels_last if channels_last else torch.contiguous_format
    G.to(device, memory_format=fmt)
    D.to(device, memory_format=fmt)
    images = images.to(device).contiguous(memory_format=fmt)
    Gf = torch.compile(G, mode=compile_mode) if compile_mode is not None else G
    opt_g = torch.optim.Adam(G.parameters(), lr=cfg.lr_g, betas=tuple(cfg.betas))
    opt_d = torch.optim.Adam(D.parameters(), lr=cfg.lr_d, betas=tuple(cfg.betas))
    B = cfg.batch_size

    def step():
        for _ in range(cfg.n_critic):
            real = images[torch.randint(0, images.shape[0], (B,), device=device)]
            with torch.no_grad():
                fake = Gf(torch.randn(B, cfg.latent_dim, device=device))
            t = torch.rand(B, 1, 1, 1, device=device)
            x_hat = (t * real + (1 - t) * fake).requires_grad_(True)
            d_hat = D(x_hat)
            (g,) = torch.autograd.grad(d_hat.sum(), x_hat, create_graph=True)
            gp = ((g.flatten(1).norm(dim=1) - 1) ** 2).mean()
            loss_d = D(fake).mean() - D(real).mean() + cfg.gp_weight * gp
            opt_d.zero_grad(set_to_none=True)
            loss_d.backward()
            opt_d.step()
        for p in D.parameters():
            p.requires_grad_(False)
        loss_g = -D(Gf(torch.randn(B, cfg.latent_dim, device=device))).mean()
        opt_g.zero_grad(set_to_none=True)
        loss_g.backward()
        opt_g.step()
        for p in D.parameters():
            p.requires_grad_(True)

    for _ in range(warmup):
        step()
    _sync(device)
    t0 = time.perf_counter()
    for _ in range(steps):
        step()
    _sync(device)
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    return steps / (time.perf_counter() - t0)


def trainer_loop(cfg, device, steps, warmup, **switches):
    """Steps/second of :func:`gan.training.train`, timed between generator steps."""
    cfg = cfg.replace(steps=warmup + steps, device=str(device), log_every=0, eval_every=0, image_every=0,
                      ckpt_every=0, **switches)  # fmt: skip
    marks = {}

    def mark(step, record):
        if step in (warmup, warmup + steps):
            _sync(device)
            marks[step] = time.perf_counter()

    with tempfile.TemporaryDirectory() as d:
        # the final step also writes the checkpoint after the mark; only steps are timed
        train(cfg, Path(d) / "run", quiet=True, callback=mark)
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    return steps / (marks[warmup + steps] - marks[warmup])


VARIANTS = {
    "plain": lambda c, d, s, w: plain_loop(c, d, s, w),
    "plain-tf32": lambda c, d, s, w: plain_loop(c, d, s, w, tf32=True),
    "plain-cl": lambda c, d, s, w: plain_loop(c, d, s, w, channels_last=True),
    "plain-compile": lambda c, d, s, w: plain_loop(c, d, s, w, compile_mode="default"),
    "plain-cudagraphs": lambda c, d, s, w: plain_loop(c, d, s, w, compile_mode="reduce-overhead"),
    "trainer": lambda c, d, s, w: trainer_loop(c, d, s, w),
    "trainer-tf32": lambda c, d, s, w: trainer_loop(c, d, s, w, tf32=True),
    "trainer-cl": lambda c, d, s, w: trainer_loop(c, d, s, w, channels_last=True),
    "trainer-compile": lambda c, d, s, w: trainer_loop(c, d, s, w, compile=True),
    "trainer-all": lambda c, d, s, w: trainer_loop(c, d, s, w, tf32=True, channels_last=True, compile=True),
}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--preset", default="mnist", choices=("mnist", "mnist-mlp"))
    p.add_argument("--device", default="cpu")
    p.add_argument("--width", type=float, default=None, help="channel multiplier (default 0.25 on CPU, 1 on CUDA)")
    p.add_argument("--batch", type=int, default=None, help="batch size (default 64 on CPU, 256 on CUDA)")
    p.add_argument("--steps", type=int, default=None, help="timed generator steps (default 5 CPU, 100 CUDA)")
    p.add_argument("--warmup", type=int, default=None, help="untimed steps first (default 2 CPU, 20 CUDA)")
    p.add_argument("--variants", default="plain,trainer")
    p.add_argument("--threads", type=int, default=None, help="torch.set_num_threads (CPU)")
    a = p.parse_args(argv)
    device = torch.device(a.device)
    cuda = device.type == "cuda"
    width = a.width if a.width is not None else (1.0 if cuda else 0.25)
    batch = a.batch if a.batch is not None else (256 if cuda else 64)
    mlp = a.preset == "mnist-mlp"
    steps = a.steps if a.steps is not None else (100 if cuda or mlp else 5)
    warmup = a.warmup if a.warmup is not None else (20 if cuda or mlp else 2)
    if a.threads:
        torch.set_num_threads(a.threads)
    cfg = preset_config(a.preset, batch_size=batch, device=str(device), **({} if mlp else {"width": width}))
    names = [v.strip() for v in a.variants.split(",") if v.strip()]
    unknown = sorted(set(names) - set(VARIANTS))
    if unknown:
        p.error(f"unknown variants {unknown}; choose from {list(VARIANTS)}")
    name = torch.cuda.get_device_name(device) if cuda else f"CPU, {torch.get_num_threads()} threads"
    nets = f"MLP {cfg.depth}x{cfg.hidden}" if mlp else f"Table 4, width {width}"
    load = "load average {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())
    print(f"{a.preset} preset ({nets}), batch {batch}, n_critic {cfg.n_critic}; {name}; "
          f"torch {torch.__version__}; {steps} timed steps after {warmup} warm-up; {load}")  # fmt: skip
    print(f"{'variant':<18} {'steps/s':>9} {'ms/step':>9} {'vs plain':>9}")
    base = None
    for v in names:
        try:
            rate = VARIANTS[v](cfg, device, steps, warmup)
        except Exception as exc:  # report and go on: one failing option should not hide the rest
            print(f"{v:<18} {'failed':>9}   {type(exc).__name__}: {str(exc).splitlines()[0][:80]}")
            continue
        if v == "plain":
            base = rate
        rel = f"{rate / base:.2f}x" if base else "-"
        print(f"{v:<18} {rate:9.3f} {1000 / rate:9.1f} {rel:>9}", flush=True)


if __name__ == "__main__":
    main()
