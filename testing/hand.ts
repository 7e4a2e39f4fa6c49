/**
 * A drawn hand for false-face tests: no photograph (nothing to license), reproducible from its parameters. Skin
 * tone, soft shading (lit from above-left), a palm, four jointed fingers and a thumb as rounded capsules with
 * darker outlines, and creases at the knuckles — the blobs and dark lines a face detector keys on (eyes, brows,
 * a mouth), which is why real fists and hands show up as false faces (bench/labels: a fist gripping a pole at
 * 0.64, runners' fists at 0.54–0.57). `curl` closes the fingers into a fist, whose knuckle row and creases look
 * most face-like; `angle` rotates the hand about the wrist (a wave).
 */
import { createRng } from '../domain/random';

export interface HandPose {
  /** Rotation about the wrist, degrees (0 = fingers up). */
  readonly angle: number;
  /** 0 = open hand, 1 = fist. */
  readonly curl: number;
  /** Overall height in px (wrist to fingertips of the open hand). */
  readonly size: number;
  readonly seed?: number;
}

export interface RgbaImage {
  readonly width: number;
  readonly height: number;
  /** RGBA, 0..255, row-major. */
  readonly data: Uint8Array;
}

interface Capsule {
  ax: number;
  ay: number;
  bx: number;
  by: number;
  r: number;
}

function distToSegment(px: number, py: number, c: Capsule): { d: number; t: number } {
  const vx = c.bx - c.ax;
  const vy = c.by - c.ay;
  const l2 = vx * vx + vy * vy || 1;
  const t = Math.max(0, Math.min(1, ((px - c.ax) * vx + (py - c.ay) * vy) / l2));
  return { d: Math.hypot(px - (c.ax + t * vx), py - (c.ay + t * vy)), t };
}

/** Draw a hand (RGBA, transparent background) in a square canvas of side 1.6 × size. */
export function drawHand(pose: HandPose): RgbaImage {
  const S = Math.max(16, Math.round(pose.size * 1.6));
  const rng = createRng(pose.seed ?? 3);
  const u = pose.size / 100; // model units: the open hand is 100 tall
  const curl = Math.max(0, Math.min(1, pose.curl));
  // Hand model in units, wrist at (0, 0), fingers up (−y).
  const palm: Capsule = { ax: 0, ay: -18, bx: 0, by: -40, r: 22 };
  const wrist: Capsule = { ax: 0, ay: 0, bx: 0, by: -18, r: 15 };
  const fingers: Capsule[] = [];
  const creases: Array<{ x: number; y: number; w: number }> = [];
  const bases = [-15, -5, 5, 15];
  const lengths = [30, 36, 33, 25];
  bases.forEach((bx, k) => {
    const len = lengths[k]! * (1 - 0.7 * curl);
    const by = -58 + Math.abs(bx) * 0.25;
    // Curled fingers fold down over the palm: their tips come towards the viewer, below the knuckles.
    const tipY = by - len + curl * 26;
    fingers.push({ ax: bx, ay: by, bx: bx + (k - 1.5) * 2 * (1 - curl), by: tipY, r: 5.2 + 0.8 * curl });
    creases.push({ x: bx, y: by + 2 + curl * 4, w: 4.5 });
    if (curl < 0.5) creases.push({ x: bx, y: by - len * 0.45, w: 4 });
  });
  const thumb: Capsule = { ax: -18, ay: -22, bx: -30 + 22 * curl, by: -42 + 4 * curl, r: 6.5 };
  const parts = [wrist, palm, ...fingers, thumb];
  const rad = (pose.angle * Math.PI) / 180;
  const cos = Math.cos(rad);
  const sin = Math.sin(rad);
  const skin = [222 + rng.uniform(-8, 8), 170 + rng.uniform(-8, 8), 138 + rng.uniform(-8, 8)];
  const data = new Uint8Array(S * S * 4);
  // The wrist sits low in the canvas; fingers point up.
  const ox = S / 2;
  const oy = S * 0.85;
  for (let y = 0; y < S; y++) {
    for (let x = 0; x < S; x++) {
      // Canvas px → hand units (undo the rotation about the wrist).
      const dx = (x + 0.5 - ox) / u;
      const dy = (y + 0.5 - oy) / u;
      const hx = cos * dx + sin * dy;
      const hy = -sin * dx + cos * dy;
      let inside = -Infinity;
      let part = -1;
      parts.forEach((c, i) => {
        const { d } = distToSegment(hx, hy, c);
        const m = c.r - d;
        if (m > inside) {
          inside = m;
          part = i;
        }
      });
      if (inside < -1) continue;
      // Soft edge, darker rim, light from the upper left, creases as dark lines.
      const alpha = Math.max(0, Math.min(1, inside + 1));
      const c = parts[part]!;
      const rim = Math.max(0, Math.min(1, inside / c.r));
      let shade = 0.62 + 0.38 * Math.sqrt(rim) - 0.0025 * (hx + hy);
      // Separation between neighbouring fingers: a dark gap where two finger capsules meet.
      if (part >= 2 && part < 2 + fingers.length) {
        const other = fingers.map((f, i) => (i === part - 2 ? Infinity : distToSegment(hx, hy, f).d - f.r)).reduce((a, b) => Math.min(a, b), Infinity);
        if (other < 1.2) shade *= 0.55 + 0.3 * Math.max(0, other);
      }
      for (const k of creases) {
        const dyc = Math.abs(hy - k.y);
        if (Math.abs(hx - k.x) < k.w && dyc < 1.3) shade *= 0.55 + 0.3 * dyc;
      }
      const o = (y * S + x) * 4;
      for (let ch = 0; ch < 3; ch++) data[o + ch] = Math.max(0, Math.min(255, Math.round(skin[ch]! * shade)));
      data[o + 3] = Math.round(alpha * 255);
    }
  }
  return { width: S, height: S, data };
}
