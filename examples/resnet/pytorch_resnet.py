# The same residual network, data, augmentation and settings as examples/resnet/train.mjs, in PyTorch:
# the reference column of examples/resnet/README.md. Debian's python3-torch (1.13), CPU.
#
#   python3 examples/resnet/pytorch_resnet.py [--epochs 15] [--report 5,15] [--width 8] [--batch-size 64]
#                                             [--seed 1] [--limit N] [--threads 1]
#
# Network (channels-last in simdnet, NCHW here): augmentation (horizontal flip p=1/2, translation by up to
# 10% of each side rounded to whole pixels, edge pixels repeated), stem conv 3x3 -> BN -> ReLU, a residual
# block (conv-BN-ReLU-conv-BN + identity, ReLU), conv 3x3 stride 2 -> BN -> ReLU, a second residual block,
# a depthwise-separable block (depthwise 3x3 stride 2 + pointwise 1x1, BN, ReLU), global average pooling,
# linear. BatchNorm momentum 0.01 and eps 1e-3 are Keras's 0.99 / 1e-3. Adam lr 1e-3, pixels in [-1, 1].
import argparse
import gzip
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

DATA = "/usr/share/datasets/fashion-mnist"


def idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def bn(c):
    return nn.BatchNorm2d(c, eps=1e-3, momentum=0.01)


class Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv1, self.bn1 = nn.Conv2d(c, c, 3, padding=1, bias=False), bn(c)
        self.conv2, self.bn2 = nn.Conv2d(c, c, 3, padding=1, bias=False), bn(c)

    def forward(self, x):
        y = self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x)))))
        return F.relu(y + x)


class ResNet(nn.Module):
    def __init__(self, w):
        super().__init__()
        self.stem, self.bn0 = nn.Conv2d(1, w, 3, padding=1, bias=False), bn(w)
        self.block1 = Block(w)
        # TensorFlow's 'same' for stride 2 on an even size pads bottom/right only: pad (0, 1, 0, 1) by hand.
        self.down, self.bn1 = nn.Conv2d(w, 2 * w, 3, stride=2, bias=False), bn(2 * w)
        self.block2 = Block(2 * w)
        self.dw = nn.Conv2d(2 * w, 2 * w, 3, stride=2, groups=2 * w, bias=False)
        self.pw, self.bn2 = nn.Conv2d(2 * w, 4 * w, 1, bias=False), bn(4 * w)
        self.fc = nn.Linear(4 * w, 10)

    def forward(self, x):
        x = F.relu(self.bn0(self.stem(x)))
        x = self.block1(x)
        x = F.relu(self.bn1(self.down(F.pad(x, (0, 1, 0, 1)))))
        x = self.block2(x)
        x = F.relu(self.bn2(self.pw(self.dw(F.pad(x, (0, 1, 0, 1))))))
        return self.fc(x.mean(dim=(2, 3)))


def augment(x, gen):
    n, _, h, w = x.shape
    flip = torch.rand(n, generator=gen) < 0.5
    x = torch.where(flip[:, None, None, None], x.flip(3), x)
    dy = torch.round((torch.rand(n, generator=gen) * 0.2 - 0.1) * h).long()
    dx = torch.round((torch.rand(n, generator=gen) * 0.2 - 0.1) * w).long()
    p = 3
    padded = F.pad(x, (p, p, p, p), mode="replicate")
    out = torch.empty_like(x)
    for i in range(n):
        top, left = p - int(dy[i]), p - int(dx[i])
        out[i] = padded[i, :, top : top + h, left : left + w]
    return out


def evaluate(model, x, y):
    model.eval()
    correct, loss = 0, 0.0
    with torch.no_grad():
        for s in range(0, len(x), 500):
            z = model(x[s : s + 500])
            loss += F.cross_entropy(z, y[s : s + 500], reduction="sum").item()
            correct += (z.argmax(1) == y[s : s + 500]).sum().item()
    model.train()
    return loss / len(x), correct / len(x)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=15)
    ap.add_argument("--report", default="5,15")
    ap.add_argument("--width", type=int, default=8)
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    gen = torch.Generator().manual_seed(a.seed)
    norm = lambda u8: torch.from_numpy(u8.astype(np.float32) / 127.5 - 1).unsqueeze(1)
    xtr, ytr = norm(idx(f"{DATA}/train-images-idx3-ubyte.gz")), torch.from_numpy(idx(f"{DATA}/train-labels-idx1-ubyte.gz").astype(np.int64))
    xte, yte = norm(idx(f"{DATA}/t10k-images-idx3-ubyte.gz")), torch.from_numpy(idx(f"{DATA}/t10k-labels-idx1-ubyte.gz").astype(np.int64))
    if a.limit:
        xtr, ytr = xtr[: a.limit], ytr[: a.limit]
    model = ResNet(a.width)
    print(f"params {sum(p.numel() for p in model.parameters())}", flush=True)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
    report = {int(e) for e in a.report.split(",")}
    trained = 0.0
    for epoch in range(1, a.epochs + 1):
        t0 = time.time()
        order = torch.randperm(len(xtr), generator=gen)
        total = 0.0
        for s in range(0, len(xtr), a.batch_size):
            idx_ = order[s : s + a.batch_size]
            xb = augment(xtr[idx_], gen)
            loss = F.cross_entropy(model(xb), ytr[idx_])
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * len(idx_)
        dt = time.time() - t0
        trained += dt
        line = f"epoch {epoch}: loss {total / len(xtr):.4f}, {dt:.0f} s ({len(xtr) / dt:.0f} images/s)"
        if epoch in report:
            tl, ta = evaluate(model, xte, yte)
            line += f"; test accuracy {100 * ta:.2f}% (loss {tl:.4f}) after {epoch} epochs, {trained:.0f} s of training"
        print(line, flush=True)


if __name__ == "__main__":
    main()
