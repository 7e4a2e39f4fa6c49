/**
 * Worker process entry. Runs one task at a time, sent by the parent; checks cancellation between units of
 * work (the task's signal); reports progress; never touches the case database. Task modules (and their ONNX
 * sessions) load lazily on first use and stay loaded for the worker's life.
 */
import { toErrorInfo } from '../domain/errors';
import type { FromWorker, TaskFn, ToWorker } from './protocol';
import { TASKS } from './tasks';
import { isTaskKind } from './tasks/registry';

interface Port {
  send(m: FromWorker): void;
  onMessage(fn: (m: ToWorker) => void): void;
}

/** child_process.fork gives process.send; Electron's utilityProcess gives process.parentPort. */
function connect(): Port {
  const parentPort = (process as NodeJS.Process & { parentPort?: { postMessage(m: unknown): void; on(e: 'message', fn: (ev: { data: unknown }) => void): void } }).parentPort;
  if (parentPort) {
    return { send: (m) => parentPort.postMessage(m), onMessage: (fn) => parentPort.on('message', (ev) => fn(ev.data as ToWorker)) };
  }
  if (!process.send) throw new Error('workers/worker must be started by the worker pool');
  return { send: (m) => process.send!(m), onMessage: (fn) => process.on('message', (m) => fn(m as ToWorker)) };
}

const port = connect();
const running = new Map<number, AbortController>();

async function run(taskId: number, kind: unknown, params: unknown): Promise<void> {
  const ac = new AbortController();
  running.set(taskId, ac);
  try {
    if (!isTaskKind(kind)) throw new Error(`unknown task kind ${String(kind)}`);
    const fn: TaskFn = await TASKS[kind]();
    let lastProgress = 0;
    const result = await fn(params, {
      signal: ac.signal,
      progress: (stage, current, total, unit) => {
        // Progress is for people: ~20 messages a second is plenty, but the final one always goes through.
        const now = Date.now();
        if (now - lastProgress < 50 && current < total) return;
        lastProgress = now;
        port.send({ type: 'progress', taskId, stage, current, total, ...(unit ? { unit } : {}) });
      },
      log: (message, level = 'info') => port.send({ type: 'log', taskId, level, message }),
    });
    port.send({ type: 'done', taskId, result });
  } catch (e) {
    port.send({ type: 'failed', taskId, error: toErrorInfo(e) });
  } finally {
    running.delete(taskId);
  }
}

port.onMessage((m) => {
  switch (m.type) {
    case 'run':
      void run(m.taskId, m.kind, m.params);
      break;
    case 'cancel':
      running.get(m.taskId)?.abort();
      break;
    case 'shutdown':
      for (const ac of running.values()) ac.abort();
      setImmediate(() => process.exit(0));
      break;
    default: {
      const never: never = m;
      throw new Error(`unknown message ${JSON.stringify(never)}`);
    }
  }
});

port.send({ type: 'ready', pid: process.pid });
