/**
 * The recognisers identification can use, behind one shape: how a face is aligned for the network (chip size and
 * five-point template), how pixels are fed, and the L2-normalised embedding that comes out, so the dot product
 * of two embeddings is their cosine.
 *
 *  - `faceres` (manifest `identity-embedder`): HSE FaceRes, a MobileNet trained for identification on VGGFace2,
 *    1024-d. Chosen for identification by measurement (README "Identification": lfw-dev, 20–48 px faces through
 *    H.264); fed BGR minus the ImageNet means, the convention of its upstream code, which measured better than
 *    @vladmandic/human's RGB 0..255 on lfw-dev colour photos (see FACERES_INPUT). Its chip is a 224 px square
 *    whose five-point template reproduces @vladmandic/human's crop (1.4× the detector box, centred), measured
 *    on lfw-dev (FACERES_TEMPLATE_224), so alignment does the job the box did there without the box's jitter.
 *  - `dlib` (manifest `face-embedder`): the 128-d ResNet the analysis and the identity guard use; kept here for
 *    the benchmark's comparison and score fusion.
 */
import type { Point } from '../image/geometry';
import { alignFace, dlibTemplate, type Landmarks5 } from '../faces/align';
import { embedFaces, l2Normalize } from '../faces/embed';
import { convertChannels, type Image } from '../image/image';
import { runModel } from '../inference/session';

export type RecognizerId = 'faceres' | 'dlib';
export const RECOGNIZER_IDS: readonly RecognizerId[] = ['faceres', 'dlib'];

export interface Recognizer {
  readonly id: RecognizerId;
  /** The manifest id of the network (its SHA-256 is recorded with every embedding). */
  readonly modelId: string;
  readonly dim: number;
  readonly chipSize: number;
  /** Five landmarks (image-left eye, image-right eye, nose tip, mouth corners) in chip pixels. */
  readonly template: Landmarks5;
  /** What a report says about the crop and the input convention. */
  readonly describe: string;
  /** Embed aligned chips (chipSize², RGB in [0, 1]); L2-normalised. */
  embed(chips: readonly Image[]): Promise<Float32Array[]>;
}

/**
 * Mean landmark positions in @vladmandic/human's faceres crop (a square 1.4× the larger side of the detector box,
 * centred on it, resized to 224), measured with this app's detector and landmark network on 300 clean lfw-dev
 * photos (150 people × 2); used as the alignment template so every face is framed
 * the way the network was fed.
 */
export const FACERES_TEMPLATE_224: Landmarks5 = [
  [83.9, 87.9],
  [139.6, 87.1],
  [112.5, 121.2],
  [89.4, 150.2],
  [137.0, 149.9],
] as unknown as Landmarks5;

/** HSE's Keras 'caffe' preprocessing: BGR order, ImageNet channel means subtracted, no scaling. */
const BGR_MEANS = [103.939, 116.779, 123.68] as const;

/** 'caffe' (upstream) or 'rgb255' (@vladmandic/human); chosen on lfw-dev (README "Identification"). */
export type FaceresInput = 'caffe' | 'rgb255';
export const FACERES_INPUT: FaceresInput = 'caffe';

const FACERES_DIM = 1024;
const FACERES_BATCH = 8;

function faceresTensor(chips: readonly Image[], input: FaceresInput): Float32Array {
  const n = 224 * 224;
  const out = new Float32Array(chips.length * n * 3);
  chips.forEach((chip0, k) => {
    const chip = convertChannels(chip0, 3);
    if (chip.width !== 224 || chip.height !== 224) throw new RangeError('faceres chips are 224×224');
    const off = k * n * 3;
    for (let p = 0; p < n; p++) {
      const r = chip.data[p * 3]! * 255;
      const g = chip.data[p * 3 + 1]! * 255;
      const b = chip.data[p * 3 + 2]! * 255;
      if (input === 'caffe') {
        out[off + p * 3] = b - BGR_MEANS[0];
        out[off + p * 3 + 1] = g - BGR_MEANS[1];
        out[off + p * 3 + 2] = r - BGR_MEANS[2];
      } else {
        out[off + p * 3] = r;
        out[off + p * 3 + 1] = g;
        out[off + p * 3 + 2] = b;
      }
    }
  });
  return out;
}

export function faceresRecognizer(input: FaceresInput = FACERES_INPUT, template: Landmarks5 = FACERES_TEMPLATE_224): Recognizer {
  return {
    id: 'faceres',
    modelId: 'identity-embedder',
    dim: FACERES_DIM,
    chipSize: 224,
    template,
    describe: `HSE FaceRes 1024-d on a 224 px chip aligned by five landmarks to @vladmandic/human's crop; input ${input === 'caffe' ? 'BGR minus ImageNet means (upstream convention)' : 'RGB 0..255 (@vladmandic/human convention)'}`,
    async embed(chips) {
      const out: Float32Array[] = [];
      for (let s = 0; s < chips.length; s += FACERES_BATCH) {
        const chunk = chips.slice(s, s + FACERES_BATCH);
        const desc = (await runModel('identity-embedder', faceresTensor(chunk, input), [chunk.length, 224, 224, 3])).descriptor!.data as Float32Array;
        for (let i = 0; i < chunk.length; i++) out.push(l2Normalize(desc.slice(i * FACERES_DIM, (i + 1) * FACERES_DIM)));
      }
      return out;
    },
  };
}

export function dlibRecognizer(): Recognizer {
  return {
    id: 'dlib',
    modelId: 'face-embedder',
    dim: 128,
    chipSize: 150,
    template: dlibTemplate(150),
    describe: 'dlib ResNet-29 128-d on its 150 px chip (dlib five-point template, 25 % padding)',
    embed: (chips) => embedFaces(chips),
  };
}

export function recognizer(id: RecognizerId): Recognizer {
  return id === 'faceres' ? faceresRecognizer() : dlibRecognizer();
}

/** The aligned chip of a face for a recogniser: one similarity warp from the image (bilinear). */
export function chipFor(r: Recognizer, image: Image, landmarks: Landmarks5): { chip: Image; residual: number } {
  const a = alignFace(convertChannels(image, 3), landmarks, r.chipSize, r.template);
  return { chip: a.crop, residual: a.residual };
}

/** Mean of points (for template measurement). */
export function meanPoints(sets: ReadonlyArray<readonly Point[]>): Point[] {
  const n = sets[0]?.length ?? 0;
  return Array.from({ length: n }, (_, i) => [sets.reduce((s, p) => s + p[i]![0], 0) / sets.length, sets.reduce((s, p) => s + p[i]![1], 0) / sets.length] as Point);
}
