import { addRedactionBox, listRedactionBoxes, removeRedactionBox } from '../../core/redaction/boxes';
import { planFrameRedaction } from '../../core/redaction/plan';
import type { redactionChannels } from '../contract/redaction';
import type { FeatureHandlers, ServiceContext } from './context';

export function redactionHandlers(s: ServiceContext): FeatureHandlers<keyof typeof redactionChannels> {
  return {
    'redaction:forFrame': (i) => {
      const c = s.requireCase().handle;
      return { boxes: listRedactionBoxes(c, i.evidenceId, { index: i.index }), plan: planFrameRedaction(c, i.evidenceId, i.index, i.keepTrackIds ?? []) };
    },
    'redaction:add': (i) =>
      addRedactionBox(s.requireCase().handle, {
        evidenceId: i.evidenceId,
        firstFrame: i.firstFrame,
        ...(i.lastFrame !== undefined ? { lastFrame: i.lastFrame } : {}),
        box: i.box,
        ...(i.note !== undefined ? { note: i.note } : {}),
      }),
    'redaction:remove': (i) => removeRedactionBox(s.requireCase().handle, i.boxId, i.reason ?? null),
  };
}
