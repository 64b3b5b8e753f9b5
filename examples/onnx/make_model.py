#!/usr/bin/python3
"""Trains the seed's Keras-style CNN in PyTorch on Fashion-MNIST (2 epochs, Adam) and exports it to ONNX the
way a PyTorch user would (opset 13, dynamic batch, input 'input', output 'output', NCHW 1x28x28, pixels scaled
to [-1, 1]). Writes fashion_cnn.onnx beside this file. Usage: /usr/bin/python3 make_model.py [DATA_DIR]"""
import gzip, os, sys
import numpy as np, torch, torch.nn as nn

here = os.path.dirname(os.path.abspath(__file__))
data = sys.argv[1] if len(sys.argv) > 1 else '/usr/share/datasets/fashion-mnist'
def idx(name, offset):
    with gzip.open(os.path.join(data, name)) as f: return np.frombuffer(f.read(), np.uint8, offset=offset)
x = torch.tensor(idx('train-images-idx3-ubyte.gz', 16).reshape(-1, 1, 28, 28) / 127.5 - 1, dtype=torch.float32)
y = torch.tensor(idx('train-labels-idx1-ubyte.gz', 8).astype(np.int64))
torch.manual_seed(1)
model = nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
                      nn.Conv2d(64, 64, 3), nn.ReLU(), nn.Flatten(), nn.Linear(576, 64), nn.ReLU(), nn.Linear(64, 10))
opt = torch.optim.Adam(model.parameters(), 1e-3)
for epoch in range(2):
    perm = torch.randperm(len(x))
    for i in range(0, len(x), 64):
        j = perm[i:i + 64]
        opt.zero_grad(); loss = nn.functional.cross_entropy(model(x[j]), y[j]); loss.backward(); opt.step()
    print('epoch', epoch + 1, 'last loss', float(loss))
model.eval()
torch.onnx.export(model, torch.zeros(1, 1, 28, 28), os.path.join(here, 'fashion_cnn.onnx'), opset_version=13,
                  input_names=['input'], output_names=['output'], dynamic_axes={'input': {0: 'batch'}, 'output': {0: 'batch'}})
print('wrote', os.path.join(here, 'fashion_cnn.onnx'))
