/** Cases: create, open, close, the recent list. */
import { z } from 'zod';
import type { CaseInfo } from '../../core/case';
import { channel, FilePath, NoInput, NonEmpty } from './channel';

export type { CaseInfo };

export interface CaseSummary extends CaseInfo {
  readonly dir: string;
  readonly evidenceCount: number;
  readonly auditEntries: number;
  readonly auditHead: string;
}

export interface RecentCase {
  readonly dir: string;
  readonly caseNumber: string;
  readonly title: string;
  readonly openedAt: string;
}

export const caseChannels = {
  'case:recent': channel<RecentCase[]>()(NoInput),
  'case:create': channel<CaseSummary>()(
    z.object({ dir: FilePath, caseNumber: NonEmpty, title: NonEmpty, examiner: NonEmpty, agency: z.string().trim().max(500).optional() }).strict(),
  ),
  'case:open': channel<CaseSummary>()(z.object({ dir: FilePath, examiner: z.string().trim().max(500).optional() }).strict()),
  'case:current': channel<CaseSummary | null>()(NoInput),
  'case:close': channel<null>()(NoInput),
} as const;
