/** Enhancement: frame selection, the enhance and replay jobs, results, the identity guard's thresholds. */
import { z } from 'zod';
import { ENHANCE_MODES } from '../../domain/enhance';
import type { GuardSettings } from '../../core/enhance/guardSettings';
import type { Enhancement, FrameSelection, ReplayRecord } from '../../core/enhance/records';
import type { Job } from '../../core/jobs';
import { channel, FrameIndex, Id, NoInput, type MediaRef } from './channel';

export type { Enhancement, FrameSelection, GuardSettings, ReplayRecord };

/** An enhancement with its images as media files, and its replays. */
export interface EnhancementView extends Enhancement {
  readonly media: {
    readonly output: MediaRef;
    /** The reference frame's native crop: what the result is compared with and always shown beside. */
    readonly source: MediaRef;
    readonly sourceChip: MediaRef;
    readonly enhancedChip: MediaRef;
    readonly inputs: ReadonlyArray<{ readonly frame: number; readonly media: MediaRef }>;
    readonly contributions: ReadonlyArray<{ readonly frame: number; readonly media: MediaRef }>;
  };
  readonly replays: ReplayRecord[];
  /** The track's ordinal in its run and its investigator-given name (null when unnamed). */
  readonly track: { readonly ordinal: number; readonly name: string | null };
}

export interface SelectionPreview {
  readonly frames: number[];
  readonly referenceFrame: number;
  readonly rule: FrameSelection['rule'];
}

export const enhanceChannels = {
  /** The frames "best N" would pick (spread across the track; nothing is saved). */
  'enhance:suggest': channel<SelectionPreview>()(z.object({ trackId: Id, best: z.number().int().min(1).max(64) }).strict()),
  /** Save the frame selection (audited) and queue the enhance job; progress arrives as `jobs:progress`. */
  'enhance:start': channel<{ selection: FrameSelection; job: Job }>()(
    z
      .object({
        trackId: Id,
        frames: z.array(FrameIndex).min(1).max(64).optional(),
        best: z.number().int().min(1).max(64).optional(),
        /**
         * How `frames` were chosen: "best N" (`{ rule: 'best-spread', n }`), possibly changed by hand since. The
         * selection is recorded as method=best when the frames are still exactly the rule's, as manual (with
         * the frames added and removed by hand) otherwise.
         */
        rule: z.object({ name: z.literal('best-spread'), n: z.number().int().min(1).max(64) }).strict().optional(),
        mode: z.enum(ENHANCE_MODES),
        scale: z.union([z.literal(2), z.literal(4)]).optional(),
        /** A fusion with fewer registered frames than its minimum runs as a labelled single-frame deconvolution instead of being refused. */
        singleFrame: z.boolean().optional(),
      })
      .strict()
      .refine((i) => (i.frames === undefined) !== (i.best === undefined), { message: 'give frames or best, not both' })
      .refine((i) => i.rule === undefined || i.frames !== undefined, { message: 'a rule describes frames: give frames with it' }),
  ),
  /** Enhancements, newest first (of a track, of an evidence item, or all). */
  'enhance:list': channel<EnhancementView[]>()(z.object({ trackId: Id.optional(), evidenceId: Id.optional() }).strict()),
  'enhance:get': channel<EnhancementView>()(z.object({ enhancementId: Id }).strict()),
  /** Re-run an enhancement from the originals (a job); the result says whether the output hash matched. */
  'enhance:replay': channel<Job>()(z.object({ enhancementId: Id }).strict()),
  /** The case's identity-guard thresholds; changing them is audited. */
  'guard:get': channel<GuardSettings>()(NoInput),
  'guard:set': channel<GuardSettings>()(
    z.object({ minQuality: z.number().min(0).max(1).optional(), minSimilarity: z.number().min(0).max(1).optional(), reason: z.string().trim().max(500).optional() }).strict(),
  ),
} as const;
