/** The frames the examiner chose to include whole: facts and the (redacted) frame. */
import { COLOURS } from '../writer';
import { seconds } from '../format';
import type { ReportSection } from '../section';

export const framesSection: ReportSection = {
  id: 'frames',
  title: 'Frames',
  applies: (d) => d.frames.length > 0,
  render(w, d) {
    w.newPage();
    w.heading('Frames');
    for (const { info, evidence } of d.frames) {
      const img = d.image('frame', null, info.index, evidence.id);
      w.heading(`${evidence.originalName}, frame ${info.index}`, 3);
      w.keyValues([
        ['Evidence', `${evidence.id} (SHA-256 ${evidence.sha256.slice(0, 16)}…)`],
        ['Frame', `${info.index} at ${seconds(info.time)} from the first frame; pts ${info.pts ?? '—'} (${info.ptsTime.toFixed(6)} s in the file)`],
        ['Decoded pixels MD5', info.md5, { mono: true }],
        ...(img ? ([['Exported image SHA-256', img.sha256, { mono: true }]] as const) : []),
      ]);
      if (img) {
        const v = d.display(img);
        w.imageRow(
          [
            {
              png: v.png,
              width: v.width,
              height: v.height,
              caption: `ORIGINAL frame ${info.index}${img.redaction.applied ? ` — ${img.redaction.regions.length} face(s) redacted` : ''}${img.kept.length ? '; blue: the chosen subject' : ''}`,
              boxes: img.kept.map((b) => ({ ...b, colour: COLOURS.box })),
            },
          ],
          Math.min(300, (w.contentWidth * v.height) / v.width),
        );
      }
    }
  },
};
