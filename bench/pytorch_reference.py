"""PyTorch eager figures at the benchmark shape, to set VaeToolkit's CUDA numbers against on the
same GPU (configs/bench-ml20m-shape.yaml: 116,677 training users, 20,108 items, about 86 items per
user with power-law popularity, Mult-VAE [600, 200], batch 10000, Adam 1e-3, dropout 0.5).

Variants (users/s = training users / mean epoch seconds after one warm-up epoch):
  dense        the reference implementations' formulation (original TensorFlow code, NVIDIA VAE-CF,
               RecBole): dense binary rows in, L2-normalised, log_softmax times the dense rows.
  sparse-lse   VaeToolkit's formulation: embedding-bag input over the history, the dense layers in
               the compute type over fp32 weights, fp32 logits; count x logsumexp minus the positives.
  sparse-lsm   the same, with the likelihood as log_softmax gathered at the positives.
  sparse-lsm-pad  the same, with the half-precision output layer padded to a multiple of 8 items.
  coo-lsm-pad, csr-lsm-pad  the same, with the first layer as a sparse COO / CSR matrix product
               instead of the embedding bag.

--profile VARIANT:PRECISION prints the CUDA kernels of a few steps by time; --gemm times the output
layer's three matrix products at 20,108 and 20,112 (a multiple of 8) items.

  python3 bench/pytorch_reference.py [--epochs 4] [--variants dense,sparse-lse,sparse-lsm] [--precisions tf32,bf16]
"""
import argparse
import time

import torch
import torch.nn.functional as F

USERS, ITEMS, MEAN_ITEMS, BATCH, HIDDEN, LATENT = 116_677, 20_108, 86, 10_000, 600, 200


def synthetic_csr(device):
    """Rows of ~MEAN_ITEMS distinct items drawn from a power-law popularity, as CSR on the device."""
    g = torch.Generator(device=device).manual_seed(7)
    # Repeats of popular items are dropped below, so about a fifth more are drawn.
    counts = (torch.empty(USERS, device=device).exponential_(1 / (1.22 * MEAN_ITEMS - 5), generator=g) + 5).long()
    popularity = torch.arange(1, ITEMS + 1, device=device, dtype=torch.float64).pow(-0.9)
    items = torch.multinomial(popularity.float(), int(counts.sum()), replacement=True, generator=g)
    users = torch.repeat_interleave(torch.arange(USERS, device=device), counts)
    keys = torch.unique(users * ITEMS + items)  # sorted, duplicates dropped
    row_items = keys % ITEMS
    indptr = torch.zeros(USERS + 1, dtype=torch.long, device=device)
    indptr[1:] = torch.bincount(keys // ITEMS, minlength=USERS).cumsum(0)
    return indptr, row_items


class MultVae(torch.nn.Module):
    def __init__(self, sparse):
        super().__init__()
        self.sparse = sparse
        self.enc1 = torch.nn.EmbeddingBag(ITEMS, HIDDEN, mode="sum") if sparse else torch.nn.Linear(ITEMS, HIDDEN)
        self.enc1_bias = torch.nn.Parameter(torch.zeros(HIDDEN)) if sparse else None
        self.enc2 = torch.nn.Linear(HIDDEN, 2 * LATENT)
        self.dec1 = torch.nn.Linear(LATENT, HIDDEN)
        self.dec2 = torch.nn.Linear(HIDDEN, ITEMS)


def dense_loss(model, batch, dtype):
    indptr, row_items, start, end = batch
    rows = end - start
    x = torch.zeros(rows, ITEMS, device=row_items.device)
    lengths = indptr[start + 1:end + 1] - indptr[start:end]
    x[torch.repeat_interleave(torch.arange(rows, device=x.device), lengths), row_items[indptr[start]:indptr[end]]] = 1
    with torch.autocast("cuda", dtype=torch.bfloat16, enabled=dtype == torch.bfloat16):
        h = F.dropout(F.normalize(x), 0.5)
        stats = model.enc2(torch.tanh(model.enc1(h))).float()
        mu, logvar = stats[:, :LATENT], stats[:, LATENT:]
        z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)
        logits = model.dec2(torch.tanh(model.dec1(z))).float()
    nll = -(F.log_softmax(logits, 1) * x).sum(1).mean()
    kl = (0.5 * (-logvar + logvar.exp() + mu.square() - 1)).sum(1).mean()
    return nll + 0.2 * kl


def sparse_loss(model, batch, dtype, log_softmax, pad=False, layout="bag"):
    indptr, row_items, start, end = batch
    rows = end - start
    offsets = indptr[start:end] - indptr[start]
    items = row_items[indptr[start]:indptr[end]]
    lengths = indptr[start + 1:end + 1] - indptr[start:end]
    row_of_entry = torch.repeat_interleave(torch.arange(rows, device=items.device), lengths)
    weights = lengths.float().rsqrt()[row_of_entry]
    weights = weights * torch.bernoulli(torch.full_like(weights, 0.5)) / 0.5
    linear = lambda layer, h: F.linear(h.to(dtype), layer.weight.to(dtype), layer.bias.to(dtype))
    if layout == "bag":
        h = model.enc1(items, offsets, per_sample_weights=weights) + model.enc1_bias
    else:  # the same product as a sparse [users x items] matrix times the item weights
        x = torch.sparse_coo_tensor(torch.stack([row_of_entry, items]), weights, (rows, ITEMS))
        x = x.to_sparse_csr() if layout == "csr" else x
        h = torch.sparse.mm(x, model.enc1.weight) + model.enc1_bias
    stats = linear(model.enc2, torch.tanh(h)).float()
    mu, logvar = stats[:, :LATENT], stats[:, LATENT:]
    z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)
    h = torch.tanh(linear(model.dec1, z))
    if pad and dtype != torch.float32:
        # Half-precision matrix units want rows of a multiple of 8 elements: pad the items, slice them off.
        weight = F.pad(model.dec2.weight.to(dtype), (0, 0, 0, (-ITEMS) % 8))
        bias = F.pad(model.dec2.bias.to(dtype), (0, (-ITEMS) % 8))
        logits = F.linear(h.to(dtype), weight, bias)[:, :ITEMS].float()
    else:
        logits = linear(model.dec2, h).float()
    positions = row_of_entry * ITEMS + items
    if log_softmax:
        nll = -F.log_softmax(logits, 1).take(positions).sum() / rows
    else:
        nll = ((logits.logsumexp(1) * lengths).sum() - logits.take(positions).sum()) / rows
    kl = (0.5 * (-logvar + logvar.exp() + mu.square() - 1)).sum(1).mean()
    return nll + 0.2 * kl


def trainer(variant, precision, data):
    """A model, its optimizer and a step function for one variant; the step trains on users [start, end)."""
    torch.backends.cuda.matmul.allow_tf32 = precision == "tf32"
    dtype = torch.bfloat16 if precision == "bf16" else torch.float32
    torch.manual_seed(0)
    model = MultVae(sparse=variant != "dense").cuda()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)

    def step(start, end):
        batch = (*data, start, end)
        if variant == "dense":
            loss = dense_loss(model, batch, dtype)
        else:
            loss = sparse_loss(model, batch, dtype, log_softmax="-lsm" in variant, pad=variant.endswith("-pad"),
                               layout=variant.split("-")[0].replace("sparse", "bag"))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
    return step


def run(variant, precision, epochs, data):
    step = trainer(variant, precision, data)
    seconds = []
    for epoch in range(epochs):
        torch.cuda.synchronize()
        began = time.perf_counter()
        for start in range(0, USERS, BATCH):
            step(start, min(start + BATCH, USERS))
        torch.cuda.synchronize()
        seconds.append(time.perf_counter() - began)
    measured = seconds[1:] or seconds
    mean = sum(measured) / len(measured)
    print(f"{variant:11} {precision:5} {USERS / mean:12,.0f} users/s   epochs s: {' '.join(f'{s:.3f}' for s in seconds)}", flush=True)


def profile(variant, precision, data):
    from torch.profiler import ProfilerActivity, profile as torch_profile
    step = trainer(variant, precision, data)
    for start in range(0, 3 * BATCH, BATCH):
        step(start, start + BATCH)
    torch.cuda.synchronize()
    with torch_profile(activities=[ProfilerActivity.CUDA]) as prof:
        for start in range(0, 5 * BATCH, BATCH):
            step(start, start + BATCH)
        torch.cuda.synchronize()
    print(f"--- {variant} {precision}: 5 steps", flush=True)
    print(prof.key_averages().table(sort_by="self_cuda_time_total", row_limit=25, max_name_column_width=70), flush=True)


def gemm():
    for precision in ("tf32", "bf16"):
        torch.backends.cuda.matmul.allow_tf32 = precision == "tf32"
        dtype = torch.bfloat16 if precision == "bf16" else torch.float32
        for items in (ITEMS, ITEMS + (-ITEMS) % 8):
            x = torch.randn(BATCH, HIDDEN, device="cuda", dtype=dtype)
            w = torch.randn(items, HIDDEN, device="cuda", dtype=dtype)
            g = torch.randn(BATCH, items, device="cuda", dtype=dtype)
            products = {"forward x.Wt": lambda: x @ w.t(), "grad x = g.W": lambda: g @ w, "grad W = gt.x": lambda: g.t() @ x}
            for name, product in products.items():
                for _ in range(3):
                    product()
                start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
                start.record()
                for _ in range(20):
                    product()
                end.record()
                torch.cuda.synchronize()
                ms = start.elapsed_time(end) / 20
                print(f"gemm {precision} items {items}: {name:14} {ms:.3f} ms  {2 * BATCH * HIDDEN * items / ms / 1e9:.0f} TFLOP/s", flush=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--variants", default="dense,sparse-lse,sparse-lsm,sparse-lsm-pad")
    parser.add_argument("--precisions", default="tf32,bf16")
    parser.add_argument("--profile", action="append", default=[])
    parser.add_argument("--gemm", action="store_true")
    args = parser.parse_args()
    if args.gemm:
        gemm()
    data = synthetic_csr("cuda")
    print(f"{torch.cuda.get_device_name()}, torch {torch.__version__}: {USERS} users, {ITEMS} items, "
          f"{data[1].numel() / USERS:.1f} items per user, batch {BATCH}", flush=True)
    for target in args.profile:
        profile(*target.split(":"), data)
    for precision in args.precisions.split(","):
        for variant in args.variants.split(","):
            try:
                run(variant, precision, args.epochs, data)
            except Exception as error:  # one variant failing should not hide the others' figures
                print(f"{variant:11} {precision:5} failed: {error}", flush=True)


if __name__ == "__main__":
    main()
