/**
 * Converters for the weights-only models of `@vladmandic/face-api` (face-api.js by Vincent Mühler, maintained
 * fork by Vladimir Mandic). Those packages ship no graph, only named weights; the network definitions below
 * mirror the package's own TypeScript sources (src/ssdMobilenetv1, src/faceFeatureExtractor +
 * src/faceLandmarkNet, src/faceRecognitionNet) layer for layer, and the equivalence tests compare the result
 * against that code running on @tensorflow/tfjs.
 *
 * Every model takes NHWC float32 RGB in [0, 255]; the normalisation each network was trained with is inside
 * the graph so callers cannot get it wrong.
 */
import { GraphBuilder, type WeightTensor } from './onnxGraph';
import { getWeight, type WeightMap } from './tfjsWeights';

const BN_EPSILON = 0.0010000000474974513; // face-api's mobileNetV1 batch-norm epsilon (a float32 1e-3)

/** SSD MobileNet V1 face detector, 512×512 input; outputs decoded boxes [N,5118,4] (ymin,xmin,ymax,xmax in 0..1) and scores [N,5118]. */
export function buildSsdMobilenetV1(w: WeightMap): GraphBuilder {
  const g = new GraphBuilder('ssd_mobilenetv1_face');
  const SIZE = 512;
  const input = g.input('image', ['N', SIZE, SIZE, 3]);
  let x = g.op('Div', [input, g.scalar('c127_5', 127.5)], 'pre/div');
  x = g.op('Sub', [x, g.scalar('c1', 1)], 'pre/sub');
  x = g.toNchw(x);

  const pointwise = (inp: string, prefix: string, strides: number): string => {
    const f = getWeight(w, `${prefix}/weights`);
    const b = getWeight(w, `${prefix}/convolution_bn_offset`).data;
    return g.clip(g.conv(inp, prefix, f, b, { strides, padding: 'same' }), prefix, 0, 6);
  };
  const depthwise = (inp: string, idx: number, strides: number): string => {
    const p = `MobilenetV1/Conv2d_${idx}_depthwise`;
    const f = getWeight(w, `${p}/depthwise_weights`);
    const gamma = getWeight(w, `${p}/BatchNorm/gamma`).data;
    const beta = getWeight(w, `${p}/BatchNorm/beta`).data;
    const mean = getWeight(w, `${p}/BatchNorm/moving_mean`).data;
    const variance = getWeight(w, `${p}/BatchNorm/moving_variance`).data;
    // Fold inference batch-norm into the depthwise conv: y = (x−μ)·γ/√(σ²+ε) + β.
    const c = gamma.length;
    const scale = new Float32Array(c);
    const bias = new Float32Array(c);
    for (let i = 0; i < c; i++) {
      scale[i] = gamma[i]! / Math.sqrt(variance[i]! + BN_EPSILON);
      bias[i] = beta[i]! - mean[i]! * scale[i]!;
    }
    return g.clip(g.depthwise(inp, p, f, bias, { strides, padding: 'same', outScale: scale }), p, 0, 6);
  };

  x = pointwise(x, 'MobilenetV1/Conv2d_0_pointwise', 2);
  let conv11 = '';
  for (let i = 1; i <= 13; i++) {
    x = depthwise(x, i, [2, 4, 6, 12].includes(i) ? 2 : 1);
    x = pointwise(x, `MobilenetV1/Conv2d_${i}_pointwise`, 1);
    if (i === 11) conv11 = x;
  }
  const p0 = pointwise(x, 'Prediction/Conv2d_0_pointwise', 1);
  const p1 = pointwise(p0, 'Prediction/Conv2d_1_pointwise', 2);
  const p2 = pointwise(p1, 'Prediction/Conv2d_2_pointwise', 1);
  const p3 = pointwise(p2, 'Prediction/Conv2d_3_pointwise', 2);
  const p4 = pointwise(p3, 'Prediction/Conv2d_4_pointwise', 1);
  const p5 = pointwise(p4, 'Prediction/Conv2d_5_pointwise', 2);
  const p6 = pointwise(p5, 'Prediction/Conv2d_6_pointwise', 1);
  const p7 = pointwise(p6, 'Prediction/Conv2d_7_pointwise', 2);
  const sources = [conv11, x, p1, p3, p5, p7];

  const boxParts: string[] = [];
  const classParts: string[] = [];
  sources.forEach((src, i) => {
    const pre = `Prediction/BoxPredictor_${i}`;
    const enc = g.conv(src, `${pre}/BoxEncodingPredictor`, getWeight(w, `${pre}/BoxEncodingPredictor/weights`),
      getWeight(w, `${pre}/BoxEncodingPredictor/biases`).data, { padding: 'same' });
    const cls = g.conv(src, `${pre}/ClassPredictor`, getWeight(w, `${pre}/ClassPredictor/weights`),
      getWeight(w, `${pre}/ClassPredictor/biases`).data, { padding: 'same' });
    // The anchors are ordered (y, x, anchor) as TF flattens NHWC, so go back to NHWC before flattening.
    boxParts.push(g.reshape(g.toNhwc(enc, `${pre}/enc_nhwc`), [0, -1, 4], `${pre}/enc_flat`));
    classParts.push(g.reshape(g.toNhwc(cls, `${pre}/cls_nhwc`), [0, -1, 3], `${pre}/cls_flat`));
  });
  const enc = g.op('Concat', boxParts, 'box_encodings', { axis: { kind: 'int', v: 1 } });
  const cls = g.op('Concat', classParts, 'class_logits', { axis: { kind: 'int', v: 1 } });

  // Decode against the anchors stored with the weights (Output/extra_dim, [1, A, 4] as ymin, xmin, ymax, xmax),
  // in the same float32 order of operations as face-api's outputLayer.
  const anchors = getWeight(w, 'Output/extra_dim');
  const a = anchors.shape[1]!;
  const sizes = new Float32Array(a * 2);
  const centers = new Float32Array(a * 2);
  for (let i = 0; i < a; i++) {
    for (let k = 0; k < 2; k++) {
      const lo = anchors.data[i * 4 + k]!;
      const hi = anchors.data[i * 4 + 2 + k]!;
      const s = Math.fround(hi - lo);
      sizes[i * 2 + k] = s;
      centers[i * 2 + k] = Math.fround(lo + Math.fround(s / 2));
    }
  }
  const sizeC = g.floatConst('anchor_sizes', [1, a, 2], sizes);
  const centerC = g.floatConst('anchor_centers', [1, a, 2], centers);
  const e01 = g.slice(enc, [0], [2], [2], 'dec/e01');
  const e23 = g.slice(enc, [2], [4], [2], 'dec/e23');
  const ctr = g.add(g.op('Mul', [g.op('Div', [e01, g.scalar('c10', 10)], 'dec/div10'), sizeC], 'dec/mul_size'), centerC, 'dec/center');
  const half = g.op('Div', [g.op('Mul', [g.op('Exp', [g.op('Div', [e23, g.scalar('c5', 5)], 'dec/div5')], 'dec/exp'), sizeC], 'dec/mul_size2'), g.scalar('c2', 2)], 'dec/half');
  const boxes = g.op('Concat', [g.op('Sub', [ctr, half], 'dec/min'), g.op('Add', [ctr, half], 'dec/max')], 'boxes', { axis: { kind: 'int', v: 2 } });
  const scores = g.reshape(g.op('Sigmoid', [g.slice(cls, [1], [2], [2], 'face_logit')], 'face_prob'), [0, -1], 'scores');
  g.output(boxes, ['N', a, 4]);
  g.output(scores, ['N', a]);
  return g;
}

/** 68-point landmark net, 112×112 input; outputs [N,136] as x0,y0,x1,y1… relative to the input square (0..1). */
export function buildLandmark68(w: WeightMap): GraphBuilder {
  const g = new GraphBuilder('face_landmark_68');
  const input = g.input('image', ['N', 112, 112, 3]);
  let x = g.toNchw(normalizeMeanRgb(g, input));
  const sep = (inp: string, p: string, strides: number): string => {
    const dw = g.depthwise(inp, `${p}/dw`, getWeight(w, `${p}/depthwise_filter`), null, { strides, padding: 'same' });
    return g.conv(dw, `${p}/pw`, getWeight(w, `${p}/pointwise_filter`), getWeight(w, `${p}/bias`).data, { padding: 'same' });
  };
  for (let b = 0; b < 4; b++) {
    const p = `dense${b}`;
    const out1 = g.relu(b === 0
      ? g.conv(x, `${p}/conv0`, getWeight(w, `${p}/conv0/filters`), getWeight(w, `${p}/conv0/bias`).data, { strides: 2, padding: 'same' })
      : sep(x, `${p}/conv0`, 2), `${p}/out1`);
    const out2 = sep(out1, `${p}/conv1`, 1);
    const in3 = g.relu(g.add(out1, out2, `${p}/sum3`), `${p}/in3`);
    const out3 = sep(in3, `${p}/conv2`, 1);
    const in4 = g.relu(g.add(out1, g.add(out2, out3, `${p}/s23`), `${p}/sum4`), `${p}/in4`);
    const out4 = sep(in4, `${p}/conv3`, 1);
    x = g.relu(g.add(out1, g.add(out2, g.add(out3, out4, `${p}/s34`), `${p}/s234`), `${p}/sum5`), `${p}/out`);
  }
  x = g.op('AveragePool', [x], 'avgpool', { kernel_shape: { kind: 'ints', v: [7, 7] }, strides: { kind: 'ints', v: [2, 2] } });
  x = g.op('Flatten', [x], 'flatten');
  const fcW = getWeight(w, 'fc/weights');
  const out = g.add(g.op('MatMul', [x, g.floatConst('fc/W', fcW.shape, fcW.data)], 'fc/matmul'), g.floatConst('fc/B', [136], getWeight(w, 'fc/bias').data), 'landmarks');
  g.output(out, ['N', 136]);
  return g;
}

/** dlib ResNet-29 face descriptor, 150×150 input; outputs the raw 128-d descriptor [N,128] (not normalised). */
export function buildFaceRecognition(w: WeightMap): GraphBuilder {
  const g = new GraphBuilder('face_recognition_resnet');
  const input = g.input('image', ['N', 150, 150, 3]);
  let x = g.toNchw(normalizeMeanRgb(g, input));
  let size = 150;
  let channels = 3;

  const convLayer = (inp: string, p: string, strides: number, relu: boolean, padding: 'same' | 'valid'): string => {
    const f = getWeight(w, `${p}/conv/filters`);
    const b = getWeight(w, `${p}/conv/bias`).data;
    const s = getWeight(w, `${p}/scale/weights`).data;
    const sb = getWeight(w, `${p}/scale/biases`).data;
    // (conv + b)·s + sb folded into one conv: weights·s, bias b·s + sb.
    const bias = new Float32Array(b.length);
    for (let i = 0; i < b.length; i++) bias[i] = b[i]! * s[i]! + sb[i]!;
    const out = g.conv(inp, p, f, bias, { strides, padding, outScale: s });
    return relu ? g.relu(out, p) : out;
  };
  const residual = (inp: string, p: string): string => {
    const a = convLayer(inp, `${p}/conv1`, 1, true, 'same');
    const b = convLayer(a, `${p}/conv2`, 1, false, 'same');
    return g.relu(g.add(b, inp, `${p}/add`), `${p}/out`);
  };
  const residualDown = (inp: string, p: string): string => {
    const outC = getWeight(w, `${p}/conv1/conv/filters`).shape[3]!;
    let a = convLayer(inp, `${p}/conv1`, 2, true, 'valid');
    a = convLayer(a, `${p}/conv2`, 1, false, 'same');
    const convSize = Math.floor((size - 3) / 2) + 1;
    const poolSize = Math.floor((size - 2) / 2) + 1;
    let pooled = g.op('AveragePool', [inp], `${p}/avgpool`, { kernel_shape: { kind: 'ints', v: [2, 2] }, strides: { kind: 'ints', v: [2, 2] } });
    // face-api zero-extends the conv branch at the bottom/right when the pooled branch is one pixel larger, and
    // zero-extends the pooled branch's channels when the block doubles them.
    if (poolSize !== convSize) a = g.pad(a, [0, 0, 0, 0, 0, 0, poolSize - convSize, poolSize - convSize], `${p}/pad_hw`);
    if (outC !== channels) pooled = g.pad(pooled, [0, 0, 0, 0, 0, outC - channels, 0, 0], `${p}/pad_c`);
    size = poolSize;
    channels = outC;
    return g.relu(g.add(pooled, a, `${p}/add`), `${p}/out`);
  };

  x = convLayer(x, 'conv32_down', 2, true, 'valid');
  size = Math.floor((size - 7) / 2) + 1;
  x = g.op('MaxPool', [x], 'maxpool', { kernel_shape: { kind: 'ints', v: [3, 3] }, strides: { kind: 'ints', v: [2, 2] } });
  size = Math.floor((size - 3) / 2) + 1;
  channels = 32;
  x = residual(x, 'conv32_1');
  x = residual(x, 'conv32_2');
  x = residual(x, 'conv32_3');
  x = residualDown(x, 'conv64_down');
  x = residual(x, 'conv64_1');
  x = residual(x, 'conv64_2');
  x = residual(x, 'conv64_3');
  x = residualDown(x, 'conv128_down');
  x = residual(x, 'conv128_1');
  x = residual(x, 'conv128_2');
  x = residualDown(x, 'conv256_down');
  x = residual(x, 'conv256_1');
  x = residual(x, 'conv256_2');
  x = residualDown(x, 'conv256_down_out');
  x = g.op('Flatten', [g.op('GlobalAveragePool', [x], 'gap')], 'flatten');
  const fc = getWeight(w, 'fc');
  const out = g.op('MatMul', [x, g.floatConst('fc/W', fc.shape, fc.data)], 'descriptor');
  g.output(out, ['N', fc.shape[1]!]);
  return g;
}

/** face-api's `normalize(x, [122.782, 117.001, 104.298]) / 255`, kept in the same order of operations. */
function normalizeMeanRgb(g: GraphBuilder, x: string): string {
  const mean = g.floatConst('mean_rgb', [1, 1, 1, 3], [122.782, 117.001, 104.298]);
  return g.op('Div', [g.op('Sub', [x, mean], 'pre/sub_mean'), g.scalar('c255', 255)], 'pre/div255');
}

export type { WeightTensor };
