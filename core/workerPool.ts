/**
 * One worker pool per process, created on first use: the app service, the CLI and the harness all run pipeline
 * tasks through it, so the number of worker processes (and ONNX threads) stays bounded however many jobs run.
 * Whoever ends the process closes it (AppService.dispose, the CLI after its command).
 */
import { WorkerPool, type PoolOptions } from '../workers/pool';

let shared: WorkerPool | undefined;
let options: PoolOptions = {};

export function sharedPool(): WorkerPool {
  shared ??= new WorkerPool(options);
  return shared;
}

/**
 * Size the shared pool before its first use (e.g. `sightline analyze --workers 2`: an analysis runs its segments on
 * as many workers at once). A pool already running keeps its size until it is closed.
 */
export function configureSharedPool(o: PoolOptions): void {
  options = { ...o };
}

/** Stop the workers; the next `sharedPool()` starts a fresh pool. */
export async function closeSharedPool(): Promise<void> {
  const p = shared;
  shared = undefined;
  if (p) await p.close();
}
