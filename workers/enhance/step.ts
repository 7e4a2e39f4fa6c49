/** What an imaging operation returns: its image and the step record (domain/processingStep.ts) that reproduces it. */
import type { ParamValue, ProcessingStep } from '../../domain/processingStep';
import type { Image } from '../image/image';

export interface StepResult {
  readonly image: Image;
  readonly step: ProcessingStep;
  /** What the operation measured while running (e.g. how many block edges it changed), for the report. */
  readonly measurements?: { readonly [key: string]: ParamValue };
}
