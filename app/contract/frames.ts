/** Frames of a clip: times, single frames, thumbnail strips, audited exports. */
import { z } from 'zod';
import type { FrameExport, FrameInfo } from '../../core/frames';
import { channel, FilePath, FrameIndex, Id, type MediaRef } from './channel';

export type { FrameExport, FrameInfo };

export interface FrameView extends FrameInfo {
  readonly media: MediaRef;
  readonly sha256: string;
  readonly width: number;
  readonly height: number;
}

export interface StripView {
  readonly media: MediaRef;
  readonly tileWidth: number;
  readonly tileHeight: number;
  readonly indices: number[];
}

export const frameChannels = {
  /** Every frame's time in seconds from the first frame, index order. */
  'frames:times': channel<number[]>()(z.object({ evidenceId: Id }).strict()),
  'frames:get': channel<FrameView>()(z.object({ evidenceId: Id, index: FrameIndex }).strict()),
  'frames:strip': channel<StripView>()(
    z.object({ evidenceId: Id, count: z.number().int().min(1).max(200).optional(), tileHeight: z.number().int().min(16).max(256).optional() }).strict(),
  ),
  /** Export a frame (audited); without `path` it goes to the case's exports/ folder. */
  'frames:export': channel<FrameExport>()(z.object({ evidenceId: Id, index: FrameIndex, path: FilePath.optional() }).strict()),
} as const;
