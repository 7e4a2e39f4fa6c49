/**
 * The one map of everything the renderer may ask of main, and every event main sends. Inputs are zod schemas:
 * main validates each call before it reaches a service. Outputs are TypeScript types (the renderer trusts main).
 * Shared by main, the preload, the e2e harness and the renderer, so it imports only types from the services.
 *
 * Channel names are `domain:verb`.
 */
import { z } from 'zod';
import type { AnalysisRun, DetectionSummary, FaceBox, TrackSummary } from '../core/analysis/results';
import type { AuditEntry, VerifyResult } from '../core/audit';
import type { AuditExportResult } from '../core/auditExport';
import type { CaseInfo } from '../core/case';
import type { GuardSettings } from '../core/enhance/guardSettings';
import type { Enhancement, FrameSelection, ReplayRecord } from '../core/enhance/records';
import type { ErrorInfo } from '../core/errors';
import type { Evidence } from '../core/evidence';
import type { FrameExport, FrameInfo } from '../core/frames';
import type { Job, JobProgressEvent } from '../core/jobs';

/** A file inside the open case, as a path relative to the case folder (e.g. `derived/<sha256>.png`). */
export type MediaRef = string;

export interface CaseSummary extends CaseInfo {
  readonly dir: string;
  readonly evidenceCount: number;
  readonly auditEntries: number;
  readonly auditHead: string;
}

export interface RecentCase {
  readonly dir: string;
  readonly caseNumber: string;
  readonly title: string;
  readonly openedAt: string;
}

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

export interface AppInfo {
  readonly version: string;
  readonly platform: string;
  /** 'electron' in the desktop app, 'browser' when the UI runs in a browser against the local service. */
  readonly shell: 'electron' | 'browser';
  /** Where new cases go unless the investigator picks another folder. */
  readonly casesDir: string;
}

/** One row of the browser shell's in-app file dialog. */
export interface FolderEntry {
  readonly name: string;
  readonly path: string;
  /** 'case': a `.sightline` folder (opened as a whole, not browsed into). */
  readonly kind: 'folder' | 'file' | 'case';
  readonly size: number | null;
  readonly modifiedAt: string | null;
}

export interface FolderListing {
  readonly dir: string;
  readonly parent: string | null;
  readonly entries: FolderEntry[];
  /** Shortcuts shown beside the list (cases folder, home). */
  readonly places: { readonly label: string; readonly path: string }[];
}

/** A face detection with its aligned crop as a media file. */
export interface DetectionView extends DetectionSummary {
  readonly crop: MediaRef;
}

export interface TrackView extends Omit<TrackSummary, 'best'> {
  readonly best: DetectionView[];
}

export interface TrackListView {
  /** The run shown (the newest unless one was asked for); null when the clip was never analysed. */
  readonly run: AnalysisRun | null;
  readonly tracks: TrackView[];
}

export interface FrameFaces {
  readonly runId: number | null;
  readonly faces: FaceBox[];
}

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
}

export interface SelectionPreview {
  readonly frames: number[];
  readonly referenceFrame: number;
  readonly rule: FrameSelection['rule'];
}

const Id = z.number().int().positive();
const FrameIndex = z.number().int().nonnegative();
const NonEmpty = z.string().trim().min(1).max(500);
const FilePath = z.string().min(1).max(4096);

/** A channel: its input schema and (type-only) output. */
interface Channel<I extends z.ZodType, O> {
  readonly input: I;
  readonly output?: O;
}
function channel<O>() {
  return <I extends z.ZodType>(input: I): Channel<I, O> => ({ input });
}
const NoInput = z.object({}).strict();

export const channels = {
  'app:info': channel<AppInfo>()(NoInput),

  'case:recent': channel<RecentCase[]>()(NoInput),
  'case:create': channel<CaseSummary>()(
    z.object({ dir: FilePath, caseNumber: NonEmpty, title: NonEmpty, examiner: NonEmpty, agency: z.string().trim().max(500).optional() }).strict(),
  ),
  'case:open': channel<CaseSummary>()(z.object({ dir: FilePath, examiner: z.string().trim().max(500).optional() }).strict()),
  'case:current': channel<CaseSummary | null>()(NoInput),
  'case:close': channel<null>()(NoInput),

  /** Native file dialogs (Electron); the browser shell answers from its own picker. */
  'dialog:openFiles': channel<string[]>()(z.object({ title: z.string().max(200).optional(), media: z.boolean().optional() }).strict()),
  'dialog:chooseFolder': channel<string | null>()(z.object({ title: z.string().max(200).optional() }).strict()),
  'dialog:saveFile': channel<string | null>()(z.object({ title: z.string().max(200).optional(), defaultName: z.string().max(255).optional() }).strict()),
  /**
   * The browser shell has no native dialogs: its renderer draws its own file dialog from these listings (names,
   * kinds and sizes only, never contents). The desktop app refuses it and uses the system dialogs.
   */
  'dialog:listFolder': channel<FolderListing>()(z.object({ dir: FilePath.optional() }).strict()),

  'evidence:list': channel<Evidence[]>()(NoInput),
  /** Queue one import job per path; progress arrives as `jobs:progress` events. */
  'evidence:import': channel<Job[]>()(z.object({ paths: z.array(FilePath).min(1).max(1000), allowDamaged: z.boolean().optional() }).strict()),

  /** Every frame's time in seconds from the first frame, index order. */
  'frames:times': channel<number[]>()(z.object({ evidenceId: Id }).strict()),
  'frames:get': channel<FrameView>()(z.object({ evidenceId: Id, index: FrameIndex }).strict()),
  'frames:strip': channel<StripView>()(
    z.object({ evidenceId: Id, count: z.number().int().min(1).max(200).optional(), tileHeight: z.number().int().min(16).max(256).optional() }).strict(),
  ),
  /** Export a frame (audited); without `path` it goes to the case's exports/ folder. */
  'frames:export': channel<FrameExport>()(z.object({ evidenceId: Id, index: FrameIndex, path: FilePath.optional() }).strict()),

  'audit:list': channel<AuditEntry[]>()(z.object({ action: z.string().max(100).optional(), limit: z.number().int().positive().max(100000).optional() }).strict()),
  'audit:verify': channel<VerifyResult>()(NoInput),
  'audit:export': channel<AuditExportResult>()(
    z.object({ format: z.enum(['json', 'csv']), path: FilePath.optional() }).strict(),
  ),

  'jobs:list': channel<Job[]>()(NoInput),
  'jobs:cancel': channel<Job>()(z.object({ jobId: Id }).strict()),

  /** Analyse a clip: find, track and rank its faces (a job; progress arrives as `jobs:progress`). */
  'analysis:start': channel<Job>()(z.object({ evidenceId: Id, step: z.number().int().min(1).max(10000).optional() }).strict()),
  /** The analysis runs of an evidence item, newest first (the newest is what the views show). */
  'analysis:runs': channel<AnalysisRun[]>()(z.object({ evidenceId: Id }).strict()),
  /** Face boxes on one frame, for the overlay (interpolated ones between analysed frames are marked). */
  'faces:forFrame': channel<FrameFaces>()(z.object({ evidenceId: Id, index: FrameIndex, runId: Id.optional() }).strict()),
  /** Face tracks in order of appearance, each with its best detections (crops) first. */
  'tracks:list': channel<TrackListView>()(z.object({ evidenceId: Id, runId: Id.optional(), best: z.number().int().min(1).max(50).optional() }).strict()),
  /** Every detection of a track, best first. */
  'tracks:detections': channel<DetectionView[]>()(z.object({ trackId: Id }).strict()),

  /** The frames "best N" would pick (spread across the track; nothing is saved). */
  'enhance:suggest': channel<SelectionPreview>()(z.object({ trackId: Id, best: z.number().int().min(1).max(64) }).strict()),
  /** Save the frame selection (audited) and queue the enhance job; progress arrives as `jobs:progress`. */
  'enhance:start': channel<{ selection: FrameSelection; job: Job }>()(
    z
      .object({
        trackId: Id,
        frames: z.array(FrameIndex).min(1).max(64).optional(),
        best: z.number().int().min(1).max(64).optional(),
        mode: z.enum(['fusion', 'restore', 'fusion+restore']),
        scale: z.union([z.literal(2), z.literal(4)]).optional(),
      })
      .strict()
      .refine((i) => (i.frames === undefined) !== (i.best === undefined), { message: 'give frames or best, not both' }),
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

export type Channels = typeof channels;
export type ChannelName = keyof Channels;
export type ChannelInput<C extends ChannelName> = z.input<Channels[C]['input']>;
export type ChannelOutput<C extends ChannelName> = Exclude<Channels[C]['output'], undefined>;

/** Events main pushes to the renderer. */
export interface Events {
  'jobs:changed': Job;
  'jobs:progress': JobProgressEvent;
  /** The open case changed (opened, closed, evidence added): views reload what they show. */
  'case:changed': { readonly reason: string; readonly case: CaseSummary | null };
}
export type EventName = keyof Events;

export type Result<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: ErrorInfo };

/** What the preload puts on `window.sightline` (and the browser harness's bridge mimics). */
export interface SightlineBridge {
  invoke<C extends ChannelName>(channel: C, input: ChannelInput<C>): Promise<Result<ChannelOutput<C>>>;
  on<E extends EventName>(event: E, listener: (payload: Events[E]) => void): () => void;
  /** URL for a media file of the open case (custom protocol in Electron, loopback HTTP in the browser shell). */
  mediaUrl(ref: MediaRef): string;
  /** Absolute path of a dropped file (Electron only; undefined in a browser, which does not reveal paths). */
  pathForFile?(file: File): string | undefined;
}

export const EVENT_NAMES: readonly EventName[] = ['jobs:changed', 'jobs:progress', 'case:changed'];
export const CHANNEL_NAMES = Object.keys(channels) as ChannelName[];
export function isChannel(name: unknown): name is ChannelName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(channels, name);
}
