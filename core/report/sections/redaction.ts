/** What was redacted in the report's images (and the package's, which are the same files), and how. */
import { describeRedaction } from '../../../domain/redaction';
import { COLOURS } from '../writer';
import type { ReportSection } from '../section';

export const redactionSection: ReportSection = {
  id: 'redaction',
  title: 'Bystander redaction',
  applies: () => true,
  render(w, d) {
    const r = d.images.redaction;
    w.heading('Bystander redaction');
    if (!r.enabled) {
      w.banner(`Redaction was turned OFF for this report by ${d.producedBy}. Reason given: ${d.selection.reason ?? '—'}`, COLOURS.fail, COLOURS.failBg);
    } else {
      w.para(
        `Every face in the exported images except the chosen subject’s was redacted: the faces the analysis found on each frame (detections, and boxes interpolated along a track between analysed frames) and every box the examiner drew by hand. Method: ${describeRedaction(r.method)}. Redaction is applied to copies; the original evidence and the case’s stored images are unchanged.`,
        { size: 9 },
      );
    }
    const unanalysed = d.images.images.filter((i) => !i.analysed);
    if (r.enabled && unanalysed.length) {
      w.banner(
        `No face analysis covers ${unanalysed.map((i) => i.name).join(', ')}: only boxes drawn by hand were redacted there. Analyse the clip (or draw boxes over every bystander) before handing these images over.`,
        COLOURS.fail,
        COLOURS.failBg,
        9,
      );
    }
    w.keyValues([
      ['Faces left visible', r.keptTrackIds.length ? `tracks ${r.keptTrackIds.join(', ')}` : 'none (every face redacted)'],
      ['Parameters', `method ${r.method.method}, margin ${r.method.margin}, cells across ${r.method.cellsAcross}, blur σ ${r.method.blurSigmaCells} cell, minimum cell ${r.method.minCellPx} px`],
    ]);
    const rows = d.images.images.map((img) => {
      const by = { detection: 0, interpolated: 0, manual: 0 };
      for (const x of img.redaction.regions) by[x.source]++;
      return [img.name, String(img.redaction.regions.length), `${by.detection} / ${by.interpolated} / ${by.manual}`, r.enabled ? (img.redaction.applied ? 'redacted' : 'nothing to redact') : 'NOT redacted', img.sha256];
    });
    w.table(['image', 'regions', 'detected / interpolated / drawn', 'state', 'SHA-256 of the image'], rows, [0.33, 0.07, 0.14, 0.1, 0.36], { mono: [true, true, true, false, true], size: 6.5 });
  },
};
