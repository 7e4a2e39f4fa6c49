/** First section: the case, the report's own identity, the audit state it describes, and what it contains. */
import { tierLabel } from '../../../domain/enhance';
import { COLOURS } from '../writer';
import { utc } from '../format';
import type { ReportSection } from '../section';

export const summarySection: ReportSection = {
  id: 'summary',
  title: 'Case and report',
  applies: () => true,
  render(w, d) {
    w.doc.font('bold').fontSize(20).fillColor(COLOURS.text).text('Evidence report', w.left, w.doc.y, { width: w.contentWidth });
    w.doc.font('sans').fontSize(11).fillColor(COLOURS.muted).text(`${d.info.caseNumber} — ${d.info.title}`, { width: w.contentWidth });
    w.doc.moveDown(0.8);
    w.heading('Case', 2);
    w.keyValues([
      ['Case number', d.info.caseNumber],
      ['Title', d.info.title],
      ['Examiner (case)', d.info.examiner],
      ['Agency', d.info.agency ?? '—'],
      ['Case created', utc(d.info.createdAt)],
      ['Case identifier', d.info.caseUuid, { mono: true }],
    ]);
    w.heading('This report', 2);
    w.keyValues([
      ['Report id', d.reportId, { mono: true }],
      ['Produced by', d.producedBy],
      ['Describes the case as of', `${utc(d.state.entry.ts)} (audit entry ${d.state.entry.seq}, the newest entry that is not an export)`],
      ['Application', `Sightline ${d.appVersion}`],
      ['Time zone', 'every date and time in this report is in UTC'],
    ]);
    w.heading('Audit log', 2);
    w.keyValues([
      // Only what the state entry fixes: later export entries (this report's own among them) must not change the text.
      ['Chain', 'recomputed and verified intact when this report was made'],
      ['State entry', `entry ${d.state.entry.seq}: ${d.state.entry.action}, ${utc(d.state.entry.ts)}`],
      ['Head hash at that entry', d.state.entry.hash, { mono: true }],
      ['Entry count at that entry', String(d.state.entry.seq)],
    ]);
    w.para(
      'The audit log is append-only and hash-chained: each entry’s hash covers the previous entry’s hash and its own content. Anyone holding the audit export can recompute the chain up to the entry above and compare its hash.',
      { size: 8.5, colour: COLOURS.muted },
    );
    w.heading('Contents', 2);
    const rows: Array<readonly [string, string]> = [];
    for (const e of d.enhancements) {
      rows.push([`Enhancement ${e.record.id}`, `${e.record.mode} ×${e.record.scale} of track ${e.record.trackId}, evidence ${e.record.evidenceId}, reference frame ${e.record.referenceFrame} — ${tierLabel(e.record.tier)}`]);
    }
    for (const f of d.frames) rows.push([`Frame ${f.info.index}`, `${f.evidence.originalName} (evidence ${f.evidence.id})`]);
    rows.push([
      'Bystander redaction',
      d.selection.redact ? `on: ${d.images.redaction.regionCount} region(s) redacted over ${d.images.images.length} image(s)` : `OFF for this report — reason given: ${d.selection.reason ?? '—'}`,
    ]);
    w.keyValues(rows);
  },
};
