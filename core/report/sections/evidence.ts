/** The source clips and images the chosen items come from: names, hashes, media facts, import. */
import { bytes, mediaFacts, utc } from '../format';
import type { ReportSection } from '../section';

export const evidenceSection: ReportSection = {
  id: 'evidence',
  title: 'Source evidence',
  applies: (d) => d.evidence.length > 0,
  render(w, d) {
    w.heading('Source evidence');
    w.para('Each item was copied into the case byte for byte, hashed while copying, read back and hashed again, and stored read-only under its SHA-256. Frame numbers are the decoder’s presentation order at import; each frame used below was decoded again and its pixels checked against the MD5 recorded then.', { size: 9 });
    for (const e of d.evidence) {
      w.heading(`Evidence ${e.id}: ${e.originalName}`, 3);
      w.keyValues([
        ['SHA-256', e.sha256, { mono: true }],
        ['MD5', e.md5, { mono: true }],
        ['Size', bytes(e.size)],
        ['Media', mediaFacts(e)],
        ['Imported', `${utc(e.importedAt)} by ${e.importedBy}`],
        ['Imported from', e.sourcePath],
        ...(e.warnings.length ? ([['Damage recorded at import', e.warnings.join('; ')]] as const) : []),
      ]);
    }
  },
};
