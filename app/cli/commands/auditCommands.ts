import type { Command } from '../command';
import { exportAuditLog } from '../../../core/auditExport';
import { SightlineError } from '../../../domain/errors';
import { term } from '../../../platform/terminalText';
import { EXIT } from '../exitCodes';
import { str, withCase } from './shared';

export const auditVerify: Command = {
  path: ['audit', 'verify'],
  summary: 'recompute the audit hash chain; exit 0 when intact, 3 and the first bad entry otherwise',
  usage: 'audit verify DIR',
  positionals: [1, 1],
  async run([dir], values, ctx) {
    return withCase(dir!, values, (c) => {
      const r = c.audit.verify();
      if (r.ok) {
        ctx.print({ ok: true, verification: r }, `audit chain intact: ${r.entries} entries, head ${r.headHash}`);
        return EXIT.ok;
      }
      ctx.print({ ok: false, verification: r }, term`audit chain BROKEN at entry ${r.firstBadSeq}: ${r.reason}`);
      return EXIT.auditBroken;
    }, { readonly: true });
  },
};

export const auditExport: Command = {
  path: ['audit', 'export'],
  summary: 'export the audit log (JSON or CSV) with its head hash',
  usage: 'audit export DIR --format json|csv --out FILE',
  positionals: [1, 1],
  options: { format: { type: 'string' }, out: { type: 'string' } },
  async run([dir], values, ctx) {
    const format = str(values, 'format') ?? 'json';
    if (format !== 'json' && format !== 'csv') throw new SightlineError('INVALID_INPUT', `--format must be json or csv, not ${format}`);
    await withCase(dir!, values, (c) => {
      const r = exportAuditLog(c, format, str(values, 'out'));
      ctx.print(
        { ok: true, ...r },
        `${term`exported ${r.entries} audit entries (${format}) to ${r.path}`}\n  head hash ${r.headHash}${r.chainIntact ? '' : '\n  WARNING: the chain is broken; run `sightline audit verify`'}`,
      );
    }, { ctx });
  },
};
