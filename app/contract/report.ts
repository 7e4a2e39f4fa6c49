/** The evidence report, the signed export package, single-image exports ("Save as"), and package checks. */
import { z } from 'zod';
import type { ImageExport } from '../../core/export/viewExports';
import type { CreatedPackage } from '../../core/exportPackage/package';
import type { PackageVerification } from '../../core/exportPackage/verify';
import type { CreatedReport } from '../../core/report/report';
import type { Job } from '../../core/jobs';
import { channel, FilePath, FrameIndex, Id } from './channel';

export type { CreatedPackage, CreatedReport, ImageExport, PackageVerification };

/** What goes into a report or package (the same shape the CLI builds from its flags). */
export const SelectionInput = z
  .object({
    enhancementIds: z.array(Id).max(200).optional(),
    identificationIds: z.array(Id).max(200).optional(),
    frames: z.array(z.object({ evidenceId: Id, index: FrameIndex }).strict()).max(500).optional(),
    keepTrackIds: z.array(Id).max(200).optional(),
    redact: z.boolean().optional(),
    reason: z.string().trim().max(1000).nullable().optional(),
  })
  .strict();

export type SelectionChoice = z.input<typeof SelectionInput>;

const ExportTarget = { path: FilePath.optional(), force: z.boolean().optional() };

export const reportChannels = {
  /** Queue the report job (progress as `jobs:progress`; cancel with `jobs:cancel`); without `path` it goes to exports/. */
  'report:create': channel<Job>()(z.object({ selection: SelectionInput, ...ExportTarget }).strict()),
  /** Queue the export-package job: a folder, or a zip when the path ends in .zip. */
  'package:create': channel<Job>()(z.object({ selection: SelectionInput, ...ExportTarget }).strict()),
  /** Check a package with nothing but the package (hashes and signature); never throws for a tampered one. */
  'package:verify': channel<PackageVerification>()(z.object({ path: FilePath }).strict()),
  /** Export one image (enhanced result, side-by-side comparison, or a frame), redacted unless turned off with a reason; audited. */
  'export:image': channel<ImageExport>()(
    z
      .object({
        kind: z.enum(['enhanced', 'comparison', 'frame']),
        enhancementId: Id.optional(),
        evidenceId: Id.optional(),
        index: FrameIndex.optional(),
        keepTrackIds: z.array(Id).max(200).optional(),
        redact: z.boolean().optional(),
        reason: z.string().trim().max(1000).nullable().optional(),
        ...ExportTarget,
      })
      .strict(),
  ),
  /** Where an export goes by default (the case's exports/ folder), for the Save-as dialog to start from. */
  'export:defaultPath': channel<{ path: string; dir: string; name: string }>()(
    z
      .object({
        kind: z.enum(['report', 'package', 'enhanced', 'comparison', 'frame']),
        enhancementId: Id.optional(),
        evidenceId: Id.optional(),
        index: FrameIndex.optional(),
        redact: z.boolean().optional(),
      })
      .strict(),
  ),
} as const;
