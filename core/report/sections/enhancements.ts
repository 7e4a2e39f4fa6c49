/**
 * One part per chosen enhancement: the tier label (on the page and beside the image), the source frames (numbers,
 * timestamps, the original crops enlarged nearest-neighbour), the reference frame in context, the source and the
 * result side by side, the registration of each frame, the processing steps with their parameters, the models
 * with their hashes, the identity guard's numbers and verdict, and whether a replay reproduced the output.
 */
import { tierLabel } from '../../../domain/enhance';
import { COLOURS } from '../writer';
import { num, params, seconds, utc } from '../format';
import type { ReportSection } from '../section';

export const enhancementsSection: ReportSection = {
  id: 'enhancements',
  title: 'Enhancements',
  applies: (d) => d.enhancements.length > 0,
  render(w, d) {
    for (const { record: e, frames, replays } of d.enhancements) {
      w.newPage();
      w.heading(`Enhancement ${e.id}: ${e.mode} ×${e.scale}`);
      const investigative = e.tier === 'investigative';
      w.banner(tierLabel(e.tier), investigative ? COLOURS.investigative : COLOURS.evidential, investigative ? COLOURS.investigativeBg : COLOURS.evidentialBg, 11);
      const ev = d.evidence.find((x) => x.id === e.evidenceId)!;
      w.keyValues([
        ['Source', `evidence ${ev.id}, ${ev.originalName}`],
        ['Face track', `track ${e.trackId} (frame selection ${e.selectionId})`],
        ['Reference frame', `${e.referenceFrame} — the grid of the result and the source it is compared with`],
        ['Frames used', `${e.frames.length} selected; ${e.acceptedFrames} fused, ${e.rejectedFrames} rejected`],
        ['Made', `${utc(e.createdAt)} by ${e.createdBy}${e.jobId ? ` (job ${e.jobId})` : ''}`],
        ['Output SHA-256', e.outputSha256, { mono: true }],
        ['Output size', `${e.outputWidth}×${e.outputHeight} px`],
      ]);

      // Source and result, side by side, the tier label beside the result.
      const src = d.image('source-crop', e.id);
      const res = d.image('result', e.id);
      if (src && res) {
        w.heading('Source and result', 2);
        const s = d.display(src);
        const r = d.display(res);
        w.imageRow(
          [
            { png: s.png, width: s.width, height: s.height, caption: `ORIGINAL — reference frame ${e.referenceFrame}, native crop ${src.width}×${src.height} px, enlarged ×${s.factor} nearest-neighbour (pixels not smoothed)` },
            {
              png: r.png,
              width: r.width,
              height: r.height,
              caption: `RESULT — ${tierLabel(e.tier)} (${e.mode} ×${e.scale}, ${res.width}×${res.height} px)`,
              captionColour: investigative ? COLOURS.investigative : COLOURS.evidential,
            },
          ],
          200,
        );
        if (e.guard.verdict === 'fail') w.banner(`Identity guard FAILED: ${e.guard.reasons.join('; ')}. This result must not be presented as the face.`, COLOURS.fail, COLOURS.failBg);
      }

      w.heading('Source frames', 2);
      const regByFrame = new Map((e.registrations ?? []).map((x) => [x.frame, x]));
      const shareByFrame = new Map((e.contributions ?? []).map((x) => [x.frame, x.share]));
      w.table(
        ['frame', 'time', 'pts', 'decoded pixels MD5', 'fusion', 'share', 'crop SHA-256'],
        frames.map((f) => {
          const reg = regByFrame.get(f.index);
          const input = e.inputs.find((i) => i.frame === f.index)!;
          const status = !reg ? (f.index === e.referenceFrame ? 'reference' : 'used') : reg.accepted ? (f.index === e.referenceFrame ? 'reference' : 'accepted') : `rejected: ${reg.reasons.map((x) => x.code).join(', ')}`;
          const share = shareByFrame.get(f.index);
          return [String(f.index), seconds(f.time), String(f.pts ?? '—'), f.md5, status, share === undefined ? '—' : `${(share * 100).toFixed(1)} %`, input.sha256];
        }),
        [0.07, 0.09, 0.08, 0.25, 0.15, 0.07, 0.29],
        { mono: [true, true, true, true, false, true, true], size: 6.8 },
      );
      const crops = e.inputs.map((i) => d.image('input-crop', e.id, i.frame)).filter((x): x is NonNullable<typeof x> => !!x);
      if (crops.length) {
        w.para(`Original crops of each frame, cut at native resolution (no resampling) and enlarged ×${d.display(crops[0]!).factor} with nearest-neighbour for viewing:`, { size: 9 });
        for (let k = 0; k < crops.length; k += 6) {
          w.imageRow(
            crops.slice(k, k + 6).map((c) => {
              const v = d.display(c);
              const f = frames.find((x) => x.index === c.frame);
              return { png: v.png, width: v.width, height: v.height, caption: `ORIGINAL frame ${c.frame}\n${seconds(f?.time)}` };
            }),
            78,
            8,
          );
        }
      }
      const refFrame = d.image('reference-frame', e.id);
      if (refFrame) {
        w.heading('Reference frame in context', 2);
        const v = d.display(refFrame);
        w.imageRow(
          [
            {
              png: v.png,
              width: v.width,
              height: v.height,
              caption: `ORIGINAL frame ${e.referenceFrame} (whole frame${refFrame.redaction.applied ? `; ${refFrame.redaction.regions.length} bystander face(s) redacted` : ''}); blue: the enhanced face`,
              boxes: refFrame.kept.map((b) => ({ ...b, colour: COLOURS.box })),
            },
          ],
          Math.min(230, (w.contentWidth * v.height) / v.width),
        );
      }

      w.heading('Identity guard', 2);
      const g = e.guard;
      w.keyValues([
        ['Verdict', `${g.verdict.toUpperCase()}${g.reasons.length ? ` — ${g.reasons.join('; ')}` : ''}`, { colour: g.verdict === 'pass' ? COLOURS.evidential : COLOURS.fail }],
        ['Identity similarity', `${num(g.similarity)} (needs > ${g.thresholds.minSimilarity}); raw cosine ${num(g.cosine, 4)}`],
        ['Quality', `${num(g.quality.value)} (needs > ${g.thresholds.minQuality}); ${Object.entries(g.quality.components).map(([k, v]) => `${k} ${num(v as number, 2)}`).join(', ')}`],
        ['Calibration', `similarity 0 = mean different-person cosine ${g.calibration.differentMean}, 1 = mean same-person cosine ${g.calibration.sameMean} (${g.calibration.reference})`],
      ]);

      w.heading('Reproduction (replay)', 2);
      if (replays.length === 0) {
        w.para('Not replayed yet. `sightline replay` re-runs this enhancement from the original evidence with the recorded parameters and compares the output hash.', { size: 9 });
      } else {
        w.table(
          ['replay', 'when', 'by', 'output hash', 'inputs', 'guard numbers'],
          replays.map((r) => [String(r.id), utc(r.createdAt), r.createdBy, r.matches ? 'IDENTICAL' : `DIFFERENT (${r.outputSha256.slice(0, 16)}…)`, r.details.inputsMatch ? 'identical' : 'different', r.details.guardMatches ? 'identical' : 'different']),
          [0.08, 0.24, 0.16, 0.22, 0.14, 0.16],
          { size: 7.5 },
        );
      }

      w.heading('Processing steps', 2);
      w.table(
        ['#', 'operation', 'method', 'parameters'],
        e.steps.map((s, k) => [String(k + 1), s.operation, s.method, params(s.params)]),
        [0.05, 0.17, 0.36, 0.42],
        { mono: [false, true, false, true], size: 6.8 },
      );
      w.heading('Models', 2);
      w.table(
        ['model', 'used for', 'source', 'SHA-256'],
        e.models.map((m) => [m.name, m.use, m.source, m.sha256]),
        [0.2, 0.25, 0.2, 0.35],
        { mono: [false, false, false, true], size: 6.8 },
      );
      w.keyValues([
        ['Settings', params(e.settings), { mono: true }],
        ['Runtime', params(e.runtime), { mono: true }],
      ]);
    }
  },
};
