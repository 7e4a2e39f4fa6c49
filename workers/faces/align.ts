/**
 * Face alignment: a similarity transform (rotation, uniform scale, translation) that puts the five landmarks
 * onto the canonical template the recognizer was trained with, then a bilinear warp to the crop.
 */
import { estimateSimilarity, type Point } from '../image/geometry';
import { invertAffine, warpAffine, type Affine, type Image } from '../image/image';

/** Five landmarks in source pixels: image-left eye, image-right eye, nose tip, image-left mouth corner, image-right mouth corner. */
export type Landmarks5 = readonly [Point, Point, Point, Point, Point];

/**
 * dlib's mean face (get_face_chip_details, points 17–67 in unit face box coordinates, Boost licence). The
 * recognizer was trained on chips made from this shape with 25% padding at 150 px, so the template is taken
 * from it: eye centres are the means of the six eye-contour points, nose tip is point 30, mouth corners 48/54.
 */
const DLIB_MEAN_X = [0.000213256, 0.0752622, 0.18113, 0.29077, 0.393397, 0.586856, 0.689483, 0.799124, 0.904991, 0.98004, 0.490127, 0.490127, 0.490127, 0.490127, 0.36688, 0.426036, 0.490127, 0.554217, 0.613373, 0.121737, 0.187122, 0.265825, 0.334606, 0.260918, 0.182743, 0.645647, 0.714428, 0.793132, 0.858516, 0.79751, 0.719335, 0.254149, 0.340985, 0.428858, 0.490127, 0.551395, 0.639268, 0.726104, 0.642159, 0.556721, 0.490127, 0.423532, 0.338094, 0.290379, 0.428096, 0.490127, 0.552157, 0.689874, 0.553364, 0.490127, 0.42689];
const DLIB_MEAN_Y = [0.106454, 0.038915, 0.0187482, 0.0344891, 0.0773906, 0.0773906, 0.0344891, 0.0187482, 0.038915, 0.106454, 0.203352, 0.307009, 0.409805, 0.515625, 0.587326, 0.609345, 0.628106, 0.609345, 0.587326, 0.216423, 0.178758, 0.179852, 0.231733, 0.245099, 0.244077, 0.231733, 0.179852, 0.178758, 0.216423, 0.244077, 0.245099, 0.780233, 0.745405, 0.727388, 0.742578, 0.727388, 0.745405, 0.780233, 0.864805, 0.902192, 0.909281, 0.902192, 0.864805, 0.784792, 0.778746, 0.785343, 0.778746, 0.784792, 0.824182, 0.831803, 0.824182];

function dlibPoint(i: number): Point {
  return [DLIB_MEAN_X[i - 17]!, DLIB_MEAN_Y[i - 17]!];
}

/** dlib's mean face, points 17–67 (brows, nose, eyes, mouth) in unit face-box coordinates: the shape a landmark fit is judged against. */
export function dlibMeanShape(): Point[] {
  return DLIB_MEAN_X.map((x, i) => [x, DLIB_MEAN_Y[i]!] as Point);
}

function mean(points: Point[]): Point {
  return [points.reduce((s, p) => s + p[0], 0) / points.length, points.reduce((s, p) => s + p[1], 0) / points.length];
}

/** The 5-point dlib template for a `size`-px chip with `padding` (dlib's face recognition uses 150 px, 0.25). */
export function dlibTemplate(size = 150, padding = 0.25): Landmarks5 {
  const unit: Point[] = [
    mean([36, 37, 38, 39, 40, 41].map(dlibPoint)),
    mean([42, 43, 44, 45, 46, 47].map(dlibPoint)),
    dlibPoint(30),
    dlibPoint(48),
    dlibPoint(54),
  ];
  const f = (v: number) => ((padding + v) / (2 * padding + 1)) * size;
  return unit.map(([x, y]) => [f(x), f(y)] as Point) as unknown as Landmarks5;
}

/** ArcFace / InsightFace 112×112 template, scaled to `size` (for ArcFace-family recognizers). */
export function arcfaceTemplate(size = 112): Landmarks5 {
  const t: Point[] = [[38.2946, 51.6963], [73.5318, 51.5014], [56.0252, 71.7366], [41.5493, 92.3655], [70.7299, 92.2041]];
  return t.map(([x, y]) => [(x * size) / 112, (y * size) / 112] as Point) as unknown as Landmarks5;
}

export interface AlignedFace {
  crop: Image;
  /** Forward map source pixel → crop pixel. */
  transform: Affine;
  /** Inverse map crop pixel → source pixel (what warpAffine consumed). */
  inverse: Affine;
  /** RMS distance (crop px) between the mapped landmarks and the template: large values mean a poor fit or bad landmarks. */
  residual: number;
}

/**
 * Warp the face to the recognizer's canonical chip. Default: 150 px dlib chip, the embedder's input.
 * `template` may be any 5 points in crop coordinates (e.g. `arcfaceTemplate(112)`).
 */
export function alignFace(image: Image, landmarks5: Landmarks5, size = 150, template: Landmarks5 = dlibTemplate(size)): AlignedFace {
  const transform = estimateSimilarity(landmarks5, template);
  const inverse = invertAffine(transform);
  const crop = warpAffine(image, inverse, size, size, 'clamp');
  let s = 0;
  for (let i = 0; i < 5; i++) {
    const [x, y] = landmarks5[i]!;
    const u = transform[0] * x + transform[1] * y + transform[2];
    const v = transform[3] * x + transform[4] * y + transform[5];
    s += (u - template[i]![0]) ** 2 + (v - template[i]![1]) ** 2;
  }
  return { crop, transform, inverse, residual: Math.sqrt(s / 5) };
}
