/**
 * onnxruntime-node sessions for the model pack: one per model per process, created lazily on first use under a
 * per-model lock (concurrent first callers share one creation), after the file's SHA-256 has been checked
 * against models/manifest.json. CPU by default; CUDA / DirectML / CoreML only when opted in
 * (`SIGHTLINE_EP=cuda|dml|coreml` or `configureInference({ executionProvider })`) and loadable — otherwise the
 * session falls back to CPU and says so in `sessionInfo`.
 */
import { existsSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { getModel, modelPath, type ModelEntry } from '../../models/manifest';
import { sha256File } from '../../platform/hashing';
import { SightlineError } from '../../domain/errors';

export type ExecutionProvider = 'cpu' | 'cuda' | 'dml' | 'coreml';

export interface InferenceConfig {
  executionProvider: ExecutionProvider;
  /** Threads one session may use inside an operator. Capped low: the pipeline runs several workers at once. */
  intraOpThreads: number;
}

/** The model's ONNX file is absent (code MODEL_INVALID, so it crosses worker/CLI boundaries as one). */
export class ModelMissingError extends SightlineError {
  constructor(readonly modelId: string, readonly file: string) {
    super('MODEL_INVALID', `model '${modelId}' is not installed: ${file} does not exist (run \`node dist/models/install.js\` or \`npx tsx models/install.ts\`)`, { modelId, file });
  }
}

/** The model's ONNX file is not the one the manifest names: a worker never runs it. */
export class ModelHashMismatchError extends SightlineError {
  constructor(readonly modelId: string, readonly file: string, readonly expected: string, readonly actual: string) {
    super('MODEL_INVALID', `refusing model '${modelId}': ${file} has SHA-256 ${actual} but the manifest expects ${expected} (reinstall with \`node dist/models/install.js --force\`)`, { modelId, file, expected, actual });
  }
}

function envProvider(): ExecutionProvider {
  const v = (process.env.SIGHTLINE_EP ?? 'cpu').toLowerCase();
  if (v === 'cuda' || v === 'dml' || v === 'coreml' || v === 'cpu') return v;
  if (v === 'directml') return 'dml';
  throw new Error(`SIGHTLINE_EP=${v}: expected cpu, cuda, dml or coreml`);
}

function envThreads(): number {
  const n = Number(process.env.SIGHTLINE_INTRA_OP_THREADS ?? 2);
  return Number.isInteger(n) && n > 0 ? n : 2;
}

let config: InferenceConfig | undefined;

export function getInferenceConfig(): InferenceConfig {
  config ??= { executionProvider: envProvider(), intraOpThreads: envThreads() };
  return config;
}

/** Set before the first inference; sessions already open keep the settings they were created with. */
export function configureInference(c: Partial<InferenceConfig>): void {
  config = { ...getInferenceConfig(), ...c };
}

export interface LoadedModel {
  readonly entry: ModelEntry;
  readonly session: ort.InferenceSession;
  /** The provider actually in use, and why it differs from the one asked for. */
  readonly executionProvider: ExecutionProvider;
  readonly fallbackReason?: string;
}

const sessions = new Map<string, Promise<LoadedModel>>();

/**
 * The session options, stated (README "Footage analysis"):
 * - `intraOpNumThreads`: the worker's share of the cores (the pool divides them; one analysis segment per worker);
 * - one inter-op thread and sequential execution: these graphs are chains, there is nothing to run side by side;
 * - all graph optimisations (constant folding, Conv+BN+activation fusion), done once per session;
 * - **no spinning**: ORT's pool threads busy-wait for work by default. A pipeline worker alternates network runs
 *   with its own JavaScript (resampling windows, landmarks geometry, PNG encoding) and shares the machine with other
 *   workers and ffmpeg, so spinning threads burn cores the others need. Measured on the 2-core machine under the
 *   usual shared load (SSD ×2, dlib ×4 and BlazeFace 640×480 runs with 30 ms of JavaScript between them, 2 threads):
 *   CPU 2.1–2.2 s instead of 3.6–3.9 s, wall 9.9–10.3 s instead of 14.4–16.0 s.
 * - memory arena and memory-pattern planning on (the defaults): windows of a few recurring sizes reuse their plans.
 */
export function SESSION_OPTIONS(intraOpThreads: number): ort.InferenceSession.SessionOptions {
  return {
    intraOpNumThreads: intraOpThreads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
    enableCpuMemArena: true,
    enableMemPattern: true,
    extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
  };
}

/** Check a model file against the manifest; throws ModelMissingError / ModelHashMismatchError. */
export async function verifyModelFile(entry: ModelEntry): Promise<string> {
  const file = modelPath(entry);
  if (!existsSync(file)) throw new ModelMissingError(entry.id, file);
  const actual = await sha256File(file);
  if (actual !== entry.sha256) throw new ModelHashMismatchError(entry.id, file, entry.sha256, actual);
  return file;
}

export function loadModel(id: string): Promise<LoadedModel> {
  let p = sessions.get(id);
  if (!p) {
    p = createSession(id);
    sessions.set(id, p);
    // A failed load must not poison the cache: the user may install the model and retry in the same process.
    p.catch(() => sessions.delete(id));
  }
  return p;
}

async function createSession(id: string): Promise<LoadedModel> {
  const entry = getModel(id);
  const file = await verifyModelFile(entry);
  const cfg = getInferenceConfig();
  const base: ort.InferenceSession.SessionOptions = SESSION_OPTIONS(cfg.intraOpThreads);
  if (cfg.executionProvider !== 'cpu') {
    try {
      const session = await ort.InferenceSession.create(file, { ...base, executionProviders: [cfg.executionProvider, 'cpu'] });
      return { entry, session, executionProvider: cfg.executionProvider };
    } catch (err) {
      const session = await ort.InferenceSession.create(file, { ...base, executionProviders: ['cpu'] });
      return { entry, session, executionProvider: 'cpu', fallbackReason: `${cfg.executionProvider} unavailable: ${(err as Error).message}` };
    }
  }
  const session = await ort.InferenceSession.create(file, { ...base, executionProviders: ['cpu'] });
  return { entry, session, executionProvider: 'cpu' };
}

/** Run one model on one NHWC float32 batch; returns the outputs by name. */
export async function runModel(id: string, input: Float32Array, dims: readonly number[]): Promise<Record<string, ort.Tensor>> {
  const { session } = await loadModel(id);
  const feeds: Record<string, ort.Tensor> = { [session.inputNames[0]!]: new ort.Tensor('float32', input, dims) };
  return session.run(feeds);
}

/** Close every open session (tests, worker shutdown). */
export async function releaseAll(): Promise<void> {
  const all = [...sessions.values()];
  sessions.clear();
  for (const p of all) {
    try {
      await (await p).session.release();
    } catch { /* a failed load has nothing to release */ }
  }
}
