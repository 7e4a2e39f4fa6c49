/** Process exit codes of `sightline`. */
export const EXIT = { ok: 0, failed: 1, usage: 2, auditBroken: 3, cancelled: 130 } as const;
