/**
 * Is a redacted bystander unrecognisable to the face recogniser? On the 50 ORL fixture portraits (10 people × 5;
 * testing/fixtures/orl), each enlarged ×2 on a 512 px scene (face ≈ 120 px: easier to recognise than any
 * surveillance face), the detector finds the face, the dlib descriptor (workers/faces/embed.ts) embeds it, the
 * app's redaction covers the detected box, and the redacted face is embedded again — aligned on the ORIGINAL
 * landmarks, the attacker's best case (the redacted face itself gives none). Stated thresholds:
 *  - the redacted face does not match its own original at the equal-error threshold of the identity calibration
 *    (calibrated similarity ≤ 0.552, domain/identity.ts), let alone at the guard's 0.7;
 *  - identification of redacted faces against the other 49 unredacted portraits is near chance (rank-1 ≤ 25 %;
 *    chance is 4/49 ≈ 8 %), where the unredacted faces are identified ≥ 80 %.
 * Plus unit checks of the pixel operation: nothing outside the grown box changes; deterministic.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installModels } from '../../models/install';
import { faceImages, FIXTURE_FACES } from '../../testing/faces';
import { createImage, fromBytes, readImage, resizeBilinear, toBytes, type Image } from '../../workers/image/image';
import { releaseAll } from '../../workers/inference/session';
import { alignFace, dlibTemplate, type Landmarks5 } from '../../workers/faces/align';
import { detectFaces } from '../../workers/faces/detect';
import { cosineSimilarity, embedFaces } from '../../workers/faces/embed';
import { IDENTITY_CALIBRATION, identitySimilarity } from '../../domain/identity';
import { DEFAULT_REDACTION, grownBox } from '../../domain/redaction';
import { redactPixels } from './apply';

function onScene(face: Image, scale: number): Image {
  const w = Math.round(face.width * scale);
  const h = Math.round(face.height * scale);
  const f = resizeBilinear(face, w, h);
  const scene = createImage(512, 512, 3, 0.45);
  const x0 = (512 - w) >> 1;
  const y0 = (512 - h) >> 1;
  for (let y = 0; y < h; y++) scene.data.set(f.data.subarray(y * w * 3, (y + 1) * w * 3), ((y0 + y) * 512 + x0) * 3);
  return scene;
}

describe('redaction against the face recogniser (ORL fixtures)', () => {
  const people: number[] = [];
  const originals: Float32Array[] = [];
  const redacted: Float32Array[] = [];

  beforeAll(async () => {
    await installModels({ log: () => {} });
    const aligned: Image[] = [];
    const alignedRedacted: Image[] = [];
    for (const f of faceImages(FIXTURE_FACES)) {
      const scene = onScene(await readImage(f.file, 3), 2);
      const [det] = await detectFaces(scene);
      expect(det, `a face in s${f.person}/${f.index}`).toBeDefined();
      const lm = det!.landmarks5 as Landmarks5;
      aligned.push(alignFace(scene, lm, 150, dlibTemplate(150)).crop);
      const bytes = toBytes(scene);
      redactPixels(bytes, scene.width, scene.height, 3, [det!.box]);
      alignedRedacted.push(alignFace(fromBytes(bytes, scene.width, scene.height, 3), lm, 150, dlibTemplate(150)).crop);
      people.push(f.person);
    }
    originals.push(...(await embedFaces(aligned)));
    redacted.push(...(await embedFaces(alignedRedacted)));
  }, 300_000);

  afterAll(async () => {
    await releaseAll();
  });

  it('leaves no redacted face matching its own original (calibrated similarity ≤ the EER threshold)', () => {
    const sims = originals.map((o, i) => identitySimilarity(cosineSimilarity(o, redacted[i]!)));
    const cos = originals.map((o, i) => cosineSimilarity(o, redacted[i]!));
    const max = Math.max(...sims);
    const mean = sims.reduce((a, b) => a + b, 0) / sims.length;
    console.log(
      `[redaction] ${sims.length} ORL faces, redacted vs own original: calibrated similarity mean ${mean.toFixed(3)}, max ${max.toFixed(3)} (cosine max ${Math.max(...cos).toFixed(4)}); EER threshold ${IDENTITY_CALIBRATION.eerSimilarity}, guard 0.7`,
    );
    expect(max).toBeLessThanOrEqual(IDENTITY_CALIBRATION.eerSimilarity);
  });

  it('makes identification against the other portraits near chance', () => {
    const rank1 = (probes: Float32Array[]): number => {
      let hits = 0;
      probes.forEach((p, i) => {
        let best = -2;
        let who = -1;
        originals.forEach((g, j) => {
          if (j === i) return;
          const s = cosineSimilarity(p, g);
          if (s > best) [best, who] = [s, people[j]!];
        });
        if (who === people[i]) hits++;
      });
      return hits / probes.length;
    };
    const before = rank1(originals);
    const after = rank1(redacted);
    console.log(`[redaction] rank-1 identification among the other 49 portraits: unredacted ${(before * 100).toFixed(0)} %, redacted ${(after * 100).toFixed(0)} % (chance ≈ 8 %)`);
    expect(before).toBeGreaterThanOrEqual(0.8);
    expect(after).toBeLessThanOrEqual(0.25);
  });

  it('changes nothing outside the grown box, and gives the same bytes every time', () => {
    const w = 64;
    const h = 48;
    const src = Buffer.alloc(w * h * 3);
    for (let i = 0; i < src.length; i++) src[i] = (i * 37) % 251;
    const box = { x: 20, y: 10, w: 16, h: 20 };
    const a = Buffer.from(src);
    const b = Buffer.from(src);
    const covered = redactPixels(a, w, h, 3, [box]);
    redactPixels(b, w, h, 3, [box]);
    expect(a.equals(b)).toBe(true);
    const g = grownBox(box, DEFAULT_REDACTION);
    let changedInside = 0;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const inside = x >= Math.floor(g.x) && x < Math.ceil(g.x + g.w) && y >= Math.floor(g.y) && y < Math.ceil(g.y + g.h);
        for (let k = 0; k < 3; k++) {
          const o = (y * w + x) * 3 + k;
          if (!inside) expect(a[o]).toBe(src[o]);
          else if (a[o] !== src[o]) changedInside++;
        }
      }
    }
    expect(covered).toBe((Math.ceil(g.x + g.w) - Math.floor(g.x)) * (Math.ceil(g.y + g.h) - Math.floor(g.y)));
    expect(changedInside).toBeGreaterThan(covered * 3 * 0.8);
    // A box beyond the frame's edge is clipped, not an error.
    expect(redactPixels(Buffer.from(src), w, h, 3, [{ x: -30, y: -30, w: 40, h: 40 }])).toBeGreaterThan(0);
    expect(redactPixels(Buffer.from(src), w, h, 3, [{ x: 500, y: 500, w: 10, h: 10 }])).toBe(0);
  });
});
