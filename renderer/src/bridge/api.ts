/**
 * The renderer's one door to main: `call()` unwraps a channel's Result into a value or a thrown AppError, so
 * views write `await call('case:open', …)` and a failure ends up in one place (the toast), never as a blank view.
 */
import type { ChannelInput, ChannelName, ChannelOutput, MediaRef, SightlineBridge } from '../../../app/contract';
import type { ErrorCode } from '../../../domain/errors';

declare global {
  interface Window {
    sightline?: SightlineBridge;
  }
}

export class AppError extends Error {
  override readonly name = 'AppError';
  constructor(
    readonly code: ErrorCode | 'DISCONNECTED',
    message: string,
  ) {
    super(message);
  }
}

export function bridge(): SightlineBridge {
  const b = window.sightline;
  if (!b) throw new AppError('DISCONNECTED', 'the Sightline service is not connected');
  return b;
}

export async function call<C extends ChannelName>(channel: C, input: ChannelInput<C>): Promise<ChannelOutput<C>> {
  const r = await bridge().invoke(channel, input);
  if (r.ok) return r.value;
  throw new AppError(r.error.code, r.error.message);
}

export function mediaUrl(ref: MediaRef): string {
  return bridge().mediaUrl(ref);
}

/** A message for people from anything thrown. */
export function describeError(e: unknown): string {
  if (e instanceof AppError) return e.message;
  if (e instanceof Error) return e.message || e.name;
  return String(e);
}
