/**
 * Identification: a track (or chosen frames, or an enhancement) searched against the gallery; appearances of a
 * track across the case; watchlist alerts; examiner conclusions; the dual gate's thresholds.
 */
import { z } from 'zod';
import type { WatchlistAlert } from '../../core/identify/alerts';
import type { Appearance, AppearanceSearch } from '../../core/identify/appearances';
import type { GateSettings } from '../../core/identify/common';
import type { Conclusion, ViewedImages } from '../../core/identify/conclusions';
import type { Candidate, Identification } from '../../core/identify/identifications';
import type { TemplateFrameRecord } from '../../core/identify/templates';
import type { Job } from '../../core/jobs';
import { channel, FrameIndex, Id, NoInput, type MediaRef } from './channel';

export type { Appearance, AppearanceSearch, Candidate, Conclusion, GateSettings, Identification, ViewedImages, WatchlistAlert };

export interface CandidateView extends Candidate {
  readonly media: { readonly thumb: MediaRef; readonly chip: MediaRef; readonly photo: MediaRef };
}

export interface TemplateFrameView extends TemplateFrameRecord {
  readonly media: { readonly crop: MediaRef; readonly chip: MediaRef };
}

export interface IdentificationView extends Omit<Identification, 'candidates'> {
  readonly candidates: CandidateView[];
  readonly frames: TemplateFrameView[];
  /** The evidence's original name, for captions. */
  readonly originalName: string;
}

export interface AppearanceView extends Appearance {
  /** The other track's best native crop (original pixels). */
  readonly media: { readonly crop: MediaRef | null };
}

export interface AppearanceSearchView extends Omit<AppearanceSearch, 'results'> {
  readonly results: AppearanceView[];
}

export interface AlertView extends WatchlistAlert {
  readonly media: { readonly thumb: MediaRef; readonly crop: MediaRef | null };
}

const Viewed = z
  .object({
    interface: z.enum(['ui', 'cli']),
    originalFrames: z.array(z.object({ frame: FrameIndex, cropSha256: z.string().regex(/^[0-9a-f]{64}$/) }).strict()).max(64),
    enhancements: z.array(Id).max(64),
    references: z.array(Id).max(64),
    statement: z.string().max(2000).optional(),
  })
  .strict();

export const identifyChannels = {
  /** Search a track's template (or chosen frames', or an enhancement's) against the gallery (a job). */
  'identify:start': channel<Job>()(
    z
      .object({ trackId: Id, frames: z.array(FrameIndex).min(1).max(64).optional(), enhancementId: Id.optional(), topK: z.number().int().min(1).max(100).optional() })
      .strict()
      .refine((i) => !(i.frames && i.enhancementId), { message: 'give frames or an enhancement, not both' }),
  ),
  /** Identifications of a track, newest first. */
  'identify:list': channel<IdentificationView[]>()(z.object({ trackId: Id }).strict()),
  'identify:get': channel<IdentificationView>()(z.object({ identificationId: Id }).strict()),
  /** Search a track against every other track of the case (a job). */
  'appearances:start': channel<Job>()(z.object({ trackId: Id }).strict()),
  'appearances:latest': channel<AppearanceSearchView | null>()(z.object({ trackId: Id }).strict()),
  /** Watchlist alerts, newest first; `unreviewed` counts those no examiner has marked seen. */
  'alerts:list': channel<{ alerts: AlertView[]; unreviewed: number }>()(NoInput),
  'alerts:review': channel<AlertView>()(z.object({ alertId: Id, note: z.string().max(2000).optional() }).strict()),
  /** Conclusions recorded on an identification (the blind verification view does not ask until it has recorded). */
  'conclusions:list': channel<Conclusion[]>()(z.object({ identificationId: Id }).strict()),
  'conclusions:record': channel<Conclusion>()(
    z
      .object({
        identificationId: Id,
        personId: Id,
        level: z.string().min(1).max(100),
        note: z.string().max(5000).optional(),
        examiner: z.string().max(1000).optional(),
        role: z.enum(['examination', 'verification']),
        blind: z.boolean(),
        viewed: Viewed,
      })
      .strict(),
  ),
  'identify:gate:get': channel<GateSettings>()(NoInput),
  'identify:gate:set': channel<GateSettings>()(
    z.object({ minQuality: z.number().min(0).max(1).optional(), minSimilarity: z.number().min(0).max(1).optional(), reason: z.string().trim().max(500).optional() }).strict(),
  ),
} as const;
