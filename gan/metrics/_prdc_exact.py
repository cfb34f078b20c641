"""The exact two-tier engine behind :func:`gan.metrics.prdc` (private).

:mod:`gan.metrics._prdc` holds the public conventions (argument order, ``k``, the comparison
rules) and validates the input; this module computes, trusting its input.

How the numbers are made exact without an N x N matrix
------------------------------------------------------
Under the ``"prdc"`` convention the result must be the one the ``prdc`` package (0.2) returns,
whose distances come from scikit-learn: for float32 input, squared distances
``(-2 x.y + |x|^2) + |y|^2`` in float64 (norms by ``einsum``), stored in float32, clamped at 0
and square-rooted in float32; for other input the same in float64. Every comparison is a
comparison of two such rounded values, so near-ties are decided by that rounding.

We therefore work in two tiers. A fast tier computes squared distances of (mean-centered, where
that helps) data in float32 by matrix products, with a rigorous bound ``Delta`` on their error against the exact
squared distance (a gamma_D bound for the dot product plus the casts and additions, and the
float64 error of scikit-learn's own route). A comparison whose outcome is the same for every
value within ``Delta`` (widened by the float32 rounding of the stored distance) is decided
there; the few others (a band of relative width about ``D * 2**-23``) are recomputed by a
second tier that reproduces scikit-learn's float64 -> float32 route pair by pair and compared
exactly. The k-NN radii are found the same way: ``torch.topk`` on the fast tier gives a
candidate set that provably contains the k+1 smallest exact values, which are then recomputed.

Routes
------
On CUDA (and on CPU with ``CPU_KERNEL = False``) everything is torch: row blocks of the
distance matrix, ``torch.topk`` and elementwise comparisons. On CPU the same two tiers run
with Numba kernels (``_prdc_kernels``): the k-NN radii come from the tiles on and above the
diagonal only (the matrix of a set to itself is symmetric; each tile feeds the running
buffers of its rows and of its columns), and the real x fake comparisons of a block take
one sweep instead of a dozen. Both routes give the same numbers (tests run both).

The only comparisons this cannot reproduce bit for bit are those decided by float64 rounding
noise inside scikit-learn's BLAS call: pairs of exact duplicates (true distance 0) whose
computed distance is a few float32 ulps of noise that depends on the pair's position in
scikit-learn's matrix (it is not even symmetric there). They matter only when a point has at
least ``k`` exact duplicates in its own set (radius 0) and the same point also appears in the
other set; the reference itself is arbitrary in that case.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

__all__ = ["compute", "CPU_KERNEL"]

_U32 = 2.0**-24  # unit roundoff of float32
_U64 = 2.0**-53  # unit roundoff of float64
_PAD = 8  # extra top-k columns kept beyond k + 1 so that near-ties fit in one top-k call
_PAIR_BUDGET = 1 << 21  # float64 entries gathered per chunk of the second tier (16 MiB)


# ----------------------------------------------------------------------------------------
# the two tiers


def _sklearn_sq_norms(x: torch.Tensor) -> torch.Tensor:
    """Squared row norms as scikit-learn computes them (float64 ``einsum`` on upcast rows)."""
    xc = x.cpu()
    chunk = max(1, _PAIR_BUDGET // x.shape[1])
    out = np.empty(x.shape[0], dtype=np.float64)
    for s in range(0, x.shape[0], chunk):
        a = np.ascontiguousarray(xc[s : s + chunk].numpy(), dtype=np.float64)
        out[s : s + chunk] = np.einsum("ij,ij->i", a, a)
    return torch.from_numpy(out).to(x.device)


class _Exact:
    """Second tier: scikit-learn's rounded Euclidean distance for chosen pairs (i, j)."""

    def __init__(self, x, xx, y, yy, float32_path, same):
        self.x, self.xx, self.y, self.yy = x, xx, y, yy
        self.float32_path = float32_path
        self.same = same  # x is y: scikit-learn sets the diagonal to 0

    def __call__(self, i: torch.Tensor, j: torch.Tensor) -> torch.Tensor:
        out = []
        step = max(1, _PAIR_BUDGET // self.x.shape[1])
        for s in range(0, i.numel(), step):
            ii, jj = i[s : s + step], j[s : s + step]
            dot = (self.x[ii].double() * self.y[jj].double()).sum(1)
            sq = (-2.0 * dot + self.xx[ii]) + self.yy[jj]
            if self.float32_path:
                # the float32 square root, correctly rounded (torch's vectorised float32 sqrt
                # on CPU is not; a float64 root rounded to float32 is, since 53 >= 2*24 + 2)
                d = torch.sqrt(sq.float().clamp_min(0.0).double()).float()
            else:
                d = torch.sqrt(sq.clamp_min(0.0))
            if self.same:
                d = torch.where(ii == jj, torch.zeros_like(d), d)
            out.append(d)
        if not out:
            dt = torch.float32 if self.float32_path else torch.float64
            return torch.empty(0, dtype=dt, device=self.x.device)
        return torch.cat(out)


@dataclass
class _Set:
    raw: torch.Tensor  # features as given (float32 or float64), on the device
    c: torch.Tensor  # float32 features for the first tier (centered copy, or raw float32)
    a: torch.Tensor  # float64 squared norms of ``c``
    a32: torch.Tensor  # the same in float32
    big: torch.Tensor | None  # float64 squared norms of raw rows (scikit-learn's), emulation only


def _prepare(raw, center, emulate):
    n = raw.shape[0]
    chunk = max(1, _PAIR_BUDGET // raw.shape[1])
    if center is None:  # use float32 features as they are, without a copy
        a = torch.empty(n, dtype=torch.float64, device=raw.device)
        for s in range(0, n, chunk):
            a[s : s + chunk] = raw[s : s + chunk].double().square().sum(1)
        big = _sklearn_sq_norms(raw) if emulate else None
        return _Set(raw, raw, a, a.float(), big)
    c = torch.empty(raw.shape, dtype=torch.float32, device=raw.device)
    a = torch.empty(n, dtype=torch.float64, device=raw.device)
    for s in range(0, n, chunk):
        blk = raw[s : s + chunk].double() - center
        c[s : s + chunk] = blk
        a[s : s + chunk] = c[s : s + chunk].double().square().sum(1)
    big = _sklearn_sq_norms(raw) if emulate else None
    return _Set(raw, c, a, a.float(), big)


def _matmul_unit(device) -> float:
    """Unit roundoff to assume for the inputs of a float32 matrix product on ``device``."""
    reduced = torch.get_float32_matmul_precision() != "highest"
    if device.type == "cuda" and torch.backends.cuda.matmul.allow_tf32:
        reduced = True
    return 2.0**-8 if reduced else _U32  # 2**-8 covers bfloat16 and TF32 inputs


def _rel_bound(dim, device) -> float:
    # |q - s| <= (D*u32*1.01 + 2*u_in + 16*u32) * (|x|^2 + |y|^2): dot product (gamma_D),
    # rounding of the inputs to the matmul precision, casts of the centered features and of
    # the norms, and the two additions; doubled for safety.
    return 2.0 * (1.01 * dim * _U32 + 2.0 * _matmul_unit(device) + 16.0 * _U32)


def _sq_block(xs: _Set, i0, i1, ys: _Set, out):
    """First tier: float32 squared distances between rows i0:i1 of xs and all rows of ys."""
    torch.add(xs.a32[i0:i1, None], ys.a32[None, :], out=out)
    out.addmm_(xs.c[i0:i1], ys.c.T, alpha=-2.0)
    return out


def _block_rows(block_size, n_cols, device):
    if block_size is None:
        budget = (1 << 26) if device.type == "cuda" else (1 << 22)
        return max(1, budget // max(n_cols, 1))
    return block_size


# ----------------------------------------------------------------------------------------
# radii


def _radii(xs: _Set, ks, conv, exact: _Exact | None, bound_rel, b64_rel, block):
    """(k+1)-th smallest distance of each row to its own set, self included at 0, for each k."""
    n = xs.c.shape[0]
    kmax = max(ks)
    kk = min(n, kmax + 1 + (_PAD if exact is not None else 0))
    dev = xs.c.device
    out_dtype = (torch.float32 if exact.float32_path else torch.float64) if exact is not None else torch.float32
    radii = {k: torch.empty(n, dtype=out_dtype, device=dev) for k in ks}
    # Phase 1: the kk smallest first-tier values of every row (the diagonal set to 0, or to
    # -1 when the second tier follows: always among the smallest, its exact value is 0).
    diag = -1.0 if exact is not None else 0.0
    if _use_cpu_kernel(dev):
        vals_all, idx_all = _smallest_symmetric(xs, kk, diag, clamp=exact is None, block=block)
    else:
        vals_all = torch.empty((n, kk), dtype=torch.float32, device=dev)
        idx_all = torch.empty((n, kk), dtype=torch.int64, device=dev)
        buf = torch.empty((min(block, n), n), dtype=torch.float32, device=dev)
        for i0 in range(0, n, block):
            i1 = min(n, i0 + block)
            q = _sq_block(xs, i0, i1, xs, buf[: i1 - i0])
            if exact is None:
                q.clamp_min_(0.0)
            rows = torch.arange(i0, i1, device=dev)
            q[rows - i0, rows] = diag
            vals_all[i0:i1], idx_all[i0:i1] = torch.topk(q, kk, dim=1, largest=False, sorted=True)
    if exact is None:
        for k in ks:
            radii[k][:] = vals_all[:, k]
        return radii
    # Phase 2 (second tier): recompute exactly the candidates that may be among the kmax+1
    # smallest exact values, by blocks of rows.
    amax = float(xs.a.max())
    bigmax = float(xs.big.max())
    for i0 in range(0, n, block):
        i1 = min(n, i0 + block)
        vals, idx = vals_all[i0:i1], idx_all[i0:i1]
        delta = bound_rel * (xs.a[i0:i1] + amax) + b64_rel * (xs.big[i0:i1] + bigmax)
        vals64 = vals.double()
        # Upper bound of the (k_max+1)-th smallest exact squared distance; every entry whose
        # lower bound exceeds it cannot be among the k_max+1 smallest (nor tie below them).
        upper = (vals64[:, kmax].clamp_min(0.0) + delta) * (1.0 + 16.0 * _U32)
        lower = vals64 - delta[:, None]
        cand = lower <= upper[:, None]
        complete = ~cand[:, -1] if kk < n else torch.ones(i1 - i0, dtype=torch.bool, device=dev)
        # Entries surely below the smallest requested radius are counted, not recomputed: with
        # at least n - k entries of true value >= vals[k] - delta, the (k+1)-th smallest is
        # >= that bound, so anything surely under it precedes the radius in every order.
        kmin = min(ks)
        low_k = vals64[:, kmin] - delta
        thr = low_k - 16.0 * _U32 * low_k.abs()
        sure = (vals64 + delta[:, None]) < thr[:, None]
        n_sure = sure.sum(1)
        need = cand & ~sure & complete[:, None]
        r_loc, c_loc = _nonzero2d(need)
        d = torch.full((i1 - i0, kk), math.inf, dtype=out_dtype, device=dev)
        d[r_loc, c_loc] = exact(r_loc + i0, idx[r_loc, c_loc])
        d = torch.sort(d, dim=1).values
        for k in ks:
            pos = (k - n_sure).clamp(0, kk - 1)[:, None]
            radii[k][i0:i1] = torch.gather(d, 1, pos)[:, 0]
        for r in torch.nonzero(~complete).flatten().tolist():
            # many near-ties (e.g. duplicates): recompute this row exactly in full
            j = torch.arange(n, device=dev)
            full = torch.sort(exact(torch.full_like(j, i0 + r), j)).values
            for k in ks:
                radii[k][i0 + r] = full[k]
    return radii


def _smallest_symmetric(xs: _Set, kk, diag, clamp, block):
    """Phase 1 of :func:`_radii` on CPU: the distance matrix of a set to itself is symmetric,
    so only the tiles on and above the diagonal are computed (about half the products); each
    tile feeds the running buffers of its rows and, transposed, of its columns (Numba)."""
    import numba

    from gan.metrics._prdc_kernels import merge_smallest_cols, merge_smallest_rows

    n = xs.c.shape[0]
    tile = max(1, min(n, int(math.isqrt(max(1, block * n)))))  # tile*tile ~ the block's entries
    vals = torch.full((n, kk), math.inf, dtype=torch.float32)
    idx = torch.zeros((n, kk), dtype=torch.int64)
    v_np, i_np = vals.numpy(), idx.numpy()
    buf = torch.empty((tile, tile), dtype=torch.float32)
    n_chunks = 4 * numba.get_num_threads()
    for i0 in range(0, n, tile):
        i1 = min(n, i0 + tile)
        for j0 in range(i0, n, tile):
            j1 = min(n, j0 + tile)
            q = buf.view(-1)[: (i1 - i0) * (j1 - j0)].view(i1 - i0, j1 - j0)  # contiguous
            torch.add(xs.a32[i0:i1, None], xs.a32[None, j0:j1], out=q)
            q.addmm_(xs.c[i0:i1], xs.c[j0:j1].T, alpha=-2.0)
            if clamp:
                q.clamp_min_(0.0)
            if j0 == i0:
                r = torch.arange(i1 - i0)
                q[r, r] = diag
            qn = q.numpy()
            merge_smallest_rows(qn, j0, v_np[i0:i1], i_np[i0:i1])
            if j0 != i0:
                merge_smallest_cols(qn, i0, min(n_chunks, j1 - j0), v_np[j0:j1], i_np[j0:j1])
    return vals, idx


# ----------------------------------------------------------------------------------------
# the pass over real x fake blocks


def compute(real_t, fake_t, ks, conv, dev, block_size, want_realism):
    """Precision, recall, density, coverage (and realism) for every ``k`` of ``ks``: ``{k: dict}``.

    ``real_t``, ``fake_t``: validated 2-D tensors; ``conv``: a :class:`~gan.metrics._prdc.Convention`;
    ``dev``: a resolved device; ``block_size``: ``None`` or rows per block.
    """
    emulate = conv.emulate_sklearn
    float32_path = real_t.dtype == torch.float32 and fake_t.dtype == torch.float32
    if emulate and not float32_path:
        real_t, fake_t = real_t.double(), fake_t.double()
    real_t, fake_t = real_t.to(dev), fake_t.to(dev)
    dim = real_t.shape[1]
    n_r, n_f = real_t.shape[0], fake_t.shape[0]

    # Centre both sets on the real mean: distances are unchanged and the float32 tier's error,
    # proportional to the squared norms, shrinks.
    center = torch.zeros(dim, dtype=torch.float64, device=dev)
    step = max(1, _PAIR_BUDGET // dim)
    for s in range(0, n_r, step):
        center += real_t[s : s + step].double().sum(0)
    center /= n_r
    if emulate and float32_path:
        # When centring would shrink the squared norms (hence the error band) by less than
        # 10%, skip it and spare the two float32 copies; the exact tier does not depend on it.
        msq = sum(float(real_t[s : s + step].double().square().sum()) for s in range(0, n_r, step)) / n_r
        if float(center @ center) < 0.1 * msq:
            center = None
    rs = _prepare(real_t, center, emulate)
    fs = _prepare(fake_t, center, emulate)

    rel = _rel_bound(dim, dev) if emulate else 0.0
    rel64 = 2.0 * (2 * dim + 8) * 1.01 * _U64 if emulate else 0.0
    ex_rr = _Exact(real_t, rs.big, real_t, rs.big, float32_path, True) if emulate else None
    ex_ff = _Exact(fake_t, fs.big, fake_t, fs.big, float32_path, True) if emulate else None
    ex_rf = _Exact(real_t, rs.big, fake_t, fs.big, float32_path, False) if emulate else None

    block_rr = _block_rows(block_size, n_r, dev)
    block_ff = _block_rows(block_size, n_f, dev)
    rad_r = _radii(rs, ks, conv, ex_rr, rel, rel64, block_rr)
    rad_f = _radii(fs, ks, conv, ex_ff, rel, rel64, block_ff)

    # Thresholds on the float32 squared distance q. Emulation: q < lo surely passes, q > hi
    # surely fails, in between is recomputed exactly. Otherwise lo = hi = the squared radius.
    amax, bmax = float(rs.a.max()), float(fs.a.max())
    bigr = float(rs.big.max()) if emulate else 0.0
    bigf = float(fs.big.max()) if emulate else 0.0
    thr = {}
    for k in ks:
        if emulate:
            r2 = rad_r[k].double().square()
            f2 = rad_f[k].double().square()
            d1 = rel * (rs.a + bmax) + rel64 * (rs.big + bigf)
            d2 = rel * (fs.a + amax) + rel64 * (fs.big + bigr)
            lo1 = _down(r2 * (1 - 8 * _U32) - d1)
            hi1 = _up(r2 * (1 + 8 * _U32) + d1)
            lo2 = _down(f2 * (1 - 8 * _U32) - d2)
            hi2 = _up(f2 * (1 + 8 * _U32) + d2)
        else:
            lo1 = hi1 = rad_r[k].float()
            lo2 = hi2 = rad_f[k].float()
        thr[k] = (lo1, hi1, lo2, hi2)

    counts = {k: torch.zeros(n_f, dtype=torch.int64, device=dev) for k in ks}
    covered = {k: torch.zeros(n_r, dtype=torch.bool, device=dev) for k in ks}
    recalled = {k: torch.zeros(n_r, dtype=torch.bool, device=dev) for k in ks}
    real_score = None
    if want_realism:
        real_score = {k: torch.zeros(n_f, dtype=torch.float32, device=dev) for k in ks}
        kept_r = {}
        for k in ks:
            rk = rad_r[k].double()
            if conv.squared:
                rk = rk.clamp_min(0).sqrt()
            keep = rk <= _median(rk)
            kept_r[k] = torch.where(keep, rk, torch.zeros_like(rk)).float()

    cmp = torch.lt if conv.strict else torch.le
    block = _block_rows(block_size, n_f, dev)
    buf = torch.empty((min(block, n_r), n_f), dtype=torch.float32, device=dev)
    kernel = _use_cpu_kernel(dev)
    for i0 in range(0, n_r, block):
        i1 = min(n_r, i0 + block)
        q = _sq_block(rs, i0, i1, fs, buf[: i1 - i0])
        if kernel:
            for k in ks:
                _compare_on_cpu(
                    q,
                    i0,
                    i1,
                    thr[k],
                    conv.strict or emulate,
                    emulate,
                    counts[k],
                    covered[k],
                    recalled[k],
                    ex_rf,
                    rad_r[k],
                    rad_f[k],
                )
                if want_realism:
                    _realism_update(q, i0, i1, kept_r[k], real_score, k)
            continue
        if not emulate:
            q.clamp_min_(0.0)
        for k in ks:
            lo1, hi1, lo2, hi2 = thr[k]
            if emulate:
                b1 = q < lo1[i0:i1, None]
            else:
                b1 = cmp(q, lo1[i0:i1, None])
            counts[k] += b1.sum(0)
            covered[k][i0:i1] |= b1.any(1)
            b2 = q < lo2[None, :] if emulate else cmp(q, lo2[None, :])
            recalled[k][i0:i1] |= b2.any(1)
            if emulate:
                # undecided entries of the real-radius comparison
                r_loc, j = _nonzero2d(torch.logical_xor(q <= hi1[i0:i1, None], b1))
                _settle_real_balls(r_loc + i0, j, ex_rf, rad_r[k], counts[k], covered[k])
                r_loc, j = _nonzero2d(torch.logical_xor(q <= hi2[None, :], b2))
                _settle_fake_balls(r_loc + i0, j, ex_rf, rad_f[k], recalled[k])
            if want_realism:
                _realism_update(q, i0, i1, kept_r[k], real_score, k)

    out = {}
    for k in ks:
        total = int(counts[k].sum())
        res = {
            "precision": int((counts[k] > 0).sum()) / n_f,
            "recall": int(recalled[k].sum()) / n_r,
            # same operation order as the reference: (1/k) * (total / n_fake)
            "density": (1.0 / float(k)) * (total / n_f),
            "coverage": int(covered[k].sum()) / n_r,
        }
        if want_realism:
            res["realism"] = real_score[k].cpu().numpy()
        out[k] = res
    return out


def _realism_update(q, i0, i1, kept_rk, real_score, k):
    dist = q.clamp_min(0.0).sqrt()
    ratio = kept_rk[i0:i1, None] / dist
    ratio = torch.nan_to_num(ratio, nan=0.0, posinf=math.inf)
    real_score[k] = torch.maximum(real_score[k], ratio.amax(0))


#: Use the Numba kernel for the comparison pass on CPU (tests switch it off to compare).
CPU_KERNEL = True


def _use_cpu_kernel(dev) -> bool:
    return CPU_KERNEL and dev.type == "cpu"


def _compare_on_cpu(q, i0, i1, thr, strict, emulate, counts, covered, recalled, ex_rf, rad_r, rad_f):
    """The comparison pass of one block for one ``k`` by the Numba kernel (it writes
    ``covered`` and ``recalled`` in place through numpy views), then the exact second tier on
    the (few) rows it flags as holding undecided entries."""
    import numba

    from gan.metrics._prdc_kernels import compare_block

    lo1, hi1, lo2, hi2 = thr
    rows = i1 - i0
    n_chunks = max(1, min(rows, 4 * numba.get_num_threads()))
    part = np.zeros((n_chunks, q.shape[1]), dtype=np.int64)
    und1 = np.zeros(rows, dtype=np.bool_)
    und2 = np.zeros(rows, dtype=np.bool_)
    compare_block(
        q.numpy(),
        lo1[i0:i1].numpy(),
        hi1[i0:i1].numpy(),
        lo2.numpy(),
        hi2.numpy(),
        bool(strict),
        not emulate,
        n_chunks,
        part,
        covered[i0:i1].numpy(),
        recalled[i0:i1].numpy(),
        und1,
        und2,
    )
    counts += torch.from_numpy(part.sum(0))
    if not emulate:
        return
    r1 = torch.from_numpy(np.flatnonzero(und1))
    if r1.numel():
        sub = q[r1]
        r_loc, j = torch.nonzero((sub <= hi1[i0:i1][r1, None]) & ~(sub < lo1[i0:i1][r1, None]), as_tuple=True)
        _settle_real_balls(r1[r_loc] + i0, j, ex_rf, rad_r, counts, covered)
    r2 = torch.from_numpy(np.flatnonzero(und2))
    if r2.numel():
        sub = q[r2]
        r_loc, j = torch.nonzero((sub <= hi2[None, :]) & ~(sub < lo2[None, :]), as_tuple=True)
        _settle_fake_balls(r2[r_loc] + i0, j, ex_rf, rad_f, recalled)


def _settle_real_balls(i, j, ex_rf, rad_r, counts, covered):
    """Second tier for undecided pairs (real i, fake j) of the real-radius comparison."""
    if i.numel():
        inside = ex_rf(i, j) < rad_r[i]
        counts.index_add_(0, j[inside], torch.ones_like(j[inside]))
        covered[i[inside]] = True


def _settle_fake_balls(i, j, ex_rf, rad_f, recalled):
    """Second tier for undecided pairs (real i, fake j) of the fake-radius comparison."""
    if i.numel():
        recalled[i[ex_rf(i, j) < rad_f[j]]] = True


def _nonzero2d(mask: torch.Tensor):
    """``torch.nonzero(mask, as_tuple=True)`` for a sparse mask: rows first, then only those."""
    rows = torch.nonzero(mask.any(1)).flatten()
    if rows.numel() == 0:
        return rows, rows
    r, c = torch.nonzero(mask[rows], as_tuple=True)
    return rows[r], c


def _median(x: torch.Tensor) -> float:
    """Median as numpy defines it (mean of the two middle values for an even count)."""
    s = torch.sort(x).values
    n = s.numel()
    return float(s[n // 2]) if n % 2 else 0.5 * (float(s[n // 2 - 1]) + float(s[n // 2]))


def _down(x64: torch.Tensor) -> torch.Tensor:
    """float32 value <= x64 (rounded towards -inf)."""
    x32 = x64.float()
    return torch.where(x32.double() > x64, torch.nextafter(x32, torch.full_like(x32, -math.inf)), x32)


def _up(x64: torch.Tensor) -> torch.Tensor:
    """float32 value >= x64 (rounded towards +inf)."""
    x32 = x64.float()
    return torch.where(x32.double() < x64, torch.nextafter(x32, torch.full_like(x32, math.inf)), x32)
