// A small residual network for 28x28x1 images, built with the functional API: augmentation (active only
// in training), a conv-BN-ReLU stem, two residual blocks (the second after a stride-2 conv), a
// depthwise-separable block, global average pooling and a dense classifier. examples/resnet/
// pytorch_resnet.py is the same network in PyTorch.
import * as sn from 'simdnet';

const L = sn.layers;

/** conv (no bias: the batch norm's offset replaces it) → batch norm → optional ReLU. */
function convBn(x, filters, { strides = 1, relu = true } = {}) {
  x = L.conv2d({ filters, kernelSize: 3, strides, padding: 'same', useBias: false }).apply(x);
  x = L.batchNormalization().apply(x);
  return relu ? L.activation({ activation: 'relu' }).apply(x) : x;
}

/** relu(x + BN(conv(relu(BN(conv(x)))))): the identity shortcut of a residual block. */
function residualBlock(x, filters) {
  const y = convBn(convBn(x, filters), filters, { relu: false });
  return L.activation({ activation: 'relu' }).apply(L.add().apply([y, x]));
}

export function resnet({ width = 8, augment = true, seed } = {}) {
  const input = sn.input({ shape: [28, 28, 1], name: 'image' });
  let x = input;
  if (augment) {
    x = L.randomFlip({ mode: 'horizontal' }).apply(x);
    // Up to 10% of each side, whole pixels; the edge pixels (background) fill what moves in.
    x = L.randomTranslation({ heightFactor: 0.1, widthFactor: 0.1, fillMode: 'nearest' }).apply(x);
  }
  x = convBn(x, width); // stem, 28x28
  x = residualBlock(x, width);
  x = convBn(x, 2 * width, { strides: 2 }); // 14x14
  x = residualBlock(x, 2 * width);
  // Depthwise-separable block: a 3x3 depthwise conv (stride 2, 7x7) and a 1x1 pointwise conv.
  x = L.separableConv2d({ filters: 4 * width, kernelSize: 3, strides: 2, padding: 'same', useBias: false }).apply(x);
  x = L.activation({ activation: 'relu' }).apply(L.batchNormalization().apply(x));
  x = L.globalAveragePooling2d().apply(x);
  const logits = L.dense({ units: 10 }).apply(x);
  return sn.model({ inputs: input, outputs: logits, name: 'resnet', seed });
}

export function compileResnet(model, { learningRate = 0.001 } = {}) {
  model.compile({
    optimizer: sn.train.adam({ learningRate }),
    loss: sn.losses.sparseCategoricalCrossentropy({ fromLogits: true }),
    metrics: ['accuracy'],
  });
  return model;
}
