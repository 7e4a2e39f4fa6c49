import { exportAuditLog } from '../../core/auditExport';
import type { auditChannels } from '../contract/audit';
import type { FeatureHandlers, ServiceContext } from './context';

export function auditHandlers(s: ServiceContext): FeatureHandlers<keyof typeof auditChannels> {
  return {
    'audit:list': (i) => s.requireCase().handle.audit.list({ ...(i.action ? { action: i.action } : {}), ...(i.limit ? { limit: i.limit } : {}) }),
    'audit:verify': () => s.requireCase().handle.audit.verify(),
    'audit:export': (i) => exportAuditLog(s.requireCase().handle, i.format, i.path),
  };
}
