/**
 * The building blocks of the contract: a channel is a zod input schema and a (type-only) output. Each feature's
 * file (case.ts, evidence.ts, …) defines its channels with these; index.ts joins them into the one map.
 */
import { z } from 'zod';

/** A file inside the open case, as a path relative to the case folder (e.g. `derived/<sha256>.png`). */
export type MediaRef = string;

/** A channel: its input schema and (type-only) output. */
export interface Channel<I extends z.ZodType, O> {
  readonly input: I;
  readonly output?: O;
}

export function channel<O>() {
  return <I extends z.ZodType>(input: I): Channel<I, O> => ({ input });
}

export const Id = z.number().int().positive();
export const FrameIndex = z.number().int().nonnegative();
export const NonEmpty = z.string().trim().min(1).max(500);
export const FilePath = z.string().min(1).max(4096);
export const NoInput = z.object({}).strict();
