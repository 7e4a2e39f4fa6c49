/**
 * What a feature's handlers get from the AppService: the open case (or a NOT_A_CASE error), the shell, the event
 * sink, and the case lifecycle. Each feature file (case.ts, evidence.ts, …) turns this into the handlers of its
 * own channels, so a new feature adds a file instead of growing one central service.
 */
import type { CaseHandle } from '../../core/case';
import type { JobQueue } from '../../core/jobs';
import type { AppInfo, CaseSummary, ChannelInput, ChannelName, ChannelOutput, EventName, Events, FolderListing, MediaRef } from '../contract';

export interface Shell {
  readonly kind: AppInfo['shell'];
  /** Folder for app settings (recent cases). */
  readonly userDataDir: string;
  /** Default parent folder for new cases. */
  readonly casesDir: string;
  openFiles(opts: { title?: string; media?: boolean }): Promise<string[]>;
  chooseFolder(opts: { title?: string }): Promise<string | null>;
  saveFile(opts: { title?: string; defaultName?: string }): Promise<string | null>;
  /** Only shells without native dialogs (the browser shell) list folders for the renderer's own file dialog. */
  listFolder?(dir: string | null): Promise<FolderListing>;
}

export interface OpenCase {
  readonly handle: CaseHandle;
  readonly jobs: JobQueue;
}

export interface ServiceContext {
  readonly shell: Shell;
  emit<E extends EventName>(event: E, payload: Events[E]): void;
  /** The open case; throws NOT_A_CASE when none is. */
  requireCase(): OpenCase;
  hasCase(): boolean;
  /** Make `handle` the open case (closing the previous one), start its jobs, remember it. */
  adopt(handle: CaseHandle, reason: string): Promise<CaseSummary>;
  closeCase(): Promise<void>;
  summary(): CaseSummary;
}

/** The handlers of a set of channels (one feature's). */
export type FeatureHandlers<C extends ChannelName> = { readonly [K in C]: (input: ChannelInput<K>) => Promise<ChannelOutput<K>> | ChannelOutput<K> };

/** A media ref (path relative to the case folder, '/'-separated) for a file of the open case. */
export function derivedRef(sha256: string): MediaRef {
  return `derived/${sha256}.png`;
}
