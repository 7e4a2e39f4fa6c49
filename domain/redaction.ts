/**
 * Bystander redaction: the method and its parameters, pure, so the core services, the CLI, the report and the
 * renderer state the same numbers. core/redaction/ applies them.
 *
 * Method: every face that is not the examiner's chosen subject is covered by its box grown by `margin` on every
 * side; the covered pixels are replaced by a mosaic of `cellsAcross` cells across the grown box (each cell the
 * mean colour of its pixels), then blurred with a Gaussian of σ = `blurSigmaCells` cells, so the mosaic's edges
 * carry no detail either. About four cells span the face itself: the eyes, nose and mouth fall into one or two
 * cells each. Strength was checked against the embedder (core/redaction/redaction.faces.test.ts): on the ORL
 * fixtures a redacted face no longer matches its own original at the identity guard's match threshold, nor at
 * the equal-error threshold.
 */
export const REDACTION_METHOD = 'mosaic+gaussian' as const;

export interface RedactionParams {
  readonly method: typeof REDACTION_METHOD;
  /** Each box is grown by this fraction of its width/height on every side (hair, chin, ears). */
  readonly margin: number;
  /** Mosaic cells across the grown box (its longer side). */
  readonly cellsAcross: number;
  /** Gaussian σ after the mosaic, in cells. */
  readonly blurSigmaCells: number;
  /** Smallest cell in pixels (a tiny face still loses all detail). */
  readonly minCellPx: number;
}

export const DEFAULT_REDACTION: RedactionParams = Object.freeze({
  method: REDACTION_METHOD,
  margin: 0.25,
  cellsAcross: 6,
  blurSigmaCells: 0.5,
  minCellPx: 3,
});

export interface RedactionBox {
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
}

/** Where a redacted region came from: an analysed detection, a box interpolated along a track, or a hand-drawn box. */
export type RedactionSource = 'detection' | 'interpolated' | 'manual';

/** The box as redacted (grown by the margin), in the same pixel space as the box. */
export function grownBox(b: RedactionBox, p: RedactionParams = DEFAULT_REDACTION): RedactionBox {
  return { x: b.x - b.w * p.margin, y: b.y - b.h * p.margin, w: b.w * (1 + 2 * p.margin), h: b.h * (1 + 2 * p.margin) };
}

/** Intersection over union of two boxes. */
export function boxIou(a: RedactionBox, b: RedactionBox): number {
  const ix = Math.max(0, Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x));
  const iy = Math.max(0, Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y));
  const inter = ix * iy;
  const union = a.w * a.h + b.w * b.h - inter;
  return union > 0 ? inter / union : 0;
}

/** Text for reports and audit entries: what was done to the covered pixels. */
export function describeRedaction(p: RedactionParams = DEFAULT_REDACTION): string {
  return `mosaic of ${p.cellsAcross} cells across each face box grown by ${Math.round(p.margin * 100)} % a side (cells at least ${p.minCellPx} px), then a Gaussian blur of σ ${p.blurSigmaCells} cell`;
}
