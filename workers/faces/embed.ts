/**
 * Face embeddings: dlib's ResNet-29 descriptor on a 150×150 aligned chip (see alignFace), L2-normalised so that
 * the dot product of two embeddings is their cosine similarity. dlib's own rule of thumb (Euclidean distance
 * 0.6 between raw descriptors) does not apply after normalisation; compare with `cosineSimilarity`.
 */
import { resizeBilinear, type Image } from '../image/image';
import { runModel } from '../inference/session';
import { toNhwcBatch } from './tensor';

export const EMBEDDER_ID = 'face-embedder';
export const EMBEDDER_INPUT_SIZE = 150;
export const EMBEDDING_DIM = 128;
const BATCH = 16;

/** Embed one aligned crop (resized to 150×150 if it is not already; grey crops are replicated to RGB). */
export async function embedFace(alignedCrop: Image): Promise<Float32Array> {
  const [e] = await embedFaces([alignedCrop]);
  return e!;
}

/** Embed many aligned crops, batched through the network. */
export async function embedFaces(crops: readonly Image[]): Promise<Float32Array[]> {
  const sized = crops.map((c) => (c.width === EMBEDDER_INPUT_SIZE && c.height === EMBEDDER_INPUT_SIZE ? c : resizeBilinear(c, EMBEDDER_INPUT_SIZE, EMBEDDER_INPUT_SIZE)));
  const out: Float32Array[] = [];
  for (let s = 0; s < sized.length; s += BATCH) {
    const chunk = sized.slice(s, s + BATCH);
    const { data, dims } = toNhwcBatch(chunk, 255);
    const desc = (await runModel(EMBEDDER_ID, data, dims)).descriptor!.data as Float32Array;
    for (let i = 0; i < chunk.length; i++) out.push(l2Normalize(desc.slice(i * EMBEDDING_DIM, (i + 1) * EMBEDDING_DIM)));
  }
  return out;
}

export function l2Normalize(v: Float32Array): Float32Array {
  let s = 0;
  for (const x of v) s += x * x;
  const n = Math.sqrt(s) || 1;
  return v.map((x) => x / n);
}

/** Cosine similarity of two L2-normalised embeddings (their dot product), in [-1, 1]. */
export function cosineSimilarity(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new RangeError('embedding lengths differ');
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}
