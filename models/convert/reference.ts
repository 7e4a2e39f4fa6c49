/**
 * The reference runtimes the converted models are checked against: @vladmandic/face-api's own network code and
 * @tensorflow/tfjs layers models, both on the pure-JS CPU backend. Test and benchmark support only (these are
 * devDependencies); production inference never loads tfjs.
 */
import Module from 'node:module';
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { packageDir, repoRoot } from '../paths';

/** The slice of the tfjs API the checks use. */
export interface TfTensor {
  shape: number[];
  dataSync(): Float32Array;
  dispose(): void;
}
export interface Tf {
  setBackend(name: string): Promise<boolean>;
  ready(): Promise<void>;
  tensor4d(data: Float32Array, shape: [number, number, number, number]): TfTensor;
  io: {
    decodeWeights(buf: ArrayBuffer, specs: unknown[]): Record<string, TfTensor>;
    fromMemory(artifacts: unknown): unknown;
  };
  loadLayersModel(handler: unknown): Promise<{ predict(x: TfTensor): TfTensor }>;
  loadGraphModel(handler: unknown): Promise<TfGraphModel>;
}
export interface TfGraphModel {
  execute(x: TfTensor, outputs?: string | string[]): TfTensor | TfTensor[];
  executeAsync(x: TfTensor, outputs?: string | string[]): Promise<TfTensor | TfTensor[]>;
}
interface FaceApiNet {
  loadFromWeightMap(map: Record<string, TfTensor>): void;
  forward(x: TfTensor): Promise<unknown>;
}
interface FaceApi {
  tf: Tf;
  nets: { ssdMobilenetv1: FaceApiNet; faceLandmark68Net: FaceApiNet; faceRecognitionNet: FaceApiNet };
}

const requireHere = Module.createRequire(path.join(repoRoot(), 'package.json'));
let faceApi: Promise<FaceApi> | undefined;

/**
 * face-api's Node build imports @tensorflow/tfjs-node (a native binding we do not install); its API is the
 * pure-JS @tensorflow/tfjs one, so resolve that request to @tensorflow/tfjs while the build loads.
 */
export function loadFaceApi(): Promise<FaceApi> {
  faceApi ??= (async () => {
    const M = Module as unknown as { _resolveFilename: (req: string, ...rest: unknown[]) => string };
    const orig = M._resolveFilename;
    M._resolveFilename = function (req: string, ...rest: unknown[]) {
      return orig.call(this, req === '@tensorflow/tfjs-node' ? '@tensorflow/tfjs' : req, ...rest);
    };
    let api: FaceApi;
    try {
      api = requireHere('@vladmandic/face-api/dist/face-api.node.js') as FaceApi;
    } finally {
      M._resolveFilename = orig;
    }
    await api.tf.setBackend('cpu');
    await api.tf.ready();
    return api;
  })();
  return faceApi;
}

export function loadTf(): Promise<Tf> {
  return loadFaceApi().then((api) => api.tf);
}

/** Load one face-api network's weights from the installed package into the package's own network class. */
export async function faceApiNet(network: 'ssd_mobilenetv1' | 'face_landmark_68' | 'face_recognition'): Promise<FaceApiNet> {
  const api = await loadFaceApi();
  const dir = path.join(packageDir('@vladmandic/face-api'), 'model');
  const groups = JSON.parse(readFileSync(path.join(dir, `${network}_model-weights_manifest.json`), 'utf8')) as Array<{ paths: string[]; weights: unknown[] }>;
  const buf = Buffer.concat(groups.flatMap((g) => g.paths.map((p) => readFileSync(path.join(dir, p)))));
  const map = api.tf.io.decodeWeights(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length) as ArrayBuffer, groups.flatMap((g) => g.weights));
  const net = network === 'ssd_mobilenetv1' ? api.nets.ssdMobilenetv1 : network === 'face_landmark_68' ? api.nets.faceLandmark68Net : api.nets.faceRecognitionNet;
  net.loadFromWeightMap(map);
  return net;
}

/** A tfjs layers model loaded from its model.json + shards, with UpscalerJS's custom RRDN layers registered. */
export async function tfjsLayersModel(modelJsonPath: string): Promise<{ predict(x: TfTensor): TfTensor }> {
  const tf = await loadTf();
  const json = JSON.parse(readFileSync(modelJsonPath, 'utf8')) as { modelTopology: unknown; weightsManifest: Array<{ paths: string[]; weights: unknown[] }> };
  if (JSON.stringify(json.modelTopology).includes('PixelShuffle')) registerUpscalerLayers(tf, modelJsonPath);
  const dir = path.dirname(modelJsonPath);
  const buf = Buffer.concat(json.weightsManifest.flatMap((g) => g.paths.map((p) => readFileSync(path.join(dir, p)))));
  const handler = tf.io.fromMemory({
    modelTopology: json.modelTopology,
    weightSpecs: json.weightsManifest.flatMap((g) => g.weights),
    weightData: buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length),
  });
  return tf.loadLayersModel(handler);
}

/**
 * A tfjs graph model loaded from its model.json + shards through an in-memory IO handler (never the network).
 * `patch` replaces the values of named int32 Const nodes and `inputShape` the placeholder's height, width and
 * channels (used to run graphs exported for one input size at another).
 */
export async function tfjsGraphModel(modelJsonPath: string, patch: Record<string, number[]> = {}, inputShape?: readonly number[]): Promise<TfGraphModel> {
  const tf = await loadTf();
  const json = JSON.parse(readFileSync(modelJsonPath, 'utf8')) as { modelTopology: { node: Array<{ op: string; attr?: { shape?: { shape?: { dim?: Array<{ size?: string }> } } } }> }; weightsManifest: Array<{ paths: string[]; weights: Array<{ name: string; shape: number[]; dtype: string; quantization?: unknown }> }>; signature?: unknown; userDefinedMetadata?: unknown };
  const dir = path.dirname(modelJsonPath);
  const buf = Buffer.concat(json.weightsManifest.flatMap((g) => g.paths.map((p) => readFileSync(path.join(dir, p)))));
  const specs = json.weightsManifest.flatMap((g) => g.weights);
  if (inputShape) {
    for (const n of json.modelTopology.node) {
      const dims = n.op === 'Placeholder' ? n.attr?.shape?.shape?.dim : undefined;
      if (dims?.length === 4) for (let i = 1; i < 4; i++) dims[i] = { size: String(inputShape[i]) };
    }
  }
  if (Object.keys(patch).length) {
    let offset = 0;
    for (const spec of specs) {
      const n = spec.shape.reduce((a, b) => a * b, 1);
      const bytes = spec.quantization ? NaN : n * 4;
      if (patch[spec.name]) {
        if (spec.dtype !== 'int32' || spec.quantization || patch[spec.name]!.length !== n) throw new Error(`cannot patch ${spec.name}`);
        patch[spec.name]!.forEach((v, i) => buf.writeInt32LE(v, offset + 4 * i));
      }
      if (Number.isNaN(bytes)) {
        const q = spec.quantization as { dtype: string };
        offset += n * (q.dtype === 'uint8' ? 1 : 2);
      } else offset += bytes;
    }
  }
  const handler = tf.io.fromMemory({
    modelTopology: json.modelTopology,
    weightSpecs: specs,
    weightData: buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length),
    ...(json.signature ? { signature: json.signature } : {}),
    ...(json.userDefinedMetadata ? { userDefinedMetadata: json.userDefinedMetadata } : {}),
  });
  return tf.loadGraphModel(handler);
}

function registerUpscalerLayers(tf: Tf, modelJsonPath: string): void {
  // UpscalerJS's own model definition registers MultiplyBeta / PixelShuffle{scale}x through `setup(tf)`.
  const scale = Number(/x(\d+)[/\\]model\.json$/.exec(modelJsonPath)?.[1] ?? 4);
  const pkgName = modelJsonPath.includes('esrgan-thick') ? '@upscalerjs/esrgan-thick' : '@upscalerjs/esrgan-medium';
  const mod = requireHere(`${pkgName}/${scale}x`) as { setup?: (t: Tf) => void; default?: { setup?: (t: Tf) => void } };
  (mod.default ?? mod).setup?.(tf);
}
