/**
 * One worker pool per process, created on first use: the app service, the CLI and the harness all run pipeline
 * tasks through it, so the number of worker processes (and ONNX threads) stays bounded however many jobs run.
 * Whoever ends the process closes it (AppService.dispose, the CLI after its command).
 */
import { WorkerPool } from '../workers/pool';

let shared: WorkerPool | undefined;

export function sharedPool(): WorkerPool {
  shared ??= new WorkerPool();
  return shared;
}

/** Stop the workers; the next `sharedPool()` starts a fresh pool. */
export async function closeSharedPool(): Promise<void> {
  const p = shared;
  shared = undefined;
  if (p) await p.close();
}
