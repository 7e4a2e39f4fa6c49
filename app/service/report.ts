import path from 'node:path';
import { defaultImageExportPath, exportImage } from '../../core/export/viewExports';
import { defaultPackagePath } from '../../core/exportPackage/package';
import { verifyPackage } from '../../core/exportPackage/verify';
import { defaultReportPath } from '../../core/report/report';
import { checkOutputPath } from '../../core/export/output';
import { resolveSelection } from '../../core/export/selection';
import type { reportChannels } from '../contract/report';
import type { FeatureHandlers, ServiceContext } from './context';

export function reportHandlers(s: ServiceContext): FeatureHandlers<keyof typeof reportChannels> {
  // Check the choices and the destination before queueing, so a bad id or path is an error now, not a failed job.
  const queue = (kind: 'report' | 'package', i: { selection: Parameters<typeof resolveSelection>[1]; path?: string | undefined; force?: boolean | undefined }) => {
    const { handle, jobs } = s.requireCase();
    const selection = resolveSelection(handle, i.selection);
    const out = i.path ?? (kind === 'report' ? defaultReportPath(handle) : defaultPackagePath(handle));
    const zip = path.extname(out).toLowerCase() === '.zip';
    checkOutputPath(handle, out, { kind: kind === 'report' || zip ? 'file' : 'folder', force: i.force ?? false, ...(kind === 'report' ? { extensions: ['.pdf'] } : {}) });
    return jobs.enqueue(kind, { selection, out, force: i.force ?? false });
  };
  return {
    'report:create': (i) => queue('report', i),
    'package:create': (i) => queue('package', i),
    'package:verify': (i) => verifyPackage(i.path),
    'export:image': (i) =>
      exportImage(s.requireCase().handle, {
        kind: i.kind,
        ...(i.enhancementId !== undefined ? { enhancementId: i.enhancementId } : {}),
        ...(i.evidenceId !== undefined ? { evidenceId: i.evidenceId } : {}),
        ...(i.index !== undefined ? { index: i.index } : {}),
        ...(i.keepTrackIds ? { keepTrackIds: i.keepTrackIds } : {}),
        ...(i.redact !== undefined ? { redact: i.redact } : {}),
        ...(i.reason !== undefined ? { reason: i.reason } : {}),
        ...(i.path !== undefined ? { path: i.path } : {}),
        ...(i.force !== undefined ? { force: i.force } : {}),
      }),
    'export:defaultPath': (i) => {
      const c = s.requireCase().handle;
      const p =
        i.kind === 'report'
          ? defaultReportPath(c)
          : i.kind === 'package'
            ? defaultPackagePath(c)
            : defaultImageExportPath(c, {
                kind: i.kind,
                ...(i.enhancementId !== undefined ? { enhancementId: i.enhancementId } : {}),
                ...(i.evidenceId !== undefined ? { evidenceId: i.evidenceId } : {}),
                ...(i.index !== undefined ? { index: i.index } : {}),
                ...(i.redact !== undefined ? { redact: i.redact } : {}),
              });
      return { path: p, dir: path.dirname(p), name: path.basename(p) };
    },
  };
}
