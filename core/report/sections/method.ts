/** Plain-language method notes: one per tier present, the identity guard, and the limits of the report. */
import { tierLabel, TIER_EXPLANATION, type Tier } from '../../../domain/enhance';
import { IDENTITY_CALIBRATION } from '../../../domain/identity';
import type { ReportSection } from '../section';

const TIER_METHOD: Readonly<Record<Tier, string>> = {
  evidential:
    'Fusion combines several frames of the same face. Each frame is decoded again from the original file and its pixels are checked against the hash recorded at import. The face is cut out at its native resolution, every frame is aligned to the reference frame with sub-pixel accuracy (phase correlation, then a robust image-correlation fit), frames that do not align well are rejected with their reasons, and the aligned pixels are averaged onto a finer grid with weights that discount outliers such as compression artefacts. A stated deblurring step (Wiener deconvolution with the optical blur given in the parameters) follows. Every pixel of the result is a weighted combination of pixels the camera recorded: nothing is learned from other people’s faces and nothing is invented. Running the same steps again on the same frames gives the same result, bit for bit.',
  investigative:
    'Restoration runs a super-resolution neural network that was trained on other photographs. It enlarges the face and fills in detail from what it learned elsewhere: it can draw sharp eyes, teeth, skin texture or hair that the footage does not contain, and it can make a face look more like a typical face or like somebody else. A restored image is therefore an investigative lead only — a help for deciding where to look — and never evidence of what the person looks like. It is always shown beside its source, and the identity guard below checks that it did not drift from the source’s identity.',
};

export const methodSection: ReportSection = {
  id: 'method',
  title: 'Method',
  applies: () => true,
  render(w, d) {
    w.newPage();
    w.heading('Method');
    const tiers = [...new Set(d.enhancements.map((e) => e.record.tier))].sort() as Tier[];
    for (const t of tiers) {
      w.heading(tierLabel(t), 3);
      w.para(`${TIER_EXPLANATION[t]}. ${TIER_METHOD[t]}`, { size: 9.5 });
    }
    if (tiers.length) {
      w.heading('Identity guard', 3);
      w.para(
        `Each result is compared with its source by a face-recognition network (dlib descriptor). Its cosine is put on a calibrated scale where 0 is the average for two different people and 1 the average for two photographs of the same person (${IDENTITY_CALIBRATION.reference}). A result passes only when this similarity and a no-reference quality score both exceed the thresholds stated with it. A pass means the enhancement did not visibly change whose face it is; it is not an identification of anyone.`,
        { size: 9.5 },
      );
    }
    w.heading('Frames and hashes', 3);
    w.para(
      'A frame number is the position of the picture in presentation order as decoded at import; its time is counted from the first frame. Every file named in this report is identified by its SHA-256 hash; the export package lists the hash of every file it contains and is signed by the examiner’s key.',
      { size: 9.5 },
    );
  },
};
