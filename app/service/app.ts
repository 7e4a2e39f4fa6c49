import { APP_VERSION } from '../../platform/appInfo';
import type { appChannels } from '../contract/app';
import type { FeatureHandlers, ServiceContext } from './context';

export function appHandlers(s: ServiceContext): FeatureHandlers<keyof typeof appChannels> {
  return {
    'app:info': () => ({ version: APP_VERSION, platform: process.platform, shell: s.shell.kind, casesDir: s.shell.casesDir }),
  };
}
