/** The application itself: version and which shell runs it. */
import { channel, NoInput } from './channel';

export interface AppInfo {
  readonly version: string;
  readonly platform: string;
  /** 'electron' in the desktop app, 'browser' when the UI runs in a browser against the local service. */
  readonly shell: 'electron' | 'browser';
  /** Where new cases go unless the investigator picks another folder. */
  readonly casesDir: string;
}

export const appChannels = {
  'app:info': channel<AppInfo>()(NoInput),
} as const;
