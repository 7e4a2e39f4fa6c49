/** What the analyze worker task receives: the run's settings (domain/analysis.ts) plus the media and where to put the crops. */
import { z } from 'zod';
import { AnalysisSettings } from '../../domain/analysis';
import { frameSizeProblem } from '../../domain/mediaLimits';

export const AnalyzeTaskParams = z
  .object({
    file: z.string().min(1),
    width: z.number().int().positive(),
    height: z.number().int().positive(),
    frameCount: z.number().int().positive(),
    fps: z.number().positive().nullable(),
    derivedDir: z.string().min(1),
    /** The frame index's pixel MD5s (platform/frameDigests.ts): every decoded frame is checked against them. */
    frameDigests: z.string().min(1),
    settings: AnalysisSettings,
  })
  .strict()
  // One frame's memory is bounded: a clip whose recorded frame size is beyond the limit is not decoded at all.
  .refine((p) => frameSizeProblem(p.width, p.height) === null, { message: 'frame size beyond the limit (domain/mediaLimits.ts)', path: ['width'] });
export type AnalyzeTaskParams = z.output<typeof AnalyzeTaskParams>;
