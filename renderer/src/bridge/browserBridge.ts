/**
 * `window.sightline` for the browser shell: the same SightlineBridge the Electron preload exposes, carried over
 * a loopback WebSocket to the Node process that runs the real AppService (app/shell/server.ts).
 *
 * The server prints a URL with a random per-run token in its fragment (`#token=…`). Fragments never reach the
 * server in requests or Referer headers; the token is moved to sessionStorage (so a reload keeps working) and
 * removed from the address bar. The socket carries it; media URLs do not: the page shows the token once to
 * POST /session (in a header) and media requests then carry an HttpOnly cookie no script can read.
 *
 * A call larger than one socket message (the server accepts 1 MiB; `evidence:import` of 1000 long paths is
 * more) is sent in parts that the server joins (transport.ts ClientPart), so the UI never meets the cap.
 */
import type { ChannelInput, ChannelName, ChannelOutput, EventName, Events, Result, SightlineBridge } from '../../../app/contract';
import { PART_CHARS, TOKEN_HEADER, splitText, type ClientMessage, type ClientPart, type ServerMessage } from '../../../app/contract/transport';

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
    const socketOpen = new Promise<boolean>((resolve) => {
      this.socket.addEventListener('open', () => resolve(true));
      this.socket.addEventListener('close', (ev: CloseEvent) => {
        this.setState('lost');
        resolve(false);
        // Calls in flight will never be answered: settle them so no view waits forever.
        for (const settle of this.pending.values()) settle(lostResult(ev.code === 1009 ? 'a call was larger than the Sightline service accepts' : undefined));
        this.pending.clear();
      });
    });
    this.opened = Promise.all([socketOpen, this.startSession()]).then(([socket, session]) => {
      if (socket && session) this.setState('open');
      else this.setState('lost');
      return socket && session;
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
      const text = JSON.stringify(msg);
      if (text.length <= PART_CHARS) {
        this.socket.send(text);
        return;
      }
      const parts = splitText(text, PART_CHARS);
      parts.forEach((data, part) => this.socket.send(JSON.stringify({ id, part, parts: parts.length, data } satisfies ClientPart)));
    });
  }

  /** Show the token once, in a header, for the HttpOnly cookie that media requests carry. */
  private async startSession(): Promise<boolean> {
    try {
      const r = await fetch('session', { method: 'POST', headers: { [TOKEN_HEADER]: this.token }, credentials: 'same-origin' });
      return r.ok;
    } catch {
      return false;
    }
  }

  on<E extends EventName>(event: E, listener: (payload: Events[E]) => void): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(listener as (payload: never) => void);
    return () => set.delete(listener as (payload: never) => void);
  }

  mediaUrl(ref: string): string {
    // No secret in the URL: the session cookie authenticates media requests.
    return `media/${ref.split('/').map(encodeURIComponent).join('/')}`;
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

function lostResult(why?: string): Result<never> {
  return { ok: false, error: { code: 'INTERNAL', message: `${why ? `${why}; ` : ''}the connection to the Sightline service was lost: restart it (npm start) and reload this page` } };
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
