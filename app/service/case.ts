import fs from 'node:fs';
import path from 'node:path';
import { createCase, openCase, type CaseHandle } from '../../core/case';
import { listEvidence } from '../../core/evidence';
import { checkAllEvidence } from '../../core/evidenceVerify';
import type { caseChannels, RecentCase } from '../contract/case';
import type { FeatureHandlers, ServiceContext } from './context';

export function caseHandlers(s: ServiceContext): FeatureHandlers<keyof typeof caseChannels> {
  return {
    'case:recent': () => readRecent(s),
    'case:create': async (i) => {
      const handle = createCase(i.dir, { caseNumber: i.caseNumber, title: i.title, examiner: i.examiner, agency: i.agency ?? null });
      remember(s, handle);
      return s.adopt(handle, 'created');
    },
    'case:open': async (i) => {
      const handle = openCase(i.dir, i.examiner ? { examiner: i.examiner } : {});
      remember(s, handle);
      const summary = await s.adopt(handle, 'opened');
      void verifyOnOpen(s, handle);
      return summary;
    },
    'case:current': () => (s.hasCase() ? s.summary() : null),
    'case:close': async () => {
      await s.closeCase();
      s.emit('case:changed', { reason: 'closed', case: null });
      return null;
    },
  };
}

/**
 * Re-check the evidence files of a case just opened (cached by file identity: only changed files are hashed),
 * in the background so a large case opens at once; jobs that read a file check it themselves first. The views
 * learn the outcome from `case:changed` (reason 'evidence'): the evidence list shows altered or missing files.
 */
async function verifyOnOpen(s: ServiceContext, handle: CaseHandle): Promise<void> {
  try {
    const checks = await checkAllEvidence(handle, listEvidence(handle));
    if (checks.some((c) => c.status !== 'intact') && s.hasCase() && s.requireCase().handle === handle) {
      s.emit('case:changed', { reason: 'evidence', case: s.summary() });
    }
  } catch {
    // The case was closed while its files were checked; the next open checks again.
  }
}

function recentFile(s: ServiceContext): string {
  return path.join(s.shell.userDataDir, 'recent-cases.json');
}

function readRecent(s: ServiceContext): RecentCase[] {
  try {
    const list = JSON.parse(fs.readFileSync(recentFile(s), 'utf8')) as RecentCase[];
    return list.filter((r) => fs.existsSync(path.join(r.dir, 'case.db')));
  } catch {
    return [];
  }
}

function remember(s: ServiceContext, c: CaseHandle): void {
  const entry: RecentCase = { dir: c.dir, caseNumber: c.info.caseNumber, title: c.info.title, openedAt: new Date().toISOString() };
  const list = [entry, ...readRecent(s).filter((r) => r.dir !== c.dir)].slice(0, 12);
  try {
    fs.mkdirSync(s.shell.userDataDir, { recursive: true });
    fs.writeFileSync(recentFile(s), JSON.stringify(list, null, 2));
  } catch {
    // The recent list is a convenience; failing to save it must not fail opening a case.
  }
}
