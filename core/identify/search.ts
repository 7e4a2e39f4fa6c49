/**
 * 1:N search: one L2-normalised template against a gallery matrix (all references, row-major float32), best
 * reference per person, top K people. A plain scan, with the dot product unrolled ×8 so V8 keeps eight
 * independent accumulators in registers; `npm run bench -- identify` times it at 10,000 and 100,000 entries next
 * to a naive loop.
 */

export interface GalleryMatrix {
  readonly dim: number;
  readonly count: number;
  /** count × dim, row-major. */
  readonly data: Float32Array;
  /** Per row: the person it belongs to (any integer id) and its reference id. */
  readonly personIds: Int32Array;
  readonly referenceIds: Int32Array;
}

export function buildMatrix(rows: ReadonlyArray<{ personId: number; referenceId: number; embedding: Float32Array }>, dim?: number): GalleryMatrix {
  const d = dim ?? rows[0]?.embedding.length ?? 0;
  const data = new Float32Array(rows.length * d);
  const personIds = new Int32Array(rows.length);
  const referenceIds = new Int32Array(rows.length);
  rows.forEach((r, i) => {
    if (r.embedding.length !== d) throw new RangeError(`reference ${r.referenceId} has ${r.embedding.length} dimensions, expected ${d}`);
    data.set(r.embedding, i * d);
    personIds[i] = r.personId;
    referenceIds[i] = r.referenceId;
  });
  return { dim: d, count: rows.length, data, personIds, referenceIds };
}

/** Scores of `query` against every row (dot products), ×8 unrolled. */
export function scoreAll(m: GalleryMatrix, query: Float32Array, out: Float32Array = new Float32Array(m.count)): Float32Array {
  const d = m.dim;
  if (query.length !== d) throw new RangeError(`query has ${query.length} dimensions, the gallery ${d}`);
  const data = m.data;
  const tail = d - (d % 8);
  for (let r = 0; r < m.count; r++) {
    const o = r * d;
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
    for (let k = 0; k < tail; k += 8) {
      s0 += data[o + k]! * query[k]!;
      s1 += data[o + k + 1]! * query[k + 1]!;
      s2 += data[o + k + 2]! * query[k + 2]!;
      s3 += data[o + k + 3]! * query[k + 3]!;
      s4 += data[o + k + 4]! * query[k + 4]!;
      s5 += data[o + k + 5]! * query[k + 5]!;
      s6 += data[o + k + 6]! * query[k + 6]!;
      s7 += data[o + k + 7]! * query[k + 7]!;
    }
    let s = s0 + s1 + s2 + s3 + s4 + s5 + s6 + s7;
    for (let k = tail; k < d; k++) s += data[o + k]! * query[k]!;
    out[r] = s;
  }
  return out;
}

/** The baseline: the same scores by a plain loop (bench only). */
export function scoreAllNaive(m: GalleryMatrix, query: Float32Array): Float32Array {
  const out = new Float32Array(m.count);
  for (let r = 0; r < m.count; r++) {
    let s = 0;
    for (let k = 0; k < m.dim; k++) s += m.data[r * m.dim + k]! * query[k]!;
    out[r] = s;
  }
  return out;
}

export interface PersonHit {
  readonly personId: number;
  readonly referenceId: number;
  readonly score: number;
}

/**
 * Top `k` people by their best reference among `rows`, scored by `score(row)` (ties: lower person id first, so
 * results are stable). The exact scan and the index's shortlist both end here.
 */
export function bestPeople(m: GalleryMatrix, rows: Iterable<number>, score: (row: number) => number, k: number): PersonHit[] {
  const best = new Map<number, { r: number; s: number }>();
  for (const r of rows) {
    const p = m.personIds[r]!;
    const s = score(r);
    const b = best.get(p);
    if (!b || s > b.s) best.set(p, { r, s });
  }
  return [...best.entries()]
    .map(([personId, b]) => ({ personId, referenceId: m.referenceIds[b.r]!, score: b.s }))
    .sort((a, b) => b.score - a.score || a.personId - b.personId)
    .slice(0, Math.max(0, k));
}

/** Top `k` people by their best reference's score over the whole gallery. */
export function topPeople(m: GalleryMatrix, query: Float32Array, k: number): PersonHit[] {
  const scores = scoreAll(m, query);
  return bestPeople(m, m.personIds.keys(), (r) => scores[r]!, k);
}
