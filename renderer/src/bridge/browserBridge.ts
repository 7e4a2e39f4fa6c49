/**
 * `window.sightline` for the browser shell: the same SightlineBridge the Electron preload exposes, carried over
 * a loopback WebSocket to the Node process that runs the real AppService (app/shell/server.ts).
 *
 * The server prints a URL with a random per-run token in its fragment (`#token=…`). Fragments never reach the
 * server in requests or Referer headers; the token is moved to sessionStorage (so a reload keeps working) and
 * removed from the address bar. The socket and every media URL carry it; the server refuses anything without it.
 */
import type { ChannelInput, ChannelName, ChannelOutput, EventName, Events, Result, SightlineBridge } from '../../../app/contract';
import type { ClientMessage, ServerMessage } from '../../../app/contract/transport';

export type ConnectionState = 'connecting' | 'open' | 'lost';

const TOKEN_KEY = 'sightline.token';

function takeToken(): string | null {
  const m = /(?:^#|&)token=([A-Za-z0-9_-]+)/.exec(location.hash);
  if (m) {
    sessionStorage.setItem(TOKEN_KEY, m[1]!);
    history.replaceState(null, '', location.pathname + location.search);
    return m[1]!;
  }
  return sessionStorage.getItem(TOKEN_KEY);
}

class WebSocketBridge implements SightlineBridge {
  private readonly socket: WebSocket;
  private readonly opened: Promise<boolean>;
  private readonly pending = new Map<number, (r: Result<unknown>) => void>();
  private readonly listeners = new Map<EventName, Set<(payload: never) => void>>();
  private readonly stateListeners = new Set<(s: ConnectionState) => void>();
  private nextId = 1;
  state: ConnectionState = 'connecting';

  constructor(private readonly token: string) {
    const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
    this.socket = new WebSocket(`${proto}//${location.host}/bridge?token=${encodeURIComponent(token)}`);
    this.opened = new Promise((resolve) => {
      this.socket.addEventListener('open', () => {
        this.setState('open');
        resolve(true);
      });
      this.socket.addEventListener('close', () => {
        this.setState('lost');
        resolve(false);
        // Calls in flight will never be answered: settle them so no view waits forever.
        for (const settle of this.pending.values()) settle(lostResult());
        this.pending.clear();
      });
    });
    this.socket.addEventListener('message', (ev: MessageEvent<string>) => this.receive(ev.data));
  }

  async invoke<C extends ChannelName>(channel: C, input: ChannelInput<C>): Promise<Result<ChannelOutput<C>>> {
    if (!(await this.opened) || this.socket.readyState !== WebSocket.OPEN) return lostResult();
    const id = this.nextId++;
    const msg: ClientMessage = { id, channel, input };
    return new Promise((resolve) => {
      // The server answers with this channel's output type (it runs the same contract).
      this.pending.set(id, resolve as (r: Result<unknown>) => void);
      this.socket.send(JSON.stringify(msg));
    });
  }

  on<E extends EventName>(event: E, listener: (payload: Events[E]) => void): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(listener as (payload: never) => void);
    return () => set.delete(listener as (payload: never) => void);
  }

  mediaUrl(ref: string): string {
    return `media/${ref.split('/').map(encodeURIComponent).join('/')}?token=${encodeURIComponent(this.token)}`;
  }

  onState(listener: (s: ConnectionState) => void): () => void {
    this.stateListeners.add(listener);
    listener(this.state);
    return () => this.stateListeners.delete(listener);
  }

  private setState(s: ConnectionState): void {
    this.state = s;
    for (const l of this.stateListeners) l(s);
  }

  private receive(data: string): void {
    let msg: ServerMessage;
    try {
      msg = JSON.parse(data) as ServerMessage;
    } catch {
      return;
    }
    if ('id' in msg) {
      const settle = this.pending.get(msg.id);
      this.pending.delete(msg.id);
      settle?.(msg.result);
    } else {
      for (const l of this.listeners.get(msg.event) ?? []) {
        try {
          (l as (p: unknown) => void)(msg.payload);
        } catch (e) {
          // One broken listener must not starve the others of the event.
          console.error(`listener for ${msg.event} failed`, e);
        }
      }
    }
  }
}

function lostResult(): Result<never> {
  return { ok: false, error: { code: 'INTERNAL', message: 'the connection to the Sightline service was lost: restart it (npm start) and reload this page' } };
}

/**
 * Install the WebSocket bridge unless a preload already provided `window.sightline` (the desktop app).
 * Returns a subscription to the connection state in the browser shell, undefined in Electron.
 */
export function installBrowserBridge(): ((listener: (s: ConnectionState) => void) => () => void) | undefined {
  if (window.sightline) return undefined;
  const token = takeToken();
  if (!token) return undefined;
  const b = new WebSocketBridge(token);
  window.sightline = b;
  return (listener) => b.onState(listener);
}
