/**
 * Reads TensorFlow.js weight files (a weights manifest and its binary shards) the way tfjs-core's
 * `io.decodeWeights` does, including uint8/uint16 affine quantisation and float16, so that converted ONNX
 * weights equal what the reference runtime computes with.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { WeightTensor } from './onnxGraph';

interface WeightSpec {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32' | 'bool' | 'string';
  quantization?: { dtype: 'uint8' | 'uint16' | 'float16'; min?: number; scale?: number };
}

export interface WeightGroup {
  paths: string[];
  weights: WeightSpec[];
}

export type WeightMap = Map<string, WeightTensor>;

/** Decode the groups of a manifest whose shard paths are relative to `dir`. */
export function readWeights(dir: string, groups: readonly WeightGroup[]): WeightMap {
  const buffers = groups.flatMap((g) => g.paths.map((p) => readFileSync(path.join(dir, p))));
  const all = Buffer.concat(buffers);
  const specs = groups.flatMap((g) => g.weights);
  const out: WeightMap = new Map();
  let offset = 0;
  for (const spec of specs) {
    const size = spec.shape.reduce((a, b) => a * b, 1);
    const q = spec.quantization;
    let values: Float32Array;
    if (q) {
      const bytesPer = q.dtype === 'uint8' ? 1 : 2;
      const bytes = all.subarray(offset, offset + size * bytesPer);
      offset += size * bytesPer;
      const copy = new Uint8Array(bytes); // aligned copy for the typed-array views
      if (q.dtype === 'float16') {
        values = decodeFloat16(new Uint16Array(copy.buffer, 0, size));
      } else {
        const quantized = q.dtype === 'uint8' ? copy : new Uint16Array(copy.buffer, 0, size);
        values = new Float32Array(size);
        const scale = q.scale ?? 1;
        const min = q.min ?? 0;
        for (let i = 0; i < size; i++) values[i] = quantized[i]! * scale + min;
        if (spec.dtype === 'int32') for (let i = 0; i < size; i++) values[i] = Math.round(values[i]!);
      }
    } else {
      if (spec.dtype === 'string') throw new Error(`string weight ${spec.name} is not supported`);
      const bytesPer = spec.dtype === 'bool' ? 1 : 4;
      const bytes = new Uint8Array(all.subarray(offset, offset + size * bytesPer));
      offset += size * bytesPer;
      if (spec.dtype === 'float32') values = new Float32Array(bytes.buffer, 0, size);
      else if (spec.dtype === 'int32') values = Float32Array.from(new Int32Array(bytes.buffer, 0, size));
      else values = Float32Array.from(bytes);
    }
    out.set(spec.name, { shape: spec.shape, data: values });
  }
  if (offset !== all.length) throw new Error(`weights in ${dir}: decoded ${offset} bytes of ${all.length}`);
  return out;
}

export function getWeight(map: WeightMap, name: string): WeightTensor {
  const w = map.get(name);
  if (!w) throw new Error(`missing weight '${name}'`);
  return w;
}

function decodeFloat16(h: Uint16Array): Float32Array {
  const out = new Float32Array(h.length);
  for (let i = 0; i < h.length; i++) {
    const v = h[i]!;
    const sign = v & 0x8000 ? -1 : 1;
    const exp = (v >> 10) & 0x1f;
    const frac = v & 0x3ff;
    if (exp === 0) out[i] = sign * 2 ** -14 * (frac / 1024);
    else if (exp === 31) out[i] = frac ? NaN : sign * Infinity;
    else out[i] = sign * 2 ** (exp - 15) * (1 + frac / 1024);
  }
  return out;
}
