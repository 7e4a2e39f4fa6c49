/**
 * Zoom and pan of the frame view: screen = offset + scale × image pixel. 'fit' follows the viewport's size; any
 * explicit zoom keeps the pixel under the cursor (or the centre) in place, as image tools do.
 */
import { create } from 'zustand';

const MIN_SCALE = 0.05;
const MAX_SCALE = 64;

interface ZoomState {
  fit: boolean;
  scale: number;
  x: number;
  y: number;
  viewW: number;
  viewH: number;
  imgW: number;
  imgH: number;
  /** Image pixel under the pointer, for the status bar. */
  cursor: { readonly x: number; readonly y: number } | null;
  setSizes(viewW: number, viewH: number, imgW: number, imgH: number): void;
  fitToView(): void;
  zoomAt(factor: number, px?: number, py?: number): void;
  setScale(scale: number): void;
  panBy(dx: number, dy: number): void;
  setCursor(screenX: number | null, screenY?: number): void;
}

function fitted(viewW: number, viewH: number, imgW: number, imgH: number): { scale: number; x: number; y: number } {
  if (!(viewW > 0 && viewH > 0 && imgW > 0 && imgH > 0)) return { scale: 1, x: 0, y: 0 };
  const scale = Math.min(viewW / imgW, viewH / imgH);
  return { scale, x: (viewW - imgW * scale) / 2, y: (viewH - imgH * scale) / 2 };
}

export const useZoom = create<ZoomState>()((set, get) => ({
  fit: true,
  scale: 1,
  x: 0,
  y: 0,
  viewW: 0,
  viewH: 0,
  imgW: 0,
  imgH: 0,
  cursor: null,
  setSizes(viewW, viewH, imgW, imgH) {
    const s = get();
    if (s.viewW === viewW && s.viewH === viewH && s.imgW === imgW && s.imgH === imgH) return;
    const imageChanged = s.imgW !== imgW || s.imgH !== imgH;
    set({ viewW, viewH, imgW, imgH });
    // Another clip (another size) starts fitted; a resized window keeps a chosen zoom.
    if (s.fit || imageChanged) set({ fit: true, ...fitted(viewW, viewH, imgW, imgH) });
  },
  fitToView() {
    const s = get();
    set({ fit: true, ...fitted(s.viewW, s.viewH, s.imgW, s.imgH) });
  },
  zoomAt(factor, px, py) {
    const s = get();
    const ax = px ?? s.viewW / 2;
    const ay = py ?? s.viewH / 2;
    const scale = Math.max(MIN_SCALE, Math.min(MAX_SCALE, s.scale * factor));
    const k = scale / s.scale;
    set({ fit: false, scale, x: ax - (ax - s.x) * k, y: ay - (ay - s.y) * k });
  },
  setScale(scale) {
    get().zoomAt(scale / get().scale);
  },
  panBy(dx, dy) {
    set((s) => ({ fit: false, x: s.x + dx, y: s.y + dy }));
  },
  setCursor(screenX, screenY) {
    const s = get();
    if (screenX === null || screenY === undefined) {
      if (s.cursor) set({ cursor: null });
      return;
    }
    const x = Math.floor((screenX - s.x) / s.scale);
    const y = Math.floor((screenY - s.y) / s.scale);
    const inside = x >= 0 && y >= 0 && x < s.imgW && y < s.imgH;
    const cursor = inside ? { x, y } : null;
    if (cursor?.x !== s.cursor?.x || cursor?.y !== s.cursor?.y) set({ cursor });
  },
}));
