/**
 * The images an export contains, made once and shared by the report and the package (so the package holds the
 * very pixels the report shows, with the same hashes): for each chosen enhancement its reference frame, every
 * input crop, the source crop and the result; each chosen frame whole. Every image is redacted (unless the
 * examiner turned redaction off, with a reason) and comes with its redaction record: which boxes, from where,
 * by which method. The originals and the derived store are only read.
 */
import fs from 'node:fs';
import type { CaseHandle } from '../case';
import { derivedPath } from '../derived';
import { getEnhancement, type Enhancement } from '../enhance/records';
import { getEvidence } from '../evidence';
import { frameInfo, getFrame, type FrameInfo } from '../frames';
import { SightlineError, throwIfAborted } from '../../domain/errors';
import { DEFAULT_REDACTION, type RedactionBox, type RedactionParams, type RedactionSource } from '../../domain/redaction';
import type { Progress } from '../../domain/progress';
import { sha256Hex } from '../../platform/hashing';
import { mapToImage, redactImage, touchesImage } from '../redaction/apply';
import { planFrameRedaction, type FrameRedactionPlan } from '../redaction/plan';
import { keptTracks, type ExportSelection } from './selection';

export type ExportImageRole = 'reference-frame' | 'input-crop' | 'source-crop' | 'result' | 'frame';

export interface AppliedRegion {
  readonly source: RedactionSource;
  /** The frame the region was found on, and its box there (frame pixels, before the margin). */
  readonly frame: number;
  readonly frameBox: RedactionBox;
  /** The same box in this image's pixels. */
  readonly imageBox: RedactionBox;
  readonly trackId: number | null;
  readonly detectionId: number | null;
  readonly manualBoxId: number | null;
}

export interface ExportImage {
  /** Path inside a package, '/'-separated. */
  readonly name: string;
  readonly role: ExportImageRole;
  readonly caption: string;
  readonly evidenceId: number;
  readonly frame: number | null;
  readonly enhancementId: number | null;
  readonly png: Buffer;
  readonly sha256: string;
  readonly width: number;
  readonly height: number;
  /** Hash of the image before redaction (a file of the derived store). */
  readonly sourceSha256: string;
  readonly redaction: { readonly applied: boolean; readonly regions: AppliedRegion[] };
  /** The chosen subject's face boxes in this image's pixels (left visible; the report outlines them). */
  readonly kept: RedactionBox[];
  /**
   * Whether an analysis run covers the frame(s) of this image. When none does, only hand-drawn boxes were
   * redacted: faces nobody found cannot be redacted, and the report says so.
   */
  readonly analysed: boolean;
}

export interface RedactionSummary {
  readonly enabled: boolean;
  readonly reason: string | null;
  readonly method: RedactionParams;
  readonly keptTrackIds: number[];
  /** Regions redacted (or, with redaction off, that would have been) over all images. */
  readonly regionCount: number;
}

export interface PreparedImages {
  readonly images: ExportImage[];
  readonly redaction: RedactionSummary;
}

const pad = (n: number): string => String(n).padStart(6, '0');

/** Bystander regions of `plan`, mapped into an image cut at `origin` and enlarged by `scale`. */
function regionsIn(plan: FrameRedactionPlan, origin: readonly [number, number], scale: number, width: number, height: number): AppliedRegion[] {
  return plan.regions
    .map((r) => ({
      source: r.source,
      frame: plan.index,
      frameBox: r.box,
      imageBox: mapToImage(r.box, origin, scale),
      trackId: r.trackId,
      detectionId: r.detectionId,
      manualBoxId: r.manualBoxId,
    }))
    .filter((r) => touchesImage(r.imageBox, width, height));
}

export async function prepareExportImages(
  c: CaseHandle,
  s: ExportSelection,
  opts: { signal?: AbortSignal; onProgress?: (p: Progress) => void; params?: RedactionParams } = {},
): Promise<PreparedImages> {
  const params = opts.params ?? DEFAULT_REDACTION;
  const keep = keptTracks(c, s);
  const plans = new Map<string, FrameRedactionPlan>();
  const planOf = (evidenceId: number, index: number): FrameRedactionPlan => {
    const key = `${evidenceId}:${index}`;
    let p = plans.get(key);
    if (!p) plans.set(key, (p = planFrameRedaction(c, evidenceId, index, keep)));
    return p;
  };
  const enhancements = s.enhancementIds.map((id) => getEnhancement(c, id));
  const total = enhancements.reduce((n, e) => n + e.inputs.length + 3, 0) + s.frames.length;
  let done = 0;
  const step = (): void => {
    throwIfAborted(opts.signal, 'export');
    opts.onProgress?.({ stage: 'images', current: ++done, total, unit: 'images' });
  };
  const images: ExportImage[] = [];
  const make = async (
    spec: Omit<ExportImage, 'png' | 'sha256' | 'width' | 'height' | 'redaction' | 'kept' | 'analysed'>,
    file: string,
    regions: AppliedRegion[],
    kept: RedactionBox[] = [],
    analysed = true,
  ): Promise<void> => {
    if (!fs.existsSync(file)) throw new SightlineError('FILE_NOT_FOUND', `${spec.caption}: the derived image ${spec.sourceSha256} is missing from the case`);
    const r = await redactImage(file, s.redact ? regions.map((x) => x.imageBox) : [], params);
    images.push({ ...spec, png: r.png, sha256: sha256Hex(r.png), width: r.width, height: r.height, redaction: { applied: s.redact && regions.length > 0, regions }, kept, analysed });
    step();
  };

  for (const e of enhancements) {
    const dir = `images/enhancement-${e.id}`;
    const ref = await getFrame(c, e.evidenceId, e.referenceFrame, opts.signal);
    const refPlan = planOf(e.evidenceId, e.referenceFrame);
    await make(
      {
        name: `${dir}/reference-frame-${pad(e.referenceFrame)}.png`,
        role: 'reference-frame',
        caption: `Enhancement ${e.id}: reference frame ${e.referenceFrame} (whole frame)`,
        evidenceId: e.evidenceId,
        frame: e.referenceFrame,
        enhancementId: e.id,
        sourceSha256: ref.file.sha256,
      },
      ref.file.path,
      regionsIn(refPlan, [0, 0], 1, ref.file.width, ref.file.height),
      refPlan.kept.filter((k) => k.trackId === e.trackId).map((k) => k.box),
      refPlan.runIds.length > 0,
    );
    for (const input of e.inputs) {
      await make(
        {
          name: `${dir}/input-frame-${pad(input.frame)}.png`,
          role: 'input-crop',
          caption: `Enhancement ${e.id}: original crop of frame ${input.frame} (native pixels)`,
          evidenceId: e.evidenceId,
          frame: input.frame,
          enhancementId: e.id,
          sourceSha256: input.sha256,
        },
        derivedPath(c, input.sha256),
        regionsIn(planOf(e.evidenceId, input.frame), input.origin, 1, input.width, input.height),
      );
    }
    const refInput = e.inputs.find((i) => i.frame === e.referenceFrame) ?? e.inputs[0]!;
    await make(
      {
        name: `${dir}/source-crop.png`,
        role: 'source-crop',
        caption: `Enhancement ${e.id}: the source the result is compared with (reference frame ${e.referenceFrame}, native pixels)`,
        evidenceId: e.evidenceId,
        frame: e.referenceFrame,
        enhancementId: e.id,
        sourceSha256: e.sourceSha256,
      },
      derivedPath(c, e.sourceSha256),
      regionsIn(refPlan, refInput.origin, 1, refInput.width, refInput.height),
    );
    // The result mixes every input frame: each frame's bystanders, at their place in that frame's crop, scaled.
    const scale = e.outputWidth / refInput.width;
    const resultRegions = e.inputs.flatMap((i) => regionsIn(planOf(e.evidenceId, i.frame), i.origin, scale, e.outputWidth, e.outputHeight));
    await make(
      {
        name: `${dir}/result.png`,
        role: 'result',
        caption: `Enhancement ${e.id}: result (${e.mode} ×${e.scale})`,
        evidenceId: e.evidenceId,
        frame: e.referenceFrame,
        enhancementId: e.id,
        sourceSha256: e.outputSha256,
      },
      derivedPath(c, e.outputSha256),
      resultRegions,
    );
  }
  for (const f of s.frames) {
    const ev = getEvidence(c, f.evidenceId);
    const frame = await getFrame(c, f.evidenceId, f.index, opts.signal);
    await make(
      {
        name: `images/frames/evidence-${ev.id}-frame-${pad(f.index)}.png`,
        role: 'frame',
        caption: `${ev.originalName}, frame ${f.index}`,
        evidenceId: ev.id,
        frame: f.index,
        enhancementId: null,
        sourceSha256: frame.file.sha256,
      },
      frame.file.path,
      regionsIn(planOf(f.evidenceId, f.index), [0, 0], 1, frame.file.width, frame.file.height),
      planOf(f.evidenceId, f.index).kept.map((k) => k.box),
      planOf(f.evidenceId, f.index).runIds.length > 0,
    );
  }
  return {
    images,
    redaction: { enabled: s.redact, reason: s.reason, method: params, keptTrackIds: keep, regionCount: images.reduce((n, i) => n + i.redaction.regions.length, 0) },
  };
}

/** Frame facts for the report (timestamps, pts, pixel MD5) of every frame an enhancement used. */
export function enhancementFrames(c: CaseHandle, e: Enhancement): FrameInfo[] {
  return e.inputs.map((i) => frameInfo(c, e.evidenceId, i.frame));
}
