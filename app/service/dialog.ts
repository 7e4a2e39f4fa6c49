import { SightlineError } from '../../domain/errors';
import type { dialogChannels } from '../contract/dialog';
import type { FeatureHandlers, ServiceContext } from './context';

export function dialogHandlers(s: ServiceContext): FeatureHandlers<keyof typeof dialogChannels> {
  return {
    'dialog:openFiles': (i) => s.shell.openFiles(i),
    'dialog:chooseFolder': (i) => s.shell.chooseFolder(i),
    'dialog:saveFile': (i) => s.shell.saveFile(i),
    'dialog:listFolder': (i) => {
      if (!s.shell.listFolder) throw new SightlineError('INVALID_INPUT', 'this shell uses the system file dialogs; folder listing is for the browser shell only');
      return s.shell.listFolder(i.dir ?? null);
    },
  };
}
