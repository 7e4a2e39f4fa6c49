import fs from 'node:fs';
import path from 'node:path';
import type { Command } from '../command';
import { auditToCsv, auditToJson } from '../../core/audit';
import { SightlineError, fromSystemError } from '../../core/errors';
import { sha256Hex } from '../../core/hashing';
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
      ctx.print({ ok: false, verification: r }, `audit chain BROKEN at entry ${r.firstBadSeq}: ${r.reason}`);
      return EXIT.auditBroken;
    });
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
      const verification = c.audit.verify();
      const entries = c.audit.list();
      const text = format === 'json' ? auditToJson({ ...c.info }, entries, verification) : auditToCsv(entries, verification);
      const out = path.resolve(str(values, 'out') ?? path.join(c.paths.exports, `audit-${c.info.caseNumber.replace(/[^\w.-]+/g, '_')}.${format}`));
      try {
        fs.mkdirSync(path.dirname(out), { recursive: true });
        fs.writeFileSync(`${out}.part`, text);
        fs.renameSync(`${out}.part`, out);
      } catch (e) {
        fs.rmSync(`${out}.part`, { force: true });
        throw fromSystemError(e, `writing ${out}`) ?? e;
      }
      const sha = sha256Hex(text);
      c.audit.append({
        action: 'audit.export',
        params: { format, path: out, entries: entries.length, headHash: verification.headHash, chainIntact: verification.ok },
        outputs: [{ sha256: sha, role: 'export', name: path.basename(out) }],
      });
      ctx.print(
        { ok: true, path: out, format, entries: entries.length, headHash: verification.headHash, chainIntact: verification.ok, sha256: sha },
        `exported ${entries.length} audit entries (${format}) to ${out}\n  head hash ${verification.headHash}${verification.ok ? '' : `\n  WARNING: chain broken at entry ${verification.firstBadSeq}`}`,
      );
    });
  },
};
