/**
 * Anchor schemes of the candidate face detectors (manifest `candidates`), for inputs of any size: the converted
 * ONNX detectors output raw per-anchor tensors and leave anchors and decoding to the caller. The schemes are read
 * from the models' own graphs and from @vladmandic/human's pre/post-processing; tfjsGraph.test.ts checks them
 * against the TF graphs (FaceBoxes computes its anchors in-graph) and the ONNX output sizes.
 */

/** A MediaPipe/BlazeFace-style SSD level: feature stride in input pixels, anchors per cell. */
export interface MediapipeLevel {
  stride: number;
  anchorsPerCell: number;
}

/** Levels of each MediaPipe detector, in output order (anchors of level 0 first). */
export const MEDIAPIPE_LEVELS: Record<'full' | 'short' | 'back', readonly MediapipeLevel[]> = {
  /** face_detection_full_range: one 48×48 map at 192 px (stride 4), 1 anchor per cell. */
  full: [{ stride: 4, anchorsPerCell: 1 }],
  /** face_detection_short_range: 16×16 ×2 and 8×8 ×6 at 128 px. */
  short: [{ stride: 8, anchorsPerCell: 2 }, { stride: 16, anchorsPerCell: 6 }],
  /** BlazeFace back-camera model: 16×16 ×2 and 8×8 ×6 at 256 px. */
  back: [{ stride: 16, anchorsPerCell: 2 }, { stride: 32, anchorsPerCell: 6 }],
};

/**
 * Anchor centres [x, y] in input pixels, in the order of the model's anchor axis: level by level, rows of the
 * feature map top to bottom, columns left to right, then the cell's anchors (all at the cell centre; MediaPipe's
 * anchors have unit size, the regressors carry the box size). The feature map of a level is
 * ceil(H / stride) × ceil(W / stride) (TF SAME convolutions).
 */
export function mediapipeAnchors(height: number, width: number, levels: readonly MediapipeLevel[]): Float32Array {
  const out: number[] = [];
  for (const { stride, anchorsPerCell } of levels) {
    const rows = Math.ceil(height / stride);
    const cols = Math.ceil(width / stride);
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) for (let a = 0; a < anchorsPerCell; a++) out.push(stride * (c + 0.5), stride * (r + 0.5));
  }
  return Float32Array.from(out);
}

export interface MediapipeDetection {
  score: number;
  /** Box in input pixels. */
  x: number;
  y: number;
  w: number;
  h: number;
  /** Six key points in input pixels: right eye, left eye, nose tip, mouth, right ear tragion, left ear tragion (subject's sides). */
  keypoints: Array<[number, number]>;
}

/**
 * Decode one image's raw MediaPipe output rows ([A, 17] = logit, then 16 regressors: x/y offset of the box centre
 * from the anchor, box width, height, six key points as x/y offsets from the anchor, all in input pixels).
 * Scores are sigmoid(logit) with the logit clipped to ±100 as MediaPipe does. Returns the anchors above `minScore`
 * (no NMS).
 */
export function decodeMediapipe(raw: Float32Array, anchors: Float32Array, minScore: number): MediapipeDetection[] {
  const n = anchors.length / 2;
  if (raw.length !== n * 17) throw new RangeError(`decodeMediapipe: ${raw.length / 17} rows for ${n} anchors`);
  const out: MediapipeDetection[] = [];
  for (let i = 0; i < n; i++) {
    const o = i * 17;
    const logit = Math.max(-100, Math.min(100, raw[o]!));
    const score = 1 / (1 + Math.exp(-logit));
    if (score < minScore) continue;
    const ax = anchors[2 * i]!, ay = anchors[2 * i + 1]!;
    const cx = ax + raw[o + 1]!, cy = ay + raw[o + 2]!;
    const w = raw[o + 3]!, h = raw[o + 4]!;
    const keypoints: Array<[number, number]> = [];
    for (let k = 0; k < 6; k++) keypoints.push([ax + raw[o + 5 + 2 * k]!, ay + raw[o + 6 + 2 * k]!]);
    out.push({ score, x: cx - w / 2, y: cy - h / 2, w, h, keypoints });
  }
  return out;
}

/** FaceBoxes (TropComplique): per feature level, its stride and the (scale, density) of its anchors. */
export const FACEBOXES_LEVELS: ReadonlyArray<{ stride: number; anchors: ReadonlyArray<{ scale: number; density: number }> }> = [
  { stride: 32, anchors: [{ scale: 32, density: 4 }, { scale: 64, density: 2 }, { scale: 128, density: 1 }] },
  { stride: 64, anchors: [{ scale: 256, density: 1 }] },
  { stride: 128, anchors: [{ scale: 512, density: 1 }] },
];

/** The FaceBoxes graph pads its input (bottom/right, zeros) to a multiple of this. */
export const FACEBOXES_PAD_MULTIPLE = 128;

/**
 * FaceBoxes anchors for an input of `height × width` pixels, as the graph computes them: boxes
 * [ymin, xmin, ymax, xmax] as fractions of the padded input (a multiple of 128 each way), clipped to [0, 1].
 * Order: level by level; rows, columns; the cell's anchors spec by spec, a density-n spec giving n×n square anchors
 * of side `scale` centred at stride·(r + ½) + (i − (n − 1)/2)·scale/n, columns (x) outer, rows (y) inner.
 */
export function faceboxesAnchors(height: number, width: number): { anchors: Float32Array; paddedHeight: number; paddedWidth: number } {
  const ph = Math.ceil(height / FACEBOXES_PAD_MULTIPLE) * FACEBOXES_PAD_MULTIPLE;
  const pw = Math.ceil(width / FACEBOXES_PAD_MULTIPLE) * FACEBOXES_PAD_MULTIPLE;
  const out: number[] = [];
  const clip = (v: number) => Math.min(1, Math.max(0, v));
  for (const level of FACEBOXES_LEVELS) {
    const rows = ph / level.stride;
    const cols = pw / level.stride;
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) {
      for (const { scale, density: n } of level.anchors) {
        for (let j = 0; j < n; j++) for (let i = 0; i < n; i++) {
          const cy = level.stride * (r + 0.5) + (i - (n - 1) / 2) * (scale / n);
          const cx = level.stride * (c + 0.5) + (j - (n - 1) / 2) * (scale / n);
          out.push(clip((cy - scale / 2) / ph), clip((cx - scale / 2) / pw), clip((cy + scale / 2) / ph), clip((cx + scale / 2) / pw));
        }
      }
    }
  }
  return { anchors: Float32Array.from(out), paddedHeight: ph, paddedWidth: pw };
}

/**
 * The graph's SSD box decoding (scale factors 10, 10, 5, 5; the graph stores their reciprocals as float16, hence
 * the exact constants), clipped to [0, 1] of the padded input, then re-expressed as fractions of the original
 * `height × width` and clipped again. `encodings` is one image's [A, 4] (ty, tx, th, tw) output.
 * Returns [ymin, xmin, ymax, xmax] per anchor; the face probability is scores[a·2 + 1].
 */
export function decodeFaceboxes(encodings: Float32Array, anchors: Float32Array, height: number, width: number, paddedHeight: number, paddedWidth: number): Float32Array {
  const n = anchors.length / 4;
  if (encodings.length !== n * 4) throw new RangeError(`decodeFaceboxes: ${encodings.length / 4} encodings for ${n} anchors`);
  const f = Math.fround;
  const inv10 = 0.0999755859375; // float16(1/10)
  const inv5 = 0.199951171875; // float16(1/5)
  const out = new Float32Array(n * 4);
  const clip = (v: number) => Math.min(1, Math.max(0, v));
  const sy = height / paddedHeight, sx = width / paddedWidth;
  for (let a = 0; a < n; a++) {
    const [ymin, xmin, ymax, xmax] = [anchors[4 * a]!, anchors[4 * a + 1]!, anchors[4 * a + 2]!, anchors[4 * a + 3]!];
    const ha = f(ymax - ymin), wa = f(xmax - xmin);
    const yca = f(ymin + f(0.5 * ha)), xca = f(xmin + f(0.5 * wa));
    const ty = f(encodings[4 * a]! * inv10), tx = f(encodings[4 * a + 1]! * inv10);
    const th = f(encodings[4 * a + 2]! * inv5), tw = f(encodings[4 * a + 3]! * inv5);
    const h = f(f(Math.exp(th)) * ha), w = f(f(Math.exp(tw)) * wa);
    const yc = f(f(ty * ha) + yca), xc = f(f(tx * wa) + xca);
    const box = [f(yc - f(0.5 * h)), f(xc - f(0.5 * w)), f(yc + f(0.5 * h)), f(xc + f(0.5 * w))];
    out[4 * a] = clip(clip(box[0]!) / sy);
    out[4 * a + 1] = clip(clip(box[1]!) / sx);
    out[4 * a + 2] = clip(clip(box[2]!) / sy);
    out[4 * a + 3] = clip(clip(box[3]!) / sx);
  }
  return out;
}
