/**
 * `npm run bench -- identify`: 1:N search of one template against 10,000 and 100,000 synthetic gallery entries
 * (1024-d, the identification embedder's size), with the product's unrolled scan next to a plain dot-product loop
 * measured in the same run; median of repeated searches (best reference per person and the top 10 included).
 */
import os from 'node:os';
import { scoreAllNaive, topPeople } from '../core/identify/search';
import { GalleryIndex } from '../core/identify/searchIndex';

function unitRows(n: number, dim: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(n * dim);
  for (let r = 0; r < n; r++) {
    let norm = 0;
    for (let k = 0; k < dim; k++) {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      const v = s / 4294967296 - 0.5;
      out[r * dim + k] = v;
      norm += v * v;
    }
    const inv = 1 / Math.sqrt(norm);
    for (let k = 0; k < dim; k++) out[r * dim + k] = out[r * dim + k]! * inv;
  }
  return out;
}

function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

export async function benchIdentify(): Promise<void> {
  const dim = 1024;
  process.stdout.write(`\n1:N search (${dim}-d, 3 references per person; ${os.cpus()[0]?.model ?? 'cpu'}, one thread)\n`);
  for (const n of [10_000, 100_000]) {
    const data = unitRows(n, dim, n);
    const m = { dim, count: n, data, personIds: Int32Array.from({ length: n }, (_, i) => Math.floor(i / 3)), referenceIds: Int32Array.from({ length: n }, (_, i) => i) };
    const query = unitRows(1, dim, 7);
    const runs = n >= 100_000 ? 7 : 21;
    const time = (f: () => void): number => {
      f();
      const t: number[] = [];
      for (let i = 0; i < runs; i++) {
        const t0 = performance.now();
        f();
        t.push(performance.now() - t0);
      }
      return median(t);
    };
    const t0 = performance.now();
    const index = new GalleryIndex(m);
    const build = performance.now() - t0;
    const fast = time(() => index.search(query, 10));
    const exact = time(() => topPeople(m, query, 10));
    const naive = time(() => scoreAllNaive(m, query));
    const same = JSON.stringify(index.search(query, 10).map((h) => h.referenceId)) === JSON.stringify(topPeople(m, query, 10).map((h) => h.referenceId));
    process.stdout.write(
      `  ${n.toLocaleString('en')} entries: index search + top 10 ${fast.toFixed(1)} ms (${index.accelerated ? '8-bit WebAssembly SIMD scan + exact re-score' : 'no WebAssembly SIMD: exact scan'}; built once in ${build.toFixed(0)} ms; same top 10 as the exact scan: ${same ? 'yes' : 'NO'}) — ` +
        `exact float32 scan ${exact.toFixed(1)} ms, plain dot-product loop ${naive.toFixed(1)} ms; target < 50 ms at 100,000\n`,
    );
  }
}
