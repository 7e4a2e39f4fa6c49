/** Redaction boxes drawn by hand in the clip view, and the regions an export would redact on a frame. */
import { z } from 'zod';
import type { ManualRedactionBox } from '../../core/redaction/boxes';
import type { FrameRedactionPlan, RedactionRegion } from '../../core/redaction/plan';
import { channel, FrameIndex, Id } from './channel';

export type { FrameRedactionPlan, ManualRedactionBox, RedactionRegion };

const Box = z.object({ x: z.number().finite(), y: z.number().finite(), w: z.number().positive().finite(), h: z.number().positive().finite() }).strict();

export const redactionChannels = {
  /** The live hand-drawn boxes on a frame, and every region an export of that frame would redact. */
  'redaction:forFrame': channel<{ boxes: ManualRedactionBox[]; plan: FrameRedactionPlan }>()(
    z.object({ evidenceId: Id, index: FrameIndex, keepTrackIds: z.array(Id).max(200).optional() }).strict(),
  ),
  /** Draw a box on a frame (or a range of frames); audited. */
  'redaction:add': channel<ManualRedactionBox>()(
    z.object({ evidenceId: Id, firstFrame: FrameIndex, lastFrame: FrameIndex.optional(), box: Box, note: z.string().trim().max(500).optional() }).strict(),
  ),
  /** Remove a box (it is kept, marked removed, with the reason); audited. */
  'redaction:remove': channel<ManualRedactionBox>()(z.object({ boxId: Id, reason: z.string().trim().max(500).optional() }).strict()),
} as const;
