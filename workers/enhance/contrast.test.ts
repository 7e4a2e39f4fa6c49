import { describe, expect, it } from 'vitest';
import { createImage, type Image } from '../image/image';
import { exposureStats } from '../image/filters';
import { clahe, linearStretch } from './contrast';

/** A dull, low-contrast gradient in [0.4, 0.6] with one brighter patch. */
function dull(ch: 1 | 3 = 1): Image {
  const img = createImage(40, 32, ch);
  for (let y = 0; y < 32; y++) for (let x = 0; x < 40; x++) {
    const v = 0.4 + 0.2 * (x / 39) + (x > 25 && y > 20 ? 0.05 : 0);
    for (let c = 0; c < ch; c++) img.data[(y * 40 + x) * ch + c] = ch === 3 ? v * [1, 0.9, 0.8][c]! : v;
  }
  return img;
}

describe('linearStretch', () => {
  it('maps the stated percentiles to 0 and 1 and reports the levels it used', () => {
    const r = linearStretch(dull(), { lowPercentile: 0, highPercentile: 1 });
    const st = exposureStats(r.image);
    expect(st.min).toBeCloseTo(0, 5);
    expect(st.max).toBeCloseTo(1, 5);
    expect(r.measurements?.low).toBeCloseTo(0.4, 5);
    expect(r.step.params).toEqual({ lowPercentile: 0, highPercentile: 1 });
  });

  it('is monotonic and applies one gain to all channels', () => {
    const src = dull(3);
    const r = linearStretch(src);
    for (let i = 3; i < src.data.length; i += 3) {
      if (src.data[i]! > src.data[i - 3]!) expect(r.image.data[i]!).toBeGreaterThanOrEqual(r.image.data[i - 3]!);
    }
    expect(() => linearStretch(src, { lowPercentile: 0.5, highPercentile: 0.5 })).toThrow(RangeError);
  });
});

describe('clahe', () => {
  it('raises local contrast within [0, 1], more with a higher clip limit', () => {
    const src = dull();
    const mild = clahe(src, { clipLimit: 1.5 });
    const strong = clahe(src, { clipLimit: 4 });
    const s0 = exposureStats(src).std;
    const s1 = exposureStats(mild.image).std;
    const s2 = exposureStats(strong.image).std;
    expect(s1).toBeGreaterThan(s0);
    expect(s2).toBeGreaterThan(s1);
    for (const v of strong.image.data) {
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThanOrEqual(1);
    }
    expect(strong.step.params).toMatchObject({ tilesX: 4, tilesY: 4, clipLimit: 4, bins: 256 });
  });

  it('is monotonic within a tile and keeps the channel offsets of colour images', () => {
    const src = dull();
    const r = clahe(src, { clipLimit: 3, tilesX: 1, tilesY: 1 });
    for (let x = 1; x < 40; x++) expect(r.image.data[5 * 40 + x]!).toBeGreaterThanOrEqual(r.image.data[5 * 40 + x - 1]!);
    const rgb = clahe(dull(3), { clipLimit: 3 }).image;
    const src3 = dull(3);
    const i = (10 * 40 + 10) * 3;
    expect(rgb.data[i]! - rgb.data[i + 2]!).toBeCloseTo(src3.data[i]! - src3.data[i + 2]!, 5);
  });
});
