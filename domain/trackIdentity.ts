/**
 * The tracker's appearance gates: the dlib-embedding cosine a detection must reach to be associated with a track,
 * by face width. Measured by `bench/calibrateTracking.ts` on LFW's development half (../shared/data/lfw-dev): faces
 * scaled to each width, 1080p mosaics through H.264 CRF 30, the analysis' own landmarks, alignment and embedding.
 * Pure data and interpolation, so the worker, main and the README quote one table.
 *
 * - `track`: every motion association (IoU with the prediction, a gap of up to `maxGapSeconds`): as strict as it can
 *   be without splitting more than 1 % of next-frame pairs of one face, and no stricter than rejecting 95 % of
 *   different people (real frames of a face differ more than these re-rendered photos — expression, turns, blur —
 *   so a gate far above the different-person range would only split real tracks). What share of different people
 *   it still lets through is `trackFalseAccept`: the motion model must agree too, so that is not the tracker's
 *   false-association rate, and at 16–20 px, where it is high, appearance can hardly tell people apart at all.
 * - `rejoin`: a track unseen for longer (up to `rejoinSeconds`) is re-joined by appearance alone within a widening
 *   spatial gate: 1 % of different-person pairs reach it.
 * - `cut`: across a shot cut, appearance is all there is: 0.1 % of different-person pairs reach it. A post-cut
 *   track that reaches it is *linked* to the pre-cut track (same person), never joined: no track crosses a cut.
 *
 * Small faces carry little identity: at 16–20 px two photos of one person are hardly closer than two people (the
 * `sameMedian` column), so re-joins and cut links of small faces are rare by design, and said so.
 */

export interface IdentityBand {
  /** Face width (frame px) the row was measured at. */
  readonly width: number;
  readonly track: number;
  readonly rejoin: number;
  readonly cut: number;
  /** Measured rates at these thresholds (for the README and the run record). */
  readonly trackFalseSplit: number;
  readonly trackFalseAccept: number;
  readonly rejoinFalseAccept: number;
  readonly rejoinSameAccept: number;
  readonly cutFalseAccept: number;
  readonly cutSameAccept: number;
  /** Medians of the three pair kinds. */
  readonly nextMedian: number;
  readonly sameMedian: number;
  readonly differentMedian: number;
}

export const IDENTITY_GATES_SOURCE =
  'bench/calibrateTracking.ts: LFW dev half, 300 people × 2 photos (SSD face at full resolution), faces scaled to each width, 1080p mosaics, sub-pixel next frame, H.264 CRF 30 (libx264 veryfast), face-api landmarks on the scaled box, dlib 150 px chips, dlib embeddings';

/**
 * Measured by `node dist/bench/calibrateTracking.js --people 300` (the track gate from its raw pairs by the rule in
 * the module comment). Rates are shares of pairs: 600 next-frame pairs, 600 same-person pairs and 179,400
 * different-person pairs per width.
 */
export const IDENTITY_GATES: readonly IdentityBand[] = [
  { width: 16, track: 0.89, rejoin: 0.97, cut: 0.98, trackFalseSplit: 0.01, trackFalseAccept: 0.788, rejoinFalseAccept: 0.01, rejoinSameAccept: 0.022, cutFalseAccept: 0.001, cutSameAccept: 0.003, nextMedian: 0.968, sameMedian: 0.924, differentMedian: 0.914 },
  { width: 20, track: 0.895, rejoin: 0.949, cut: 0.965, trackFalseSplit: 0.01, trackFalseAccept: 0.438, rejoinFalseAccept: 0.01, rejoinSameAccept: 0.038, cutFalseAccept: 0.001, cutSameAccept: 0.003, nextMedian: 0.982, sameMedian: 0.909, differentMedian: 0.891 },
  { width: 24, track: 0.909, rejoin: 0.94, cut: 0.959, trackFalseSplit: 0.008, trackFalseAccept: 0.143, rejoinFalseAccept: 0.01, rejoinSameAccept: 0.105, cutFalseAccept: 0.001, cutSameAccept: 0.005, nextMedian: 0.986, sameMedian: 0.915, differentMedian: 0.882 },
  { width: 32, track: 0.907, rejoin: 0.934, cut: 0.951, trackFalseSplit: 0.008, trackFalseAccept: 0.114, rejoinFalseAccept: 0.01, rejoinSameAccept: 0.153, cutFalseAccept: 0.001, cutSameAccept: 0.023, nextMedian: 0.992, sameMedian: 0.915, differentMedian: 0.875 },
  { width: 48, track: 0.902, rejoin: 0.918, cut: 0.933, trackFalseSplit: 0, trackFalseAccept: 0.049, rejoinFalseAccept: 0.01, rejoinSameAccept: 0.757, cutFalseAccept: 0.001, cutSameAccept: 0.47, nextMedian: 0.998, sameMedian: 0.931, differentMedian: 0.855 },
  { width: 64, track: 0.898, rejoin: 0.914, cut: 0.931, trackFalseSplit: 0, trackFalseAccept: 0.048, rejoinFalseAccept: 0.01, rejoinSameAccept: 0.908, cutFalseAccept: 0.001, cutSameAccept: 0.695, nextMedian: 0.999, sameMedian: 0.939, differentMedian: 0.849 },
];

export type GateKind = 'track' | 'rejoin' | 'cut';

/**
 * The gate of `kind` for a face `width` px wide: linear in log(width) between the measured widths, constant
 * beyond them (a face wider than the widest measured one is held to that row's gate).
 */
export function identityGate(kind: GateKind, width: number, offset = 0): number {
  const rows = IDENTITY_GATES;
  const w = Math.max(1, width);
  if (w <= rows[0]!.width) return rows[0]![kind] + offset;
  for (let i = 1; i < rows.length; i++) {
    const a = rows[i - 1]!;
    const b = rows[i]!;
    if (w <= b.width) {
      const t = (Math.log(w) - Math.log(a.width)) / (Math.log(b.width) - Math.log(a.width));
      return a[kind] + t * (b[kind] - a[kind]) + offset;
    }
  }
  return rows[rows.length - 1]![kind] + offset;
}
