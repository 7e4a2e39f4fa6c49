/** Settings of the pyramid detector (detectPyramid.ts), apart so main can read the defaults without loading onnxruntime. */
export interface DetectorOptions {
  /** Minimum detector score for a box. */
  readonly minScore: number;
  /** Boxes overlapping a better one by more than this IoU are suppressed (within and across windows/levels). */
  readonly iouThreshold: number;
  /** A box lying more than this fraction inside a better-scored box is suppressed too (nested duplicates). */
  readonly containThreshold: number;
  /**
   * Widest box (detector px) a level keeps when a coarser level exists. Past ~140 px the SSD's boxes for a face
   * degrade (partial boxes, wrong aspect; 73% recall at 192 px) while the coarser level sees it at its best.
   */
  readonly maxBoxWidth: number;
  /** Windows per detector run. */
  readonly batch: number;
  readonly reuse: { readonly enabled: boolean; readonly threshold: number };
  /** Windows whose luma std (0..255) is below this are not searched. */
  readonly flatStd: number;
}

export const DEFAULT_DETECTOR_OPTIONS: DetectorOptions = {
  minScore: 0.4,
  iouThreshold: 0.4,
  containThreshold: 0.7,
  maxBoxWidth: 144,
  batch: 1,
  reuse: { enabled: true, threshold: 4 },
  flatStd: 3,
};
