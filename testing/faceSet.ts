/**
 * Real reference faces for the enhancement tests and the benchmark: ORL portraits (see faces.ts) with their
 * face box and five landmarks found by the app's own detector, so studies align faces exactly as the product
 * does. The portrait is enlarged ×2 onto a 512 px mid-grey scene first: 92×112 portraits are too tight a crop
 * for the SSD detector at native size (models/README.md, working range), and ×2 is the setting at which
 * workers/faces/faces.test.ts found 200 / 200 faces.
 */
import { detectFaces, detectLandmarks, toLandmarks5, DETECTOR_SIZE, type Box } from '../workers/faces/detect';
import type { Landmarks5 } from '../workers/faces/align';
import type { Point } from '../workers/image/geometry';
import { createImage, readImage, resizeBilinear, type Channels, type Image } from '../workers/image/image';
import { faceFile } from './faces';

export interface ReferenceFace {
  readonly person: number;
  readonly index: number;
  /** The portrait at its native 92×112. */
  readonly image: Image;
  /** Face box and landmarks in portrait pixels. */
  readonly box: Box;
  readonly landmarks5: Landmarks5;
}

const cache = new Map<string, Promise<ReferenceFace>>();

async function locate(person: number, index: number, channels: Channels): Promise<ReferenceFace> {
  const image = await readImage(faceFile(person, index), channels);
  const f = 2;
  const big = resizeBilinear(image, image.width * f, image.height * f);
  const scene = createImage(DETECTOR_SIZE, DETECTOR_SIZE, image.channels, 0.45);
  const x0 = Math.round((DETECTOR_SIZE - big.width) / 2);
  const y0 = Math.round((DETECTOR_SIZE - big.height) / 2);
  const ch = image.channels;
  for (let y = 0; y < big.height; y++) scene.data.set(big.data.subarray(y * big.width * ch, (y + 1) * big.width * ch), ((y0 + y) * DETECTOR_SIZE + x0) * ch);
  const dets = (await detectFaces(scene, { minScore: 0.3 })).filter((d) => {
    const cx = d.box.x + d.box.w / 2;
    const cy = d.box.y + d.box.h / 2;
    return cx > x0 && cx < x0 + big.width && cy > y0 && cy < y0 + big.height;
  });
  let box: Box;
  let lm: Landmarks5;
  if (dets.length > 0) {
    box = dets[0]!.box;
    lm = dets[0]!.landmarks5;
  } else {
    // The detector missed (rare on ORL): landmarks in the box a portrait's face usually fills.
    box = { x: x0 + 0.15 * big.width, y: y0 + 0.15 * big.height, w: 0.7 * big.width, h: 0.75 * big.height };
    lm = toLandmarks5((await detectLandmarks(scene, [box]))[0]!);
  }
  const back = ([x, y]: Point): Point => [(x - x0 + 0.5) / f - 0.5, (y - y0 + 0.5) / f - 0.5];
  return {
    person,
    index,
    image,
    box: { x: (box.x - x0) / f, y: (box.y - y0) / f, w: box.w / f, h: box.h / f },
    landmarks5: lm.map(back) as unknown as Landmarks5,
  };
}

/** Portrait `index` of person `person` with its box and landmarks (memoised per process). */
export function referenceFace(person: number, index = 1, channels: Channels = 1): Promise<ReferenceFace> {
  const key = `${person}/${index}/${channels}`;
  let p = cache.get(key);
  if (!p) {
    p = locate(person, index, channels);
    cache.set(key, p);
  }
  return p;
}
