/** Typed view of models/manifest.json, the single record of what each model is, where it came from and its hash. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { candidatesDir, manifestPath, onnxDir } from './paths';

export type ModelRole = 'face-detector' | 'face-landmarks' | 'face-embedder' | 'super-resolution';

/** How the install step produces the ONNX file from the package's files. */
export type ModelSource =
  | { kind: 'face-api'; network: 'ssd_mobilenetv1' | 'face_landmark_68' | 'face_recognition'; manifest: string }
  | { kind: 'tfjs-layers'; modelJson: string }
  | {
      /** A TF.js graph model (frozen TensorFlow GraphDef), converted by convert/tfjsGraph.ts. */
      kind: 'tfjs-graph';
      modelJson: string;
      /** The TF nodes exposed and their ONNX output names (the graph is cut there: later nodes are not converted). */
      outputs: Array<{ node: string; name: string }>;
      /** `dynamic`: input height and width stay symbolic. Default: the model's fixed size. */
      spatial?: 'fixed' | 'dynamic';
      /** [height, width] for shape inference where the graph leaves the size open or the dims are dynamic. */
      nominalSize?: [number, number];
      /** In-graph input normalisation in front of the TF graph (which sees x·scale + offset). */
      preprocess?: { scale: number; offset: number };
    };

export interface ModelEntry {
  /** Stable id used by the inference layer, e.g. 'face-detector'. */
  id: string;
  role: ModelRole;
  name: string;
  package: string;
  packageVersion: string;
  license: string;
  upstream: string;
  source: ModelSource;
  /** Files of the package the ONNX is built from, relative to the package root. */
  sourceFiles: string[];
  file: string;
  sha256: string;
  input: { name: string; layout: string; shape: Array<number | string>; normalisation: string };
  outputs: Array<{ name: string; shape: Array<number | string>; meaning: string }>;
  notes?: string;
}

export interface Manifest {
  comment?: string;
  models: ModelEntry[];
  /**
   * Models under evaluation: converted only on request (`install.js --candidates`), into candidatesDir(), never
   * loaded by the pipeline or packaged. Promoting one means moving its entry into `models`.
   */
  candidates?: ModelEntry[];
}

let cached: Manifest | undefined;

export function loadManifest(fresh = false): Manifest {
  if (!cached || fresh) cached = JSON.parse(readFileSync(manifestPath(), 'utf8')) as Manifest;
  return cached;
}

export function getModel(id: string): ModelEntry {
  const m = loadManifest().models.find((e) => e.id === id);
  if (!m) throw new Error(`unknown model '${id}' (known: ${loadManifest().models.map((e) => e.id).join(', ')})`);
  return m;
}

export function isCandidate(entry: ModelEntry): boolean {
  return (loadManifest().candidates ?? []).some((c) => c.id === entry.id);
}

/** A candidate model's entry (see Manifest.candidates). */
export function getCandidate(id: string): ModelEntry {
  const m = (loadManifest().candidates ?? []).find((e) => e.id === id);
  if (!m) throw new Error(`unknown candidate model '${id}' (known: ${(loadManifest().candidates ?? []).map((e) => e.id).join(', ')})`);
  return m;
}

export function modelPath(entry: ModelEntry): string {
  return path.join(isCandidate(entry) ? candidatesDir() : onnxDir(), entry.file);
}
