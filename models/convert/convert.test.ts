/**
 * Converter equivalence: every converted ONNX model, run by onnxruntime-node, must compute what the package's
 * own runtime computes (face-api's network code / tfjs layers on @tensorflow/tfjs's CPU backend) on real
 * photographs shipped inside the packages themselves, and the conversion must be byte-for-byte reproducible.
 */
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadManifest, type ModelEntry } from '../manifest';
import { sha256Hex } from '../../platform/hashing';
import { packageDir } from '../paths';
import { convertModel } from './index';
import { faceApiNet, loadTf, tfjsLayersModel, type TfTensor } from './reference';

const samplePhoto = () => path.join(packageDir('@vladmandic/face-api'), 'demo', 'sample1.jpg');

/** RGB float32 0..255 NHWC pixels of a region of a photo, resized with sharp. */
async function photoTensor(file: string, size: number, region?: { left: number; top: number; width: number; height: number }): Promise<Float32Array> {
  let p = sharp(file).removeAlpha();
  if (region) p = p.extract(region);
  const { data } = await p.resize(size, size, { fit: 'fill' }).raw().toBuffer({ resolveWithObject: true });
  return Float32Array.from(data);
}

async function runOnnx(bytes: Uint8Array, x: Float32Array, shape: number[]): Promise<Record<string, Float32Array>> {
  const s = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 2 });
  const out = await s.run({ image: new ort.Tensor('float32', x, shape) });
  const res: Record<string, Float32Array> = {};
  for (const [k, v] of Object.entries(out)) res[k] = v.data as Float32Array;
  await s.release();
  return res;
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

function entry(id: string): ModelEntry {
  const e = loadManifest().models.find((m) => m.id === id);
  if (!e) throw new Error(`no manifest entry ${id}`);
  return e;
}

function report(id: string, what: string, diff: number, scale?: number): void {
  const rel = scale ? ` (relative to max |ref| ${scale.toFixed(3)}: ${(diff / scale).toExponential(2)})` : '';
  console.log(`[equivalence] ${id} ${what}: max |onnx − reference| = ${diff.toExponential(2)}${rel}`);
}

describe('model conversion', () => {
  beforeAll(async () => {
    await loadTf();
  });

  it('is deterministic and matches the manifest hashes', () => {
    for (const e of loadManifest().models) {
      const a = sha256Hex(convertModel(e));
      const b = sha256Hex(convertModel(e));
      expect(a).toBe(b);
      expect(a, `${e.file}: manifest sha256`).toBe(e.sha256);
    }
  });

  it('face detector (SSD MobileNet V1) equals face-api on a real photo', async () => {
    const e = entry('face-detector');
    const x = await photoTensor(samplePhoto(), 512);
    const onnx = await runOnnx(convertModel(e), x, [1, 512, 512, 3]);
    const tf = await loadTf();
    const net = await faceApiNet('ssd_mobilenetv1');
    const t = tf.tensor4d(x, [1, 512, 512, 3]);
    const ref = (await net.forward(t)) as { boxes: TfTensor[]; scores: TfTensor[] };
    const dBoxes = maxAbsDiff(onnx.boxes!, ref.boxes[0]!.dataSync());
    const dScores = maxAbsDiff(onnx.scores!, ref.scores[0]!.dataSync());
    report(e.id, 'boxes', dBoxes);
    report(e.id, 'scores', dScores);
    expect(dBoxes).toBeLessThan(1e-3);
    expect(dScores).toBeLessThan(1e-3);
    // A real photo with three faces must yield confident anchors, or the comparison proves little.
    expect(Math.max(...onnx.scores!)).toBeGreaterThan(0.5);
    t.dispose();
  }, 60_000);

  it('landmark net equals face-api on a real face crop', async () => {
    const e = entry('face-landmarks');
    const x = await photoTensor(samplePhoto(), 112, { left: 400, top: 320, width: 260, height: 260 });
    const onnx = await runOnnx(convertModel(e), x, [1, 112, 112, 3]);
    const tf = await loadTf();
    const net = await faceApiNet('face_landmark_68');
    const t = tf.tensor4d(x, [1, 112, 112, 3]);
    const ref = (await net.forward(t)) as TfTensor;
    const d = maxAbsDiff(onnx.landmarks!, ref.dataSync());
    report(e.id, 'landmarks (fractions of 112 px)', d);
    expect(d).toBeLessThan(1e-3);
    t.dispose();
  }, 60_000);

  it('face embedder (dlib ResNet) equals face-api on a real face crop', async () => {
    const e = entry('face-embedder');
    const x = await photoTensor(samplePhoto(), 150, { left: 400, top: 320, width: 260, height: 260 });
    const onnx = await runOnnx(convertModel(e), x, [1, 150, 150, 3]);
    const tf = await loadTf();
    const net = await faceApiNet('face_recognition');
    const t = tf.tensor4d(x, [1, 150, 150, 3]);
    const ref = (await net.forward(t)) as TfTensor;
    const d = maxAbsDiff(onnx.descriptor!, ref.dataSync());
    report(e.id, 'descriptor', d, maxAbs(ref.dataSync()));
    expect(d).toBeLessThan(1e-3);
    t.dispose();
  }, 60_000);

  for (const e of loadManifest().models.filter((m) => m.source.kind === 'tfjs-layers')) {
    it(`${e.id} equals the tfjs layers model on a real image tile`, async () => {
      if (e.source.kind !== 'tfjs-layers') return;
      const modelJson = path.join(packageDir(e.package), e.source.modelJson);
      const fixture = path.join(packageDir(e.package), 'assets', 'fixture.png');
      const size = 28;
      const x = await photoTensor(fixture, size, { left: 40, top: 40, width: size, height: size });
      const range = e.input.normalisation.includes('0..1') ? 1 / 255 : 1;
      const xin = x.map((v) => v * range);
      const onnx = await runOnnx(convertModel(e), xin, [1, size, size, 3]);
      const tf = await loadTf();
      const model = await tfjsLayersModel(modelJson);
      const t = tf.tensor4d(xin, [1, size, size, 3]);
      const ref = model.predict(t).dataSync();
      const out = Object.values(onnx)[0]!;
      const scale = maxAbs(ref);
      const d = maxAbsDiff(out, ref);
      report(e.id, 'output', d, scale);
      expect(d / scale).toBeLessThan(1e-4);
      t.dispose();
    }, 120_000);
  }
});
