/** What the analyze worker task receives: the run's settings (domain/analysis.ts) plus the media and where to put the crops. */
import { z } from 'zod';
import { AnalysisSettings } from '../../domain/analysis';

export const AnalyzeTaskParams = z
  .object({
    file: z.string().min(1),
    width: z.number().int().positive(),
    height: z.number().int().positive(),
    frameCount: z.number().int().positive(),
    fps: z.number().positive().nullable(),
    derivedDir: z.string().min(1),
    settings: AnalysisSettings,
  })
  .strict();
export type AnalyzeTaskParams = z.output<typeof AnalyzeTaskParams>;
