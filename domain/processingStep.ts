/**
 * The record every evidential operation returns beside its image, so the job that ran it can write the exact
 * method and parameters into the audit log and the evidence report, and `replay` can run it again.
 * Parameters are plain JSON values (no Infinity/NaN/undefined), fully resolved: defaults are filled in, so
 * the record alone reproduces the result.
 */
export type ParamValue = string | number | boolean | null | readonly ParamValue[] | { readonly [key: string]: ParamValue };

export interface ProcessingStep {
  /** Stable machine name, e.g. `deconvolve.wiener`. */
  readonly operation: string;
  /** One-line human description with the literature reference, for the report. */
  readonly method: string;
  readonly params: { readonly [key: string]: ParamValue };
}

/** Reject parameters that would not survive JSON (and so could not be replayed from the log). */
export function assertJsonParams(params: { readonly [key: string]: unknown }, where: string): void {
  const check = (v: unknown, at: string): void => {
    if (v === null || typeof v === 'string' || typeof v === 'boolean') return;
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) throw new RangeError(`${where}: parameter ${at} is not a finite number`);
      return;
    }
    if (Array.isArray(v)) {
      v.forEach((x, i) => check(x, `${at}[${i}]`));
      return;
    }
    if (typeof v === 'object') {
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) check(x, `${at}.${k}`);
      return;
    }
    throw new RangeError(`${where}: parameter ${at} has unsupported type ${typeof v}`);
  };
  for (const [k, v] of Object.entries(params)) check(v, k);
}
