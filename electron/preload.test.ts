/**
 * The preload against a stand-in for Electron: it exposes exactly the SightlineBridge, refuses names the
 * contract does not declare before anything crosses to main, and its subscriptions unsubscribe.
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { CHANNEL_NAMES, EVENT_NAMES } from '../app/contract';
import { IPC_EVENT, IPC_INVOKE } from '../app/contract/transport';
// vi.mock and vi.hoisted run before this import: the preload sees the stand-in.
import { bridge } from './preload';

const electron = vi.hoisted(() => ({
  exposed: new Map<string, unknown>(),
  invoke: vi.fn(async (..._args: unknown[]) => ({ ok: true, value: 'answer' })),
  handlers: new Map<string, (...args: unknown[]) => void>(),
  getPathForFile: vi.fn((_f: unknown) => '/evidence/clip.mp4'),
}));

vi.mock('electron', () => ({
  contextBridge: { exposeInMainWorld: (key: string, api: unknown) => electron.exposed.set(key, api) },
  ipcRenderer: {
    invoke: electron.invoke,
    on: (channel: string, h: (...args: unknown[]) => void) => electron.handlers.set(channel, h),
  },
  webUtils: { getPathForFile: electron.getPathForFile },
}));


describe('preload', () => {
  beforeEach(() => electron.invoke.mockClear());

  it('exposes one object, window.sightline, with exactly the bridge methods', () => {
    expect([...electron.exposed.keys()]).toEqual(['sightline']);
    expect(Object.keys(electron.exposed.get('sightline') as object).sort()).toEqual(['invoke', 'mediaUrl', 'on', 'pathForFile']);
    expect(electron.exposed.get('sightline')).toBe(bridge);
  });

  it('forwards declared channels on the one invoke channel', async () => {
    expect(CHANNEL_NAMES).toContain('case:open');
    await expect(bridge.invoke('case:open', { dir: '/cases/a.sightline' })).resolves.toEqual({ ok: true, value: 'answer' });
    expect(electron.invoke).toHaveBeenCalledWith(IPC_INVOKE, 'case:open', { dir: '/cases/a.sightline' });
  });

  it('refuses undeclared channels without calling main', async () => {
    const r = await (bridge.invoke as (c: string, i: unknown) => Promise<unknown>)('fs:readFile', { path: '/etc/passwd' });
    expect(r).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    expect(electron.invoke).not.toHaveBeenCalled();
  });

  it('delivers declared events to subscribers until they unsubscribe; ignores undeclared ones', () => {
    const onEvent = electron.handlers.get(IPC_EVENT)!;
    expect(EVENT_NAMES).toContain('jobs:changed');
    const seen: unknown[] = [];
    const off = bridge.on('jobs:changed', (j) => seen.push(j));
    onEvent({}, 'jobs:changed', { id: 1 });
    onEvent({}, 'secret:event', { id: 2 });
    off();
    onEvent({}, 'jobs:changed', { id: 3 });
    expect(seen).toEqual([{ id: 1 }]);
    expect(() => (bridge.on as (e: string, l: () => void) => void)('secret:event', () => undefined)).toThrow(/unknown event/);
  });

  it('builds media URLs on the media scheme and resolves dropped files through webUtils', () => {
    expect(bridge.mediaUrl('derived/ab cd.png')).toBe('sightline-media://case/derived/ab%20cd.png');
    expect(bridge.pathForFile({} as File)).toBe('/evidence/clip.mp4');
    electron.getPathForFile.mockImplementationOnce(() => {
      throw new Error('not a file');
    });
    expect(bridge.pathForFile({} as File)).toBeUndefined();
  });
});
