/** The audit log: list, verify the chain, export. */
import { z } from 'zod';
import type { AuditEntry, HashRef, VerifyResult } from '../../core/audit';
import type { AuditExportResult } from '../../core/auditExport';
import { channel, FilePath, NoInput } from './channel';

export type { AuditEntry, AuditExportResult, HashRef, VerifyResult };

export const auditChannels = {
  'audit:list': channel<AuditEntry[]>()(z.object({ action: z.string().max(100).optional(), limit: z.number().int().positive().max(100000).optional() }).strict()),
  'audit:verify': channel<VerifyResult>()(NoInput),
  'audit:export': channel<AuditExportResult>()(z.object({ format: z.enum(['json', 'csv']), path: FilePath.optional() }).strict()),
} as const;
