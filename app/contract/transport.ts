/**
 * How the contract is carried. The desktop app: one invoke channel and one event channel on Electron's IPC, and
 * two custom schemes (electron/main.ts, electron/preload.ts). The browser shell: JSON messages on a loopback
 * WebSocket (app/shell/server.ts, renderer/src/bridge/browserBridge.ts). Types and constants only.
 */
import type { EventName, Result } from './index';

export const IPC_INVOKE = 'sightline:invoke';
export const IPC_EVENT = 'sightline:event';

/** The renderer's own origin: its files, under the strict CSP. */
export const APP_SCHEME = 'sightline-app';
export const APP_HOST = 'app';
/** Media of the open case (frames, thumbnails, exports), resolved by AppService.resolveMedia and nothing else. */
export const MEDIA_SCHEME = 'sightline-media';
export const MEDIA_HOST = 'case';

export function mediaUrlFor(ref: string): string {
  return `${MEDIA_SCHEME}://${MEDIA_HOST}/${ref.split('/').map(encodeURIComponent).join('/')}`;
}

/** Browser shell, page → server: one call. */
export interface ClientMessage {
  readonly id: number;
  readonly channel: string;
  readonly input: unknown;
}

/** Browser shell, server → page: the answer to call `id`, or an event. */
export type ServerMessage = { readonly id: number; readonly result: Result<unknown> } | { readonly event: EventName; readonly payload: unknown };
