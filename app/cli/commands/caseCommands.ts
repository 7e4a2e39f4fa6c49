import type { Command } from '../command';
import { createCase, readCaseInfoSummary } from '../../../core/case';
import { SightlineError } from '../../../domain/errors';
import { term } from '../../../platform/terminalText';
import { str, withCase } from './shared';

export const caseCreate: Command = {
  path: ['case', 'create'],
  summary: 'create a new case folder (DIR.sightline)',
  usage: 'case create DIR --number N --title T --examiner E [--agency A]',
  positionals: [1, 1],
  options: { number: { type: 'string' }, title: { type: 'string' }, agency: { type: 'string' } },
  async run([dir], values, ctx) {
    const examiner = str(values, 'examiner');
    for (const [k, v] of [['--number', str(values, 'number')], ['--title', str(values, 'title')], ['--examiner', examiner]] as const) {
      if (!v) throw new SightlineError('INVALID_INPUT', `${k} is required`);
    }
    const c = createCase(dir!, { caseNumber: str(values, 'number')!, title: str(values, 'title')!, examiner: examiner!, agency: str(values, 'agency') ?? null });
    try {
      const info = readCaseInfoSummary(c);
      ctx.print({ ok: true, case: info }, term`Created case ${c.info.caseNumber} "${c.info.title}" at ${c.dir}`);
    } finally {
      c.close();
    }
  },
};

export const caseInfo: Command = {
  path: ['case', 'info'],
  summary: 'show a case: metadata, evidence count, audit head hash',
  usage: 'case info DIR',
  positionals: [1, 1],
  async run([dir], values, ctx) {
    await withCase(dir!, values, (c) => {
      const info = readCaseInfoSummary(c);
      ctx.print({ ok: true, case: info }, () =>
        [
          term`Case        ${c.info.caseNumber} — ${c.info.title}`,
          term`Folder      ${c.dir}`,
          term`Examiner    ${c.info.examiner}${c.info.agency ? ` (${c.info.agency})` : ''}`,
          term`Created     ${c.info.createdAt} with Sightline ${c.info.appVersion}`,
          `Evidence    ${String(info.evidence)} item(s)`,
          `Audit log   ${String(info.auditEntries)} entries, head ${String(info.auditHead)}`,
        ].join('\n'),
      );
    }, { readonly: true });
  },
};
