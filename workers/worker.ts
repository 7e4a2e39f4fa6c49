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
/** Unacknowledged partial batches of each running task, and who waits for one to be acknowledged. */
const inFlight = new Map<number, { count: number; waiters: Array<() => void> }>();
/** Batches a task may have unacknowledged before `partial` makes it wait. */
const MAX_IN_FLIGHT = 4;

async function run(taskId: number, kind: unknown, params: unknown): Promise<void> {
  const ac = new AbortController();
  running.set(taskId, ac);
  const flow = { count: 0, waiters: [] as Array<() => void> };
  inFlight.set(taskId, flow);
  let seq = 0;
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
      partial: async (data) => {
        flow.count++;
        port.send({ type: 'partial', taskId, seq: seq++, data });
        while (flow.count >= MAX_IN_FLIGHT && !ac.signal.aborted) await new Promise<void>((r) => flow.waiters.push(r));
      },
    });
    port.send({ type: 'done', taskId, result });
  } catch (e) {
    port.send({ type: 'failed', taskId, error: toErrorInfo(e) });
  } finally {
    running.delete(taskId);
    inFlight.delete(taskId);
    for (const w of flow.waiters.splice(0)) w();
  }
}

port.onMessage((m) => {
  switch (m.type) {
    case 'run':
      void run(m.taskId, m.kind, m.params);
      break;
    case 'cancel': {
      running.get(m.taskId)?.abort();
      // A task waiting for acknowledgements must see the cancellation.
      for (const w of inFlight.get(m.taskId)?.waiters.splice(0) ?? []) w();
      break;
    }
    case 'ack': {
      const flow = inFlight.get(m.taskId);
      if (flow) {
        flow.count = Math.max(0, flow.count - 1);
        for (const w of flow.waiters.splice(0)) w();
      }
      break;
    }
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
