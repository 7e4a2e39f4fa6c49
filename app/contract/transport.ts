/**
 * How the contract is carried. The desktop app: one invoke channel and one event channel on Electron's IPC, and
 * two custom schemes (electron/main.ts, electron/preload.ts). The browser shell: JSON messages on a loopback
 * WebSocket (app/shell/server.ts, renderer/src/bridge/browserBridge.ts). Types, constants and two pure helpers.
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

/** Browser shell: the header that carries the per-run token to POST /session (never a URL: URLs are logged and shared). */
export const TOKEN_HEADER = 'x-sightline-token';

/** Browser shell, page → server: one call. */
export interface ClientMessage {
  readonly id: number;
  readonly channel: string;
  readonly input: unknown;
}

/**
 * Browser shell, page → server: part `part` (0-based) of `parts` of a call whose JSON is too large for one
 * message. The parts of call `id` are the slices of its JSON text, in order; the server joins and runs it.
 */
export interface ClientPart {
  readonly id: number;
  readonly part: number;
  readonly parts: number;
  readonly data: string;
}

/** The largest WebSocket message the browser shell accepts (a larger one closes the connection, code 1009). */
export const MAX_MESSAGE_BYTES = 1 << 20;
/** The largest call once its parts are joined (evidence:import of 1000 paths of 4096 characters fits). */
export const MAX_CALL_BYTES = 16 << 20;
/**
 * Characters of a call's JSON per part. JSON escaping can make a character six (a control character as
 * \u00XX) and UTF-8 makes one at most three bytes, so a part's message stays under MAX_MESSAGE_BYTES.
 */
export const PART_CHARS = 128 * 1024;

/** Browser shell, server → page: the answer to call `id`, or an event. */
export type ServerMessage = { readonly id: number; readonly result: Result<unknown> } | { readonly event: EventName; readonly payload: unknown };

/** A call's JSON in parts of at most `size` characters, never splitting a surrogate pair (browser shell). */
export function splitText(text: string, size: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; ) {
    let end = Math.min(text.length, i + size);
    const last = text.charCodeAt(end - 1);
    if (end < text.length && last >= 0xd800 && last <= 0xdbff) end--;
    out.push(text.slice(i, end));
    i = end;
  }
  return out;
}
