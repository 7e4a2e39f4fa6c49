/**
 * The one map of everything the renderer may ask of main, and every event main sends, joined from one file per
 * feature (app, case, dialog, evidence, frames, audit, jobs, analysis, enhance, gallery, identify): a new feature adds its own file
 * and one line here. Inputs are zod schemas: main validates each call before it reaches a service. Outputs are
 * TypeScript types (the renderer trusts main). Shared by main, the preload, the browser shell and the renderer,
 * so it imports only types from the services, and values only from the domain layer.
 *
 * Channel names are `domain:verb`.
 */
import type { z } from 'zod';
import type { ErrorInfo } from '../../domain/errors';
import { analysisChannels } from './analysis';
import { appChannels } from './app';
import { auditChannels } from './audit';
import { caseChannels, type CaseSummary } from './case';
import type { MediaRef } from './channel';
import { dialogChannels } from './dialog';
import { enhanceChannels } from './enhance';
import { evidenceChannels } from './evidence';
import { frameChannels } from './frames';
import { galleryChannels } from './gallery';
import { identifyChannels } from './identify';
import { jobChannels, type Job, type JobProgressEvent } from './jobs';
import { trackNameChannels } from './trackNames';
import { redactionChannels } from './redaction';
import { reportChannels } from './report';

export * from './analysis';
export * from './app';
export * from './audit';
export * from './case';
export type { MediaRef } from './channel';
export * from './dialog';
export * from './enhance';
export * from './evidence';
export * from './frames';
export * from './gallery';
export * from './identify';
export * from './jobs';
export * from './trackNames';
export * from './redaction';
export * from './report';
export type { ErrorInfo };

export const channels = {
  ...appChannels,
  ...caseChannels,
  ...dialogChannels,
  ...evidenceChannels,
  ...frameChannels,
  ...auditChannels,
  ...jobChannels,
  ...analysisChannels,
  ...enhanceChannels,
  ...galleryChannels,
  ...identifyChannels,
  ...trackNameChannels,
  ...redactionChannels,
  ...reportChannels,
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

/** What the preload puts on `window.sightline` (and the browser shell's bridge mimics). */
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
