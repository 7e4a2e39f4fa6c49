/**
 * The identifications the examiner chose: the probe (its frames and their weights in the template), the ranked
 * candidates with score, false-match rate and likelihood ratio from the pinned calibration, the dual gate, the
 * examiners' conclusions (with blind verification) — and, on every page of it, that a candidate is an
 * investigative lead, not an identification.
 */
import { COLOURS } from '../writer';
import type { ReportSection } from '../section';
import { LEAD_NOT_IDENTIFICATION } from '../../../domain/identify';

function pct(x: number): string {
  return `${(x * 100).toFixed(0)} %`;
}

export const identificationsSection: ReportSection = {
  id: 'identifications',
  title: 'Identifications',
  applies: (d) => d.identifications.length > 0,
  render(w, d) {
    for (const { record: r, conclusions } of d.identifications) {
      w.newPage();
      w.heading(`Identification ${r.id}${r.purpose === 'watchlist' ? ' (watchlist comparison after an analysis)' : ''}`);
      w.banner(LEAD_NOT_IDENTIFICATION, COLOURS.investigative, COLOURS.investigativeBg, 10);
      const t = r.template;
      w.keyValues([
        ['Probe', `track ${t.trackId} of evidence ${t.evidenceId} (analysis run ${t.runId})${t.enhancementId !== null ? `, enhancement ${t.enhancementId}` : ''}; ${t.kind === 'track' ? 'template of the track\'s frames' : t.kind === 'frames' ? 'template of the chosen frames' : 'the enhancement\'s output'}`],
        ['Face size', `${t.faceWidth.toFixed(0)} px (band ${r.calibration.bandLabel}); template quality ${t.quality.toFixed(3)}`],
        ['Recognizer', `${r.model.id} ${r.model.sha256}`, { mono: true }],
        ['Calibration', `${r.calibration.id} ${r.calibration.sha256}`, { mono: true }],
        ['Reference population', `${r.calibration.reference}; ${r.calibration.condition}`],
        ['Gallery', `${r.gallery.people} people, ${r.gallery.references} references (digest ${r.gallery.digest.slice(0, 16)}…)`],
        ['Gate', `quality > ${r.gate.thresholds.minQuality} and similarity > ${r.gate.thresholds.minSimilarity}; ${r.aboveCount} candidate(s) above it`],
        ['Made', `${r.createdAt} by ${r.createdBy}`],
      ]);
      if (t.frames.length > 0) {
        w.heading('Probe frames (original pixels) and their share of the template', 3);
        w.table(
          ['frame', 'quality', 'share', 'native crop SHA-256'],
          t.frames.map((f) => [String(f.frame), f.quality.toFixed(3), pct(f.weight), f.cropSha256]),
          [0.12, 0.12, 0.12, 0.64], // fractions of the content width
          { mono: [false, false, false, true], size: 8 },
        );
      }
      w.heading(`Candidates (top ${r.topK})`, 3);
      w.table(
        ['rank', 'person', 'score', 'FMR at score', 'LR', 'gate'],
        r.candidates.map((c) => [String(c.rank), c.name, c.score.toFixed(3), c.fmr.text, `${c.lr.text} (${c.lr.verbal})`, c.gate.passes ? 'above threshold' : 'below — shown for completeness']),
        [0.07, 0.22, 0.09, 0.16, 0.28, 0.18], // fractions of the content width
        { size: 8 },
      );
      w.para('FMR: the share of different-person pairs of the reference population, at this face size, that score at least this high. LR: how much more probable this score is for the same person than for different people, in that population. Neither is a probability that the candidate is the person.', { size: 8, colour: COLOURS.muted });
      w.heading('Examiner conclusions', 3);
      if (conclusions.length === 0) w.para('None recorded.', { colour: COLOURS.muted });
      for (const k of conclusions) {
        w.keyValues([
          ['Candidate', `${k.software.name} (rank ${k.software.rank}, score ${k.software.score.toFixed(3)})`],
          ['Conclusion', `${k.levelText} (${k.scale.id})`],
          ['By', `${k.examiner} (${k.role === 'verification' ? `verification${k.blind ? ', blind' : ''}` : 'examination'}), ${k.createdAt}`],
          ['Images viewed', `${k.viewed.originalFrames.length} original frame(s)${k.viewed.enhancements.length ? `, enhancement(s) ${k.viewed.enhancements.join(', ')}` : ''}${k.viewed.references.length ? `, reference(s) ${k.viewed.references.join(', ')}` : ''} (${k.viewed.interface === 'ui' ? 'comparison view' : 'command line'})`],
          ...(k.note ? ([['Note', k.note]] as const) : []),
        ]);
      }
    }
  },
};
