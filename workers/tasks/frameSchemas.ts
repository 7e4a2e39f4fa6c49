/**
 * Schemas of what pipeline tasks receive about a frame of the evidence: enough to decode it exactly (index, pts,
 * time, the frame index's pixel MD5, where to seek) and the detection of the face in it. Shared by the enhancement
 * and identification tasks, which each add what they need.
 */
import { z } from 'zod';

const BoxSchema = z.object({ x: z.number(), y: z.number(), w: z.number().positive(), h: z.number().positive() }).strict();

export const DetectedFrameSchema = z
  .object({
    frame: z.number().int().nonnegative(),
    pts: z.number().int(),
    ptsTime: z.number(),
    md5: z.string().regex(/^[0-9a-f]{32}$/),
    /** Seconds from the file's start to seek to before decoding (null: decode from the start). */
    seekTo: z.number().nonnegative().nullable(),
    detectionId: z.number().int().positive(),
    box: BoxSchema,
  })
  .strict();
