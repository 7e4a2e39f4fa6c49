/** Small helpers for `npm run bench`: figures are printed, never asserted. */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export async function timeIt<T>(fn: () => Promise<T> | T): Promise<{ ms: number; value: T }> {
  const t0 = process.hrtime.bigint();
  const value = await fn();
  return { ms: Number(process.hrtime.bigint() - t0) / 1e6, value };
}

export function row(label: string, value: string, note = ''): void {
  process.stdout.write(`  ${label.padEnd(44)} ${value.padStart(14)}  ${note}\n`);
}

export function heading(title: string): void {
  process.stdout.write(`\n== ${title} ==\n`);
}
