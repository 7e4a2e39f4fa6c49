import { describe, expect, it } from 'vitest';
import { buildMatrix, scoreAll, scoreAllNaive, topPeople } from './search';
import { GalleryIndex, simdAvailable } from './searchIndex';

function unit(dim: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const v = new Float32Array(dim);
  let n = 0;
  for (let i = 0; i < dim; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    v[i] = s / 4294967296 - 0.5;
    n += v[i]! * v[i]!;
  }
  return v.map((x) => x / Math.sqrt(n));
}

describe('1:N search', () => {
  const rows = Array.from({ length: 300 }, (_, i) => ({ personId: 1 + Math.floor(i / 3), referenceId: 1000 + i, embedding: unit(1027, i + 1) }));
  const m = buildMatrix(rows);

  it('scores every row as the plain dot product does (odd dimension: the unrolled tail too)', () => {
    const q = unit(1027, 9999);
    const a = scoreAll(m, q);
    const b = scoreAllNaive(m, q);
    for (let i = 0; i < m.count; i++) expect(a[i]).toBeCloseTo(b[i]!, 5);
  });

  it('returns the top people by their best reference, best first', () => {
    const q = rows[151]!.embedding; // person 51's second reference
    const top = topPeople(m, q, 5);
    expect(top[0]).toMatchObject({ personId: 51, referenceId: 1151 });
    expect(top[0]!.score).toBeCloseTo(1, 5);
    expect(new Set(top.map((t) => t.personId)).size).toBe(5);
    expect(top.every((t, i) => i === 0 || t.score <= top[i - 1]!.score)).toBe(true);
    expect(topPeople(m, q, 0)).toEqual([]);
    expect(() => scoreAll(m, new Float32Array(5))).toThrow(/5 dimensions, the gallery 1027/);
  });

  it('the 8-bit SIMD index returns the exact scan\'s people, references and scores; other sizes fall back to the exact scan', () => {
    expect(simdAvailable()).toBe(true);
    const rows16 = Array.from({ length: 2000 }, (_, i) => ({ personId: 1 + Math.floor(i / 4), referenceId: i + 1, embedding: unit(1024, i + 7) }));
    const m16 = buildMatrix(rows16);
    const idx = new GalleryIndex(m16);
    expect(idx.accelerated).toBe(true);
    for (const q of [unit(1024, 1), unit(1024, 2), rows16[999]!.embedding]) {
      const a = idx.search(q, 10);
      const b = topPeople(m16, q, 10);
      expect(a.map((h) => [h.personId, h.referenceId])).toEqual(b.map((h) => [h.personId, h.referenceId]));
      a.forEach((h, i) => expect(h.score).toBeCloseTo(b[i]!.score, 5));
    }
    expect(new GalleryIndex(rows).accelerated).toBe(false);
    expect(new GalleryIndex(rows).search(rows[151]!.embedding, 1)[0]!.personId).toBe(51);
  });
});
