/**
 * A gallery index for fast 1:N search: every reference quantised to 8 bits (per-row scale), scanned by a small
 * WebAssembly SIMD kernel (16 dimensions per step), then the best rows re-scored exactly in float32 and grouped
 * by person. The quantisation only orders the scan: every score reported is the exact float32 cosine, and the
 * shortlist is wide (at least 64 rows, 8 per wanted person), far beyond what 8-bit error (~0.001 in cosine on
 * unit vectors) could reorder. A float32 scan of 100,000 × 1024 reads 400 MB per search, more than memory
 * bandwidth allows in 50 ms; 8 bits read 100 MB. Without WebAssembly SIMD the exact JavaScript scan is used.
 *
 * The kernel, hand-assembled below (no toolchain needed), is:
 *   dots(rows, q, n, dim, out): for r < n: acc = i32x4(0);
 *     for k < dim step 16: a = v128.load(rows + r·dim + k); b = v128.load(q + k);
 *       acc += extadd_pairwise(extmul_low_i8(a, b)) + extadd_pairwise(extmul_high_i8(a, b));
 *     out[r] = acc.x + acc.y + acc.z + acc.w
 */
import { bestPeople, buildMatrix, topPeople, type GalleryMatrix, type PersonHit } from './search';

const SIMD = 0xfd;
const get = (i: number): number[] => [0x20, i];
const set = (i: number): number[] => [0x21, i];

/** The function body (locals: r, k, rowptr: i32; acc, a, b: v128). */
function body(): number[] {
  const [ROWS, Q, N, DIM, OUT, R, K, ROWPTR, ACC, A, B] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  const code: number[] = [
    0x02, 0x40, // block (exit rows)
    0x03, 0x40, //   loop (rows)
    ...get(R), ...get(N), 0x4f, 0x0d, 0x01, // if r >= n: break
    ...get(ROWS), ...get(R), ...get(DIM), 0x6c, 0x6a, ...set(ROWPTR), // rowptr = rows + r*dim
    SIMD, 0x0c, ...new Array<number>(16).fill(0), ...set(ACC), // acc = 0
    0x41, 0x00, ...set(K), // k = 0
    0x02, 0x40, //     block (exit k)
    0x03, 0x40, //       loop (k)
    ...get(K), ...get(DIM), 0x4f, 0x0d, 0x01, // if k >= dim: break
    ...get(ROWPTR), ...get(K), 0x6a, SIMD, 0x00, 0x00, 0x00, ...set(A), // a = load(rowptr + k)
    ...get(Q), ...get(K), 0x6a, SIMD, 0x00, 0x00, 0x00, ...set(B), // b = load(q + k)
    ...get(ACC),
    ...get(A), ...get(B), SIMD, 0x9c, 0x01, SIMD, 0x7e, SIMD, 0xae, 0x01, // acc += pairwise(extmul_low(a, b))
    ...get(A), ...get(B), SIMD, 0x9d, 0x01, SIMD, 0x7e, SIMD, 0xae, 0x01, // acc += pairwise(extmul_high(a, b))
    ...set(ACC),
    ...get(K), 0x41, 0x10, 0x6a, ...set(K), // k += 16
    0x0c, 0x00, //         br (loop k)
    0x0b, 0x0b, //       end loop, end block
    ...get(OUT), ...get(R), 0x41, 0x02, 0x74, 0x6a, // &out[r]
    ...get(ACC), SIMD, 0x1b, 0x00,
    ...get(ACC), SIMD, 0x1b, 0x01, 0x6a,
    ...get(ACC), SIMD, 0x1b, 0x02, 0x6a,
    ...get(ACC), SIMD, 0x1b, 0x03, 0x6a,
    0x36, 0x02, 0x00, // i32.store
    ...get(R), 0x41, 0x01, 0x6a, ...set(R), // r += 1
    0x0c, 0x00, //   br (loop rows)
    0x0b, 0x0b, // end loop, end block
    0x0b, // end function
  ];
  return [0x02, 0x03, 0x7f, 0x03, 0x7b, ...code];
}

function leb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
}

function section(id: number, content: number[]): number[] {
  return [id, ...leb(content.length), ...content];
}

const str = (s: string): number[] => [...leb(s.length), ...[...s].map((ch) => ch.charCodeAt(0))];

export function kernelBytes(): Uint8Array {
  const b = body();
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [0x01, 0x60, 0x05, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x00]),
    ...section(2, [0x01, ...str('env'), ...str('memory'), 0x02, 0x00, 0x01]),
    ...section(3, [0x01, 0x00]),
    ...section(7, [0x01, ...str('dots'), 0x00, 0x00]),
    ...section(10, [0x01, ...leb(b.length), ...b]),
  ]);
}

/** The WebAssembly API as used here (typed locally: the build's lib has no DOM, and Node's typings vary). */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
}
interface Wasm {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: Record<string, Record<string, unknown>>) => { readonly exports: Record<string, unknown> };
  Memory: new (d: { initial: number }) => WasmMemory;
}
const wasm = (globalThis as unknown as { WebAssembly?: Wasm }).WebAssembly;

let compiled: object | null | undefined;

function kernel(): object | null {
  if (compiled !== undefined) return compiled;
  try {
    const bytes = kernelBytes();
    compiled = wasm && wasm.validate(bytes) ? new wasm.Module(bytes) : null;
  } catch {
    compiled = null;
  }
  return compiled;
}

export function simdAvailable(): boolean {
  return kernel() !== null;
}

/** Quantise a row to int8 with its own scale (value ≈ q · scale). */
function quantise(src: Float32Array, offset: number, dim: number, dst: Int8Array, dstOffset: number): number {
  let m = 0;
  for (let k = 0; k < dim; k++) m = Math.max(m, Math.abs(src[offset + k]!));
  const scale = m > 0 ? m / 127 : 1;
  for (let k = 0; k < dim; k++) dst[dstOffset + k] = Math.round(src[offset + k]! / scale);
  return scale;
}

export class GalleryIndex {
  readonly matrix: GalleryMatrix;
  private readonly dots: ((rows: number, q: number, n: number, dim: number, out: number) => void) | null = null;
  private readonly memory: WasmMemory | null = null;
  private readonly scales: Float32Array;
  private readonly qOffset: number;
  private readonly outOffset: number;

  constructor(rows: ReadonlyArray<{ personId: number; referenceId: number; embedding: Float32Array }> | GalleryMatrix) {
    this.matrix = 'data' in rows ? rows : buildMatrix(rows);
    const m = this.matrix;
    this.scales = new Float32Array(m.count);
    this.qOffset = m.count * m.dim;
    this.outOffset = Math.ceil((this.qOffset + m.dim) / 16) * 16;
    const mod = m.dim % 16 === 0 && m.count > 0 ? kernel() : null;
    if (!mod || !wasm) return;
    const bytes = this.outOffset + m.count * 4;
    this.memory = new wasm.Memory({ initial: Math.max(1, Math.ceil(bytes / 65536)) });
    const inst = new wasm.Instance(mod, { env: { memory: this.memory } });
    this.dots = inst.exports.dots as (rows: number, q: number, n: number, dim: number, out: number) => void;
    const q8 = new Int8Array(this.memory.buffer, 0, this.qOffset);
    for (let r = 0; r < m.count; r++) this.scales[r] = quantise(m.data, r * m.dim, m.dim, q8, r * m.dim);
  }

  /** Whether the quantised SIMD scan is in use (else the exact JavaScript scan). */
  get accelerated(): boolean {
    return this.dots !== null;
  }

  /** Top `k` people by their best reference (exact float32 scores). */
  search(query: Float32Array, k: number): PersonHit[] {
    const m = this.matrix;
    if (query.length !== m.dim) throw new RangeError(`query has ${query.length} dimensions, the gallery ${m.dim}`);
    if (!this.dots || !this.memory) return topPeople(m, query, k);
    const q8 = new Int8Array(this.memory.buffer, this.qOffset, m.dim);
    quantise(query, 0, m.dim, q8, 0);
    this.dots(0, this.qOffset, m.count, m.dim, this.outOffset);
    const out = new Int32Array(this.memory.buffer, this.outOffset, m.count);
    // Shortlist by approximate score, then exact scores for the shortlist only.
    const want = Math.min(m.count, Math.max(64, 8 * k));
    const idx = shortlist(out, this.scales, want);
    return bestPeople(
      m,
      idx,
      (r) => {
        let s = 0;
        const o = r * m.dim;
        for (let d = 0; d < m.dim; d++) s += m.data[o + d]! * query[d]!;
        return s;
      },
      k,
    );
  }
}

/** Indices of the `want` largest approximate scores (a bounded min-heap: one pass, no full sort). */
function shortlist(out: Int32Array, scales: Float32Array, want: number): number[] {
  const heapS = new Float64Array(want);
  const heapI = new Int32Array(want);
  let size = 0;
  const siftDown = (i: number): void => {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < size && heapS[l]! < heapS[m]!) m = l;
      if (r < size && heapS[r]! < heapS[m]!) m = r;
      if (m === i) return;
      [heapS[i], heapS[m]] = [heapS[m]!, heapS[i]!];
      [heapI[i], heapI[m]] = [heapI[m]!, heapI[i]!];
      i = m;
    }
  };
  for (let r = 0; r < out.length; r++) {
    const s = out[r]! * scales[r]!;
    if (size < want) {
      let i = size++;
      heapS[i] = s;
      heapI[i] = r;
      while (i > 0) {
        const p = (i - 1) >> 1;
        if (heapS[p]! <= heapS[i]!) break;
        [heapS[i], heapS[p]] = [heapS[p]!, heapS[i]!];
        [heapI[i], heapI[p]] = [heapI[p]!, heapI[i]!];
        i = p;
      }
    } else if (s > heapS[0]!) {
      heapS[0] = s;
      heapI[0] = r;
      siftDown(0);
    }
  }
  return Array.from(heapI.subarray(0, size));
}
