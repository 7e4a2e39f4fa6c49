/**
 * TF.js graph-model converter: every candidate model (manifest `candidates`) run by onnxruntime-node must compute
 * what @tensorflow/tfjs (pure-JS CPU backend, the package's own model.json loaded from memory) computes on a real
 * photograph shipped in a package (face-api's demo/sample1.jpg); the detectors also at input sizes other than the
 * one their graph was exported for (the TF reference then runs a copy of the graph with its size constants
 * patched); the conversion is byte-for-byte reproducible; ops no candidate uses are checked on small synthetic
 * graphs; the documented anchor schemes are checked against the graphs.
 */
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadManifest, type ModelEntry } from '../manifest';
import { sha256Hex } from '../../platform/hashing';
import { packageDir } from '../paths';
import { decodeFaceboxes, decodeMediapipe, faceboxesAnchors, MEDIAPIPE_LEVELS, mediapipeAnchors } from './detectorAnchors';
import { convertModel } from './index';
import { loadTf, tfjsGraphModel, type Tf, type TfTensor } from './reference';
import { convertGraphModel, type GraphModelJson, type TfNode } from './tfjsGraph';
import type { WeightMap } from './tfjsWeights';

const samplePhoto = () => path.join(packageDir('@vladmandic/face-api'), 'demo', 'sample1.jpg');
const FACE = { left: 400, top: 320, width: 260, height: 260 };

type TfAny = Tf & { tensor4d(d: Float32Array | Int32Array, s: number[], dtype?: string): TfTensor; tensor(d: Float32Array, s: number[]): TfTensor };

/** Every TF.js graph model of the manifest: the shipped ones (converted at install) and the candidates. */
function graphModels(): ModelEntry[] {
  const m = loadManifest();
  return [...m.models, ...(m.candidates ?? [])].filter((e) => e.source.kind === 'tfjs-graph');
}

function candidate(id: string): ModelEntry {
  const e = graphModels().find((m) => m.id === id);
  if (!e) throw new Error(`no graph model ${id}`);
  return e;
}

function graphSource(e: ModelEntry) {
  if (e.source.kind !== 'tfjs-graph') throw new Error(`${e.id} is not a graph model`);
  return e.source;
}

/** RGB 0..255 NHWC pixels of (a region of) a photo, resized with sharp. */
async function photoTensor(h: number, w: number, region?: typeof FACE): Promise<Float32Array> {
  let p = sharp(samplePhoto()).removeAlpha();
  if (region) p = p.extract(region);
  const { data } = await p.resize(w, h, { fit: 'fill' }).raw().toBuffer({ resolveWithObject: true });
  return Float32Array.from(data);
}

async function runOnnx(bytes: Uint8Array, x: Float32Array, shape: number[]): Promise<Record<string, { data: Float32Array; dims: readonly number[] }>> {
  const s = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 2 });
  const out = await s.run({ image: new ort.Tensor('float32', x, shape) });
  await s.release();
  return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, { data: v.data as Float32Array, dims: v.dims }]));
}

/** What the TF graph sees: the entry's in-graph normalisation applied in float32, as the ONNX graph does. */
function preprocessed(e: ModelEntry, x: Float32Array): Float32Array {
  const pre = graphSource(e).preprocess;
  if (!pre) return x;
  const s = Math.fround(pre.scale), o = Math.fround(pre.offset);
  return x.map((v) => Math.fround(Math.fround(v * s) + o));
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

function maxAbs(a: Float32Array): number {
  let m = 0;
  for (const v of a) m = Math.max(m, Math.abs(v));
  return m;
}

function report(id: string, what: string, diff: number, scale: number): void {
  console.log(`[equivalence] ${id} ${what}: max |onnx − tfjs| = ${diff.toExponential(2)} (max |tfjs| ${scale.toPrecision(4)}, relative ${(diff / Math.max(scale, 1e-12)).toExponential(2)})`);
}

/**
 * Run an entry's ONNX model and its TF.js graph on the same input and compare every output. `patch` rewrites
 * size constants of the TF graph for other input sizes; `inputShape` its placeholder.
 */
async function compare(e: ModelEntry, x: Float32Array, shape: [number, number, number, number], opts: { patch?: Record<string, number[]>; label?: string; tol?: number } = {}): Promise<Record<string, Float32Array>> {
  const src = graphSource(e);
  const onnx = await runOnnx(convertModel(e), x, shape);
  const tf = (await loadTf()) as TfAny;
  const model = await tfjsGraphModel(path.join(packageDir(e.package), src.modelJson), opts.patch ?? {}, shape);
  const intInput = e.id === 'candidate-faceboxes';
  const xin = preprocessed(e, x);
  const t = intInput ? tf.tensor4d(Int32Array.from(xin), shape, 'int32') : tf.tensor4d(xin, shape);
  const refs = [model.execute(t, src.outputs.map((o) => o.node))].flat() as TfTensor[];
  const res: Record<string, Float32Array> = {};
  src.outputs.forEach((o, i) => {
    const ref = refs[i]!;
    const got = onnx[o.name]!;
    expect([...got.dims], `${o.name} shape`).toEqual(ref.shape);
    const r = ref.dataSync();
    const d = maxAbsDiff(got.data, r);
    const scale = maxAbs(r);
    report(e.id, `${o.name} [${ref.shape.join('×')}]${opts.label ? ` ${opts.label}` : ''}`, d, scale);
    expect(d / Math.max(scale, 1e-6), o.name).toBeLessThan(opts.tol ?? 1e-5);
    res[o.name] = got.data;
    ref.dispose();
  });
  t.dispose();
  return res;
}

describe('TF.js graph-model converter', () => {
  beforeAll(async () => {
    await loadTf();
  });

  it('converts every graph model (shipped and candidates) deterministically, to the manifest hash', () => {
    const candidates = graphModels();
    expect(candidates.length).toBe(8);
    for (const e of candidates) {
      const a = convertModel(e);
      const b = convertModel(e);
      expect(sha256Hex(b), `${e.id}: same bytes twice`).toBe(sha256Hex(a));
      expect(sha256Hex(a), `${e.file}: manifest sha256`).toBe(e.sha256);
    }
  }, 120_000);

  describe('embedders on a real face crop', () => {
    for (const [id, size] of [['identity-embedder', 224], ['candidate-faceres-deep', 224], ['candidate-mobilefacenet', 112], ['candidate-mobileface', 112]] as const) {
      it(`${id} equals the TF.js graph`, async () => {
        const e = candidate(id);
        const x = await photoTensor(size, size, FACE);
        const out = await compare(e, x, [1, size, size, 3]);
        const emb = out[e.outputs[0]!.name]!;
        expect(maxAbs(emb)).toBeGreaterThan(0.01); // a live embedding, not zeros
      }, 120_000);
    }

    it('a batch of two gives each face its own result (dynamic N)', async () => {
      const e = candidate('candidate-mobilefacenet');
      const a = await photoTensor(112, 112, FACE);
      const b = await photoTensor(112, 112, { left: 100, top: 250, width: 260, height: 260 });
      const both = new Float32Array(2 * a.length);
      both.set(a);
      both.set(b, a.length);
      const bytes = convertModel(e);
      const batch = (await runOnnx(bytes, both, [2, 112, 112, 3])).embedding!.data;
      const one = (await runOnnx(bytes, b, [1, 112, 112, 3])).embedding!.data;
      expect(maxAbsDiff(batch.subarray(192), one)).toBeLessThan(1e-5);
    }, 60_000);
  });

  describe('detectors on a real photo', () => {
    it('MediaPipe full range at 192×192 and, dynamic, at 256×320', async () => {
      const e = candidate('candidate-mediapipe-full');
      const x = await photoTensor(192, 192);
      const out = await compare(e, x, [1, 192, 192, 3]);
      expect(out.detections!.length).toBe(2304 * 17);
      // The TF graph bakes its size in (upsampling sizes, anchor counts): the reference runs with those patched.
      const [h, w] = [256, 320];
      const patch: Record<string, number[]> = {
        'StatefulPartitionedCall/model/up_sampling2d/mul': [h / 16, w / 16],
        'StatefulPartitionedCall/model/up_sampling2d_1/mul': [h / 8, w / 8],
        'StatefulPartitionedCall/model/up_sampling2d_2/mul': [h / 4, w / 4],
        'StatefulPartitionedCall/model/reshaped_classifier_face_4/Reshape/shape/1': [(h / 4) * (w / 4)],
        'StatefulPartitionedCall/model/reshaped_regressor_face_4/Reshape/shape/1': [(h / 4) * (w / 4)],
      };
      const big = await compare(e, await photoTensor(h, w), [1, h, w, 3], { patch, label: 'at 256×320' });
      expect(big.detections!.length).toBe(mediapipeAnchors(h, w, MEDIAPIPE_LEVELS.full).length / 2 * 17);
      // the photo's faces are found: decoded scores above 0.5
      const dets = decodeMediapipe(big.detections!, mediapipeAnchors(h, w, MEDIAPIPE_LEVELS.full), 0.5);
      expect(dets.length).toBeGreaterThan(0);
    }, 180_000);

    it('MediaPipe short range at 128×128 and, dynamic, at 160×224', async () => {
      const e = candidate('candidate-mediapipe-short');
      await compare(e, await photoTensor(128, 128), [1, 128, 128, 3]);
      const [h, w] = [160, 224];
      const n8 = (h / 8) * (w / 8) * 2, n16 = (h / 16) * (w / 16) * 6;
      const patch = {
        'StatefulPartitionedCall/model/reshape/Reshape/shape/1': [n8],
        'StatefulPartitionedCall/model/reshape_1/Reshape/shape/1': [n8],
        'StatefulPartitionedCall/model/reshape_2/Reshape/shape/1': [n16],
        'StatefulPartitionedCall/model/reshape_3/Reshape/shape/1': [n16],
      };
      const out = await compare(e, await photoTensor(h, w), [1, h, w, 3], { patch, label: 'at 160×224' });
      expect(out.detections!.length / 17).toBe(mediapipeAnchors(h, w, MEDIAPIPE_LEVELS.short).length / 2);
    }, 180_000);

    it('BlazeFace back at 256×256 and, dynamic, at 192×320', async () => {
      const e = candidate('face-detector-blazeface');
      await compare(e, await photoTensor(256, 256), [1, 256, 256, 3]);
      const [h, w] = [192, 320];
      const n16 = (h / 16) * (w / 16) * 2, n32 = (h / 32) * (w / 32) * 6;
      const p = 'StatefulPartitionedCall/functional_1/tf_op_layer_';
      const patch = {
        [`${p}classificators_1/classificators_1/shape`]: [1, n16, 1],
        [`${p}regressors_1/regressors_1/shape`]: [1, n16, 16],
        [`${p}classificators_2/classificators_2/shape`]: [1, n32, 1],
        [`${p}regressors_2/regressors_2/shape`]: [1, n32, 16],
      };
      const out = await compare(e, await photoTensor(h, w), [1, h, w, 3], { patch, label: 'at 192×320' });
      expect(out.scores_stride16!.length + out.scores_stride32!.length).toBe(mediapipeAnchors(h, w, MEDIAPIPE_LEVELS.back).length / 2);
    }, 180_000);

    it('FaceBoxes at 512×512 and at 300×420 (its graph is size-free), with the documented anchors and decoding', async () => {
      const e = candidate('candidate-faceboxes');
      await compare(e, await photoTensor(512, 512), [1, 512, 512, 3]);
      const [h, w] = [300, 420];
      const x = await photoTensor(h, w);
      const out = await compare(e, x, [1, h, w, 3], { label: 'at 300×420' });
      // anchors and decoding as documented = the graph's own
      const tf = (await loadTf()) as TfAny;
      const model = await tfjsGraphModel(path.join(packageDir(e.package), graphSource(e).modelJson));
      const t = tf.tensor4d(Int32Array.from(x), [1, h, w, 3], 'int32');
      const [tfAnchors, tfBoxes] = model.execute(t, ['concatenate/clip_by_value', 'postprocessing/clip_by_value_1']) as TfTensor[];
      const { anchors, paddedHeight, paddedWidth } = faceboxesAnchors(h, w);
      expect([paddedHeight, paddedWidth]).toEqual([384, 512]);
      expect(maxAbsDiff(anchors, tfAnchors!.dataSync())).toBeLessThan(1e-6);
      const boxes = decodeFaceboxes(out.box_encodings!, anchors, h, w, paddedHeight, paddedWidth);
      const dBoxes = maxAbsDiff(boxes, tfBoxes!.dataSync());
      console.log(`[equivalence] candidate-faceboxes decoded boxes (detectorAnchors.ts vs the graph's decoder): max diff ${dBoxes.toExponential(2)}`);
      expect(dBoxes).toBeLessThan(1e-4);
      const faces = Array.from({ length: anchors.length / 4 }, (_, a) => out.scores![2 * a + 1]!).filter((s) => s > 0.5);
      expect(faces.length).toBeGreaterThan(0);
      t.dispose();
    }, 180_000);

    it('MediaPipe/BlazeFace anchor counts match the ONNX outputs at several sizes, and human\'s anchors at the nominal size', async () => {
      const cases = [['candidate-mediapipe-short', 'short', 128], ['face-detector-blazeface', 'back', 256], ['candidate-mediapipe-full', 'full', 192]] as const;
      for (const [id, kind, nominal] of cases) {
        const bytes = convertModel(candidate(id));
        const s = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1 });
        for (const [h, w] of [[nominal, nominal], [224, 96], [480, 640]] as const) {
          const out = await s.run({ image: new ort.Tensor('float32', new Float32Array(h * w * 3), [1, h, w, 3]) });
          const rows = Object.entries(out).filter(([k]) => !k.startsWith('boxes')).reduce((n, [, v]) => n + v.dims[1]!, 0);
          expect(rows, `${id} ${h}×${w}`).toBe(mediapipeAnchors(h, w, MEDIAPIPE_LEVELS[kind]).length / 2);
        }
        await s.release();
        // @vladmandic/human's generateAnchors(inputSize) (src/face/facemeshutil.ts), ported
        const spec = nominal === 192 ? { strides: [4], anchors: [1] } : { strides: [nominal / 16, nominal / 8], anchors: [2, 6] };
        const human: number[] = [];
        spec.strides.forEach((stride, i) => {
          const grid = Math.floor((nominal + stride - 1) / stride);
          for (let y = 0; y < grid; y++) for (let x = 0; x < grid; x++) for (let n = 0; n < spec.anchors[i]!; n++) human.push(stride * (x + 0.5), stride * (y + 0.5));
        });
        expect(Array.from(mediapipeAnchors(nominal, nominal, MEDIAPIPE_LEVELS[kind])), id).toEqual(human);
      }
    }, 120_000);
  });

  describe('ops no candidate uses, on synthetic graphs', () => {
    const cases: Array<{ name: string; input: [number, number, number, number]; nodes: (c: ConstBag) => TfNode[]; out: string }> = [
      { name: 'ResizeNearestNeighbor (legacy, align_corners, half_pixel) and ResizeBilinear (legacy, align_corners)', input: [1, 5, 7, 3], out: 'sum', nodes: (c) => [
        c.int('size_up', [11, 9]), c.int('size_dn', [3, 4]),
        op('nn', 'ResizeNearestNeighbor', ['x', 'size_up'], { align_corners: b(false), half_pixel_centers: b(false) }),
        op('nn_ac', 'ResizeNearestNeighbor', ['x', 'size_up'], { align_corners: b(true), half_pixel_centers: b(false) }),
        op('nn_hp', 'ResizeNearestNeighbor', ['x', 'size_up'], { align_corners: b(false), half_pixel_centers: b(true) }),
        op('bl', 'ResizeBilinear', ['x', 'size_up'], { align_corners: b(false), half_pixel_centers: b(false) }),
        op('bl_ac', 'ResizeBilinear', ['x', 'size_up'], { align_corners: b(true), half_pixel_centers: b(false) }),
        op('bl_dn', 'ResizeBilinear', ['x', 'size_dn'], { align_corners: b(false), half_pixel_centers: b(true) }),
        c.int('hw', [1, 2]),
        op('m1', 'Mean', ['bl_dn', 'hw'], { keep_dims: b(true) }),
        op('s1', 'AddV2', ['nn', 'nn_ac']), op('s2', 'AddV2', ['s1', 'nn_hp']), op('s3', 'AddV2', ['s2', 'bl']), op('s4', 'AddV2', ['s3', 'bl_ac']),
        op('sum', 'Sub', ['s4', 'm1']),
      ] },
      { name: 'Conv2D SAME stride 2 on odd sizes, EXPLICIT padding, dilation; BiasAdd, Relu6; AvgPool SAME', input: [1, 9, 11, 3], out: 'pool', nodes: (c) => [
        c.float('w1', [3, 3, 3, 4]), c.float('w2', [2, 3, 4, 5]), c.float('w3', [3, 3, 5, 4]), c.float('bias', [4]),
        op('c1', 'Conv2D', ['x', 'w1'], { strides: ints(1, 2, 2, 1), padding: s('SAME'), dilations: ints(1, 1, 1, 1), data_format: s('NHWC') }),
        op('c2', 'Conv2D', ['c1', 'w2'], { strides: ints(1, 1, 2, 1), padding: s('EXPLICIT'), explicit_paddings: ints(0, 0, 1, 2, 0, 1, 0, 0), dilations: ints(1, 1, 1, 1), data_format: s('NHWC') }),
        op('c3', 'Conv2D', ['c2', 'w3'], { strides: ints(1, 1, 1, 1), padding: s('SAME'), dilations: ints(1, 2, 2, 1), data_format: s('NHWC') }),
        op('ba', 'BiasAdd', ['c3', 'bias'], { data_format: s('NHWC') }),
        op('r6', 'Relu6', ['ba']),
        op('pool', 'AvgPool', ['r6'], { ksize: ints(1, 3, 3, 1), strides: ints(1, 2, 2, 1), padding: s('SAME'), data_format: s('NHWC') }),
      ] },
      { name: '_FusedConv2D with Prelu / Relu6 / LeakyRelu, depthwise multiplier 2, MaxPool VALID, Prelu op', input: [1, 8, 8, 3], out: 'mp', nodes: (c) => [
        c.float('w1', [3, 3, 3, 6]), c.float('b1', [6]), c.float('a1', [6]), c.float('dw', [3, 3, 6, 2]), c.float('b2', [12]), c.float('w3', [1, 1, 12, 4]), c.float('b3', [4]), c.float('a4', [4]),
        op('f1', '_FusedConv2D', ['x', 'w1', 'b1', 'a1'], { strides: ints(1, 1, 1, 1), padding: s('SAME'), dilations: ints(1, 1, 1, 1), data_format: s('NHWC'), fused_ops: strs('BiasAdd', 'Prelu'), num_args: i(2) }),
        op('f2', 'FusedDepthwiseConv2dNative', ['f1', 'dw', 'b2'], { strides: ints(1, 2, 2, 1), padding: s('VALID'), dilations: ints(1, 1, 1, 1), data_format: s('NHWC'), fused_ops: strs('BiasAdd', 'Relu6'), num_args: i(1) }),
        op('f3', '_FusedConv2D', ['f2', 'w3', 'b3'], { strides: ints(1, 1, 1, 1), padding: s('VALID'), dilations: ints(1, 1, 1, 1), data_format: s('NHWC'), fused_ops: strs('BiasAdd', 'LeakyRelu'), num_args: i(1), leakyrelu_alpha: { f: 0.1 } }),
        op('pr', 'Prelu', ['f3', 'a4']),
        op('mp', 'MaxPool', ['pr'], { ksize: ints(1, 2, 2, 1), strides: ints(1, 1, 1, 1), padding: s('VALID'), data_format: s('NHWC') }),
      ] },
      { name: 'Transpose, StridedSlice with masks, ConcatV2 on H, Pad, Sigmoid', input: [1, 6, 5, 4], out: 'sig', nodes: (c) => [
        c.int('perm', [0, 2, 1, 3]), c.int('b0', [0, 1, 0, 1]), c.int('e0', [0, 5, 4, 4]), c.int('st', [1, 2, 1, 1]), c.int('axis', [1]), c.int('pads', [0, 0, 1, 0, 0, 2, 0, 0], [4, 2]),
        op('tr', 'Transpose', ['x', 'perm']),
        op('ss', 'StridedSlice', ['tr', 'b0', 'e0', 'st'], { begin_mask: i(1), end_mask: i(1), ellipsis_mask: i(0), new_axis_mask: i(0), shrink_axis_mask: i(0) }),
        op('cat', 'ConcatV2', ['ss', 'ss', 'axis']),
        op('pad', 'Pad', ['cat', 'pads']),
        op('sig', 'Sigmoid', ['pad']),
      ] },
    ];
    for (const cse of cases) {
      it(cse.name, async () => {
        const bag = new ConstBag(cse.name.length);
        const nodes = [placeholder('x', cse.input), ...cse.nodes(bag)];
        const json: GraphModelJson = { format: 'graph-model', modelTopology: { node: nodes, versions: { producer: 1 } }, weightsManifest: [{ paths: [], weights: bag.specs as never }] };
        const conv = convertGraphModel(json, bag.map, { graphName: 'synthetic', outputs: [{ node: cse.out, name: 'y' }] });
        const n = cse.input.reduce((p, q) => p * q, 1);
        const x = Float32Array.from({ length: n }, (_, k) => Math.sin(k * 0.37) * 3);
        const onnx = await runOnnx(conv.graph.toBytes('test', 'synthetic'), x, cse.input);
        const tf = (await loadTf()) as TfAny;
        const model = await tf.loadGraphModel(tf.io.fromMemory({ modelTopology: { node: nodes, versions: { producer: 1 } }, weightSpecs: bag.specs, weightData: bag.buffer() }));
        const t = tf.tensor4d(x, cse.input);
        const ref = model.execute(t, cse.out) as TfTensor;
        expect([...onnx.y!.dims]).toEqual(ref.shape);
        const d = maxAbsDiff(onnx.y!.data, ref.dataSync());
        console.log(`[synthetic] ${cse.name}: [${ref.shape.join('×')}] max diff ${d.toExponential(2)}`);
        expect(d / Math.max(1, maxAbs(ref.dataSync()))).toBeLessThan(1e-5);
        t.dispose();
      }, 60_000);
    }
  });
});

// ---- synthetic graph helpers ----

const b64 = (v: string) => Buffer.from(v).toString('base64');
const s = (v: string) => ({ s: b64(v) });
const b = (v: boolean) => ({ b: v });
const i = (v: number) => ({ i: String(v) });
const ints = (...v: number[]) => ({ list: { i: v.map(String) } });
const strs = (...v: string[]) => ({ list: { s: v.map(b64) } });

function op(name: string, opName: string, input: string[], attr: Record<string, unknown> = {}): TfNode {
  return { name, op: opName, input, attr: { T: { type: 'DT_FLOAT' }, ...attr } as TfNode['attr'] };
}

function placeholder(name: string, shape: readonly number[]): TfNode {
  return { name, op: 'Placeholder', attr: { dtype: { type: 'DT_FLOAT' }, shape: { shape: { dim: shape.map((d, k) => ({ size: String(k === 0 ? -1 : d) })) } } } as TfNode['attr'] };
}

/** Constants of a synthetic graph: as a converter WeightMap and as tfjs weight specs + data. */
class ConstBag {
  readonly map: WeightMap = new Map();
  readonly specs: Array<{ name: string; shape: number[]; dtype: string }> = [];
  private readonly chunks: Buffer[] = [];
  private seed: number;
  constructor(seed: number) {
    this.seed = seed;
  }
  private rand(): number {
    this.seed = (this.seed * 1103515245 + 12345) % 2147483648;
    return this.seed / 2147483648 - 0.5;
  }
  float(name: string, shape: number[]): TfNode {
    const data = Float32Array.from({ length: shape.reduce((p, q) => p * q, 1) }, () => Math.fround(this.rand()));
    this.map.set(name, { shape, data });
    this.specs.push({ name, shape, dtype: 'float32' });
    this.chunks.push(Buffer.from(data.buffer));
    return { name, op: 'Const', attr: { dtype: { type: 'DT_FLOAT' }, value: { tensor: { dtype: 'DT_FLOAT', tensorShape: { dim: shape.map((d) => ({ size: String(d) })) } } } } as TfNode['attr'] };
  }
  int(name: string, values: number[], shape = [values.length]): TfNode {
    this.map.set(name, { shape, data: Float32Array.from(values) });
    this.specs.push({ name, shape, dtype: 'int32' });
    this.chunks.push(Buffer.from(Int32Array.from(values).buffer));
    return { name, op: 'Const', attr: { dtype: { type: 'DT_INT32' }, value: { tensor: { dtype: 'DT_INT32', tensorShape: { dim: shape.map((d) => ({ size: String(d) })) } } } } as TfNode['attr'] };
  }
  buffer(): ArrayBuffer {
    const all = Buffer.concat(this.chunks);
    return all.buffer.slice(all.byteOffset, all.byteOffset + all.length) as ArrayBuffer;
  }
}
