/**
 * The preload: exposes exactly one object, `window.sightline` (the contract's SightlineBridge), and nothing of
 * Electron itself. Channel and event names are checked against the contract here, before anything crosses to
 * main (which validates again, with the zod schemas). Sandboxed preloads cannot require local files, so this
 * is bundled with the contract into dist/preload/preload.js (electron/preload.vite.config.ts).
 */
import { contextBridge, ipcRenderer, webUtils } from 'electron';
import {
  EVENT_NAMES,
  isChannel,
  type ChannelInput,
  type ChannelName,
  type ChannelOutput,
  type EventName,
  type Events,
  type Result,
  type SightlineBridge,
} from '../app/contract';
import { IPC_EVENT, IPC_INVOKE, mediaUrlFor } from '../app/contract/transport';

function isEvent(name: unknown): name is EventName {
  return typeof name === 'string' && (EVENT_NAMES as readonly string[]).includes(name);
}

const listeners = new Map<EventName, Set<(payload: unknown) => void>>();

ipcRenderer.on(IPC_EVENT, (_e, name: unknown, payload: unknown) => {
  if (!isEvent(name)) return;
  for (const l of listeners.get(name) ?? []) {
    try {
      l(payload);
    } catch (err) {
      // One failing view must not keep the event from the others.
      console.error(`listener for ${name} failed`, err);
    }
  }
});

export const bridge = {
  invoke<C extends ChannelName>(channel: C, input: ChannelInput<C>): Promise<Result<ChannelOutput<C>>> {
    if (!isChannel(channel)) return Promise.resolve({ ok: false, error: { code: 'INVALID_INPUT', message: `unknown channel ${String(channel)}` } });
    return ipcRenderer.invoke(IPC_INVOKE, channel, input) as Promise<Result<ChannelOutput<C>>>;
  },
  on<E extends EventName>(event: E, listener: (payload: Events[E]) => void): () => void {
    if (!isEvent(event)) throw new Error(`unknown event ${String(event)}`);
    if (typeof listener !== 'function') throw new Error('listener must be a function');
    let set = listeners.get(event);
    if (!set) listeners.set(event, (set = new Set()));
    const l = listener as (payload: unknown) => void;
    set.add(l);
    return () => {
      set.delete(l);
    };
  },
  mediaUrl(ref: string): string {
    return mediaUrlFor(ref);
  },
  pathForFile(file: File): string | undefined {
    try {
      return webUtils.getPathForFile(file) || undefined;
    } catch {
      return undefined;
    }
  },
} satisfies SightlineBridge;

contextBridge.exposeInMainWorld('sightline', bridge);
