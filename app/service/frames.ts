import path from 'node:path';
import { exportFrame, frameTimes, getFrame, thumbnailStrip } from '../../core/frames';
import type { MediaRef } from '../contract/channel';
import type { frameChannels } from '../contract/frames';
import type { FeatureHandlers, ServiceContext } from './context';

export function frameHandlers(s: ServiceContext): FeatureHandlers<keyof typeof frameChannels> {
  const toMediaRef = (abs: string): MediaRef => path.relative(s.requireCase().handle.dir, abs).split(path.sep).join('/');
  return {
    'frames:times': (i) => Array.from(frameTimes(s.requireCase().handle, i.evidenceId)),
    'frames:get': async (i) => {
      const f = await getFrame(s.requireCase().handle, i.evidenceId, i.index);
      const { file, ...info } = f;
      return { ...info, media: toMediaRef(file.path), sha256: file.sha256, width: file.width, height: file.height };
    },
    'frames:strip': async (i) => {
      const st = await thumbnailStrip(s.requireCase().handle, i.evidenceId, i.count ?? 24, i.tileHeight ?? 72);
      return { media: toMediaRef(st.file.path), tileWidth: st.tileWidth, tileHeight: st.tileHeight, indices: st.indices };
    },
    'frames:export': (i) => exportFrame(s.requireCase().handle, i.evidenceId, i.index, i.path),
  };
}
