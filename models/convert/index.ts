/** Builds the ONNX bytes of one manifest entry from the files of its installed npm package. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { ModelEntry } from '../manifest';
import { packageDir } from '../paths';
import { buildFaceRecognition, buildLandmark68, buildSsdMobilenetV1 } from './faceApi';
import { buildLayersModel } from './kerasLayers';
import { buildGraphModel } from './tfjsGraph';
import type { GraphBuilder } from './onnxGraph';
import { readWeights, type WeightGroup } from './tfjsWeights';

const PRODUCER = 'sightline-models-convert';

export function convertModel(entry: ModelEntry): Uint8Array {
  const dir = packageDir(entry.package);
  const src = entry.source;
  let graph: GraphBuilder;
  if (src.kind === 'face-api') {
    const manifestFile = path.join(dir, src.manifest);
    const groups = JSON.parse(readFileSync(manifestFile, 'utf8')) as WeightGroup[];
    const weights = readWeights(path.dirname(manifestFile), groups);
    graph = src.network === 'ssd_mobilenetv1' ? buildSsdMobilenetV1(weights)
      : src.network === 'face_landmark_68' ? buildLandmark68(weights)
      : buildFaceRecognition(weights);
  } else if (src.kind === 'tfjs-graph') {
    graph = buildGraphModel(path.join(dir, src.modelJson), {
      graphName: entry.id,
      inputName: entry.input.name,
      outputs: src.outputs,
      ...(src.spatial ? { spatial: src.spatial } : {}),
      ...(src.nominalSize ? { nominalSize: src.nominalSize } : {}),
      ...(src.preprocess ? { preprocess: src.preprocess } : {}),
    }).graph;
  } else {
    graph = buildLayersModel(path.join(dir, src.modelJson), entry.id).graph;
  }
  return graph.toBytes(PRODUCER, `${entry.name} from ${entry.package}@${entry.packageVersion} (${entry.license})`);
}
