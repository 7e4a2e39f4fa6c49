/**
 * Which frames of a face track go into an enhancement.
 *
 * "Best N by quality" is NOT simply the N highest-quality detections: the best detections of a track tend to be
 * neighbouring frames (the person is nearest the camera for a moment), and consecutive frames of one H.264
 * GOP are largely motion-compensated copies of each other, so fusing them adds almost no information
 * (measured: workers/enhance/README.md, "16 consecutive frames … no gain" vs a clear gain for frames spread
 * across the clip). The rule, in order:
 *  1. Eligible detections: quality ≥ `minRelativeQuality` × the track's best quality (a spread must not drag in
 *     profile views or motion-blurred frames just to fill a slot).
 *  2. The eligible frame range [first, last] is cut into N equal segments; each non-empty segment contributes
 *     its best detection (quality, then the earlier frame).
 *  3. Empty segments are made up by the remaining eligible detections farthest (in frames) from those already
 *     picked, ties by quality then frame — still spreading.
 *  4. The reference frame (the grid the result lies on, and the "source" the guard compares against) is the
 *     highest-quality pick.
 * Pure and deterministic; the rule and its parameters are stored with every selection.
 */

export interface SelectableDetection {
  readonly id: number;
  readonly frame: number;
  readonly quality: number;
}

export interface SelectionRule {
  readonly name: 'best-spread';
  readonly minRelativeQuality: number;
  /** N, as recorded with a selection made by the rule ("best 8"). */
  readonly n?: number;
}

export const DEFAULT_SELECTION_RULE: SelectionRule = Object.freeze({ name: 'best-spread', minRelativeQuality: 0.5 });

export interface Selection {
  /** Picked detections in frame order. */
  readonly picks: SelectableDetection[];
  /** The reference: the highest-quality pick. */
  readonly reference: SelectableDetection;
}

function better(a: SelectableDetection, b: SelectableDetection): boolean {
  return a.quality > b.quality || (a.quality === b.quality && a.frame < b.frame);
}

export function referenceOf(picks: readonly SelectableDetection[]): SelectableDetection {
  if (picks.length === 0) throw new RangeError('no frames selected');
  return picks.reduce((best, d) => (better(d, best) ? d : best));
}

/** The best `n` detections spread across the track (see the module comment). */
export function selectBestSpread(detections: readonly SelectableDetection[], n: number, rule: SelectionRule = DEFAULT_SELECTION_RULE): Selection {
  if (!Number.isInteger(n) || n < 1) throw new RangeError('n must be a positive integer');
  if (detections.length === 0) throw new RangeError('the track has no detections');
  const top = Math.max(...detections.map((d) => d.quality));
  const eligible = detections.filter((d) => d.quality >= rule.minRelativeQuality * top).sort((a, b) => a.frame - b.frame);
  if (eligible.length <= n) return { picks: eligible, reference: referenceOf(eligible) };
  const first = eligible[0]!.frame;
  const span = eligible[eligible.length - 1]!.frame - first + 1;
  const picked = new Map<number, SelectableDetection>();
  for (let k = 0; k < n; k++) {
    const lo = first + (k * span) / n;
    const hi = first + ((k + 1) * span) / n;
    let best: SelectableDetection | undefined;
    for (const d of eligible) if (d.frame >= lo && d.frame < hi && (!best || better(d, best))) best = d;
    if (best) picked.set(best.id, best);
  }
  while (picked.size < n) {
    let choice: SelectableDetection | undefined;
    let choiceGap = -1;
    for (const d of eligible) {
      if (picked.has(d.id)) continue;
      let gap = Infinity;
      for (const p of picked.values()) gap = Math.min(gap, Math.abs(p.frame - d.frame));
      if (gap > choiceGap || (gap === choiceGap && choice && better(d, choice))) {
        choice = d;
        choiceGap = gap;
      }
    }
    picked.set(choice!.id, choice!);
  }
  const picks = [...picked.values()].sort((a, b) => a.frame - b.frame);
  return { picks, reference: referenceOf(picks) };
}
