import { describe, expect, it } from 'vitest';
import { bandOf, iou4, loadLabels, scoreDetections, type Detection, type RealLabels } from './realLabels';

const tiny: RealLabels = {
  convention: 'test',
  clips: [
    {
      file: 'a.mp4',
      sha256: '0'.repeat(64),
      orientation: 'displayed',
      width: 640,
      height: 480,
      frameCount: 10,
      timeBase: '1/30000',
      frames: [
        {
          index: 3,
          pts_time: 0.1,
          md5: '',
          faces: [
            { box: [100, 100, 10, 12], difficulty: 'small' },
            { box: [300, 100, 30, 36], difficulty: 'normal' },
            { box: [500, 100, 60, 70], difficulty: 'occluded', truncated: true },
          ],
          ignore: [[0, 400, 640, 80]],
          nonFaces: [],
        },
      ],
    },
  ],
};

const det = (box: Detection['box'], score = 0.9, frame = 3, clip = 'a.mp4'): Detection => ({ clip, frame, box, score });

describe('real-clip labels', () => {
  it('load, with every box inside its frame and eight frames per clip', () => {
    const labels = loadLabels();
    expect(labels.clips.map((c) => c.file).sort()).toEqual(['hikers_handheld_openmpf.mp4', 'marathon_crowd_openmpf.mkv', 'selfie_group_rot90_openmpf.mp4']);
    for (const c of labels.clips) {
      expect(c.frames).toHaveLength(8);
      expect(c.sha256).toMatch(/^[0-9a-f]{64}$/);
      for (const f of c.frames) {
        expect(f.index).toBeLessThan(c.frameCount);
        for (const b of [...f.faces.map((x) => x.box), ...f.ignore]) {
          expect(b[0]).toBeGreaterThanOrEqual(0);
          expect(b[1]).toBeGreaterThanOrEqual(0);
          expect(b[0] + b[2]).toBeLessThanOrEqual(c.width);
          expect(b[1] + b[3]).toBeLessThanOrEqual(c.height);
        }
        for (const face of f.faces) expect(face.difficulty === 'small').toBe(face.box[2] < 20);
      }
    }
  });

  it('score the labels themselves as perfect detections', () => {
    const labels = loadLabels();
    const dets = labels.clips.flatMap((c) => c.frames.flatMap((f) => f.faces.map((x) => det(x.box, 1, f.index, c.file))));
    const s = scoreDetections(labels, dets);
    expect(s.total).toMatchObject({ tp: dets.length, fp: 0, fn: 0, precision: 1, recall: 1 });
  });
});

describe('scoreDetections', () => {
  it('counts TP, FP and FN per size band of the face (TP, FN) or of the detection (FP)', () => {
    const s = scoreDetections(tiny, [
      det([101, 101, 10, 12]), // TP small
      det([303, 104, 30, 36]), // TP 20-40
      det([200, 200, 50, 50]), // FP > 40
    ]);
    expect(s.bands['<20']).toMatchObject({ tp: 1, fp: 0, fn: 0 });
    expect(s.bands['20-40']).toMatchObject({ tp: 1, fp: 0, fn: 0 });
    expect(s.bands['>40']).toMatchObject({ tp: 0, fp: 1, fn: 1 });
    expect(s.total).toMatchObject({ tp: 2, fp: 1, fn: 1 });
    expect(s.total.precision).toBeCloseTo(2 / 3);
    expect(s.clips['a.mp4']!.total).toMatchObject({ tp: 2, fp: 1, fn: 1 });
  });

  it('takes detections best score first, one per face: a second box is a false positive on a face', () => {
    const s = scoreDetections(tiny, [det([300, 100, 30, 36], 0.5), det([302, 101, 30, 36], 0.9)]);
    expect(s.total).toMatchObject({ tp: 1, fp: 1, fn: 2, fpOnFace: 1 });
    expect(s.frames[0]!.matches[0]!.score).toBe(0.9);
  });

  it('needs IoU ≥ the threshold: a shifted box is a false positive and a miss', () => {
    const shifted: Detection['box'] = [105, 104, 10, 12];
    expect(iou4(shifted, [100, 100, 10, 12])).toBeLessThan(0.4);
    expect(scoreDetections(tiny, [det(shifted)]).total).toMatchObject({ tp: 0, fp: 1, fn: 3, fpOnFace: 1 });
    expect(scoreDetections(tiny, [det(shifted)], { iou: 0.1 }).total).toMatchObject({ tp: 1, fp: 0 });
  });

  it('drops detections inside ignore regions, below minScore, on faces treated as ignore, and on unlabelled frames', () => {
    const s = scoreDetections(
      tiny,
      [det([10, 420, 20, 20]), det([100, 100, 10, 12], 0.3), det([500, 100, 60, 70]), det([300, 100, 30, 36], 0.9, 4), det([300, 100, 30, 36], 0.9, 3, 'b.mp4')],
      { minScore: 0.4, ignoreFace: (f) => f.truncated === true },
    );
    expect(s.total).toMatchObject({ tp: 0, fp: 0, fn: 2, ignored: 2 });
  });

  it('bands by width: < 20, 20–40, > 40', () => {
    expect([19.9, 20, 40, 40.1].map((w) => bandOf(w))).toEqual(['<20', '20-40', '20-40', '>40']);
  });
});
