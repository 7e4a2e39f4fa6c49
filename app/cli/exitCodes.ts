/** Process exit codes of `sightline`. 3: an integrity check failed (the audit chain, or an evidence file's hash). */
export const EXIT = { ok: 0, failed: 1, usage: 2, auditBroken: 3, evidenceAltered: 3, cancelled: 130 } as const;
