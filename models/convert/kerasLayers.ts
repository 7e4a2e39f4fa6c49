/**
 * Converter for TensorFlow.js *layers* models (Keras functional topology + weights), covering the layer
 * classes the UpscalerJS ESRGAN/RDN/RRDN super-resolution models use: InputLayer, Conv2D, Activation,
 * Concatenate, Add, UpSampling2D (nearest) and the two custom layers UpscalerJS registers for RRDN
 * (`MultiplyBeta` = ×0.2, `PixelShuffle{N}x` = depth_to_space). Spatial input dims stay symbolic so one
 * graph serves any tile size.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { attr, GraphBuilder } from './onnxGraph';
import { getWeight, readWeights, type WeightGroup } from './tfjsWeights';

interface KerasLayer {
  class_name: string;
  name: string;
  config: Record<string, unknown>;
  inbound_nodes: Array<Array<[string, number, number, Record<string, unknown>?]>>;
}

interface LayersModelJson {
  format?: string;
  modelTopology: { model_config?: { config: KerasConfig }; config?: KerasConfig };
  weightsManifest: WeightGroup[];
}

interface KerasConfig {
  layers: KerasLayer[];
  input_layers: Array<[string, number, number]>;
  output_layers: Array<[string, number, number]>;
}

export interface LayersConversion {
  graph: GraphBuilder;
  layerClasses: Record<string, number>;
}

export function buildLayersModel(modelJsonPath: string, graphName: string): LayersConversion {
  const json = JSON.parse(readFileSync(modelJsonPath, 'utf8')) as LayersModelJson;
  if (json.format !== 'layers-model') throw new Error(`${modelJsonPath}: not a tfjs layers model`);
  const cfg = json.modelTopology.model_config?.config ?? json.modelTopology.config;
  if (!cfg) throw new Error(`${modelJsonPath}: no model config`);
  const weights = readWeights(path.dirname(modelJsonPath), json.weightsManifest);
  const g = new GraphBuilder(graphName);
  const values = new Map<string, string>(); // keras layer name → ONNX value (NCHW)
  const layerClasses: Record<string, number> = {};

  for (const layer of cfg.layers) {
    layerClasses[layer.class_name] = (layerClasses[layer.class_name] ?? 0) + 1;
    const c = layer.config;
    const ins = (layer.inbound_nodes[0] ?? []).map(([n]) => {
      const v = values.get(n);
      if (!v) throw new Error(`layer ${layer.name}: input ${n} not converted yet`);
      return v;
    });
    let out: string;
    switch (layer.class_name) {
      case 'InputLayer': {
        const shape = c.batch_input_shape as Array<number | null>;
        const ch = shape[3];
        if (typeof ch !== 'number') throw new Error('input channels must be fixed');
        const inp = g.input('image', ['N', 'H', 'W', ch]);
        out = g.toNchw(inp);
        break;
      }
      case 'Conv2D': {
        if (c.data_format !== 'channels_last') throw new Error(`${layer.name}: data_format ${String(c.data_format)}`);
        if ((c.groups ?? 1) !== 1) throw new Error(`${layer.name}: grouped conv`);
        const strides = c.strides as number[];
        const dil = c.dilation_rate as number[];
        if (strides[0] !== strides[1] || dil[0] !== dil[1]) throw new Error(`${layer.name}: anisotropic stride/dilation`);
        const kernel = getWeight(weights, `${layer.name}/kernel`);
        const bias = c.use_bias ? getWeight(weights, `${layer.name}/bias`).data : null;
        out = g.conv(ins[0]!, layer.name, kernel, bias, { strides: strides[0]!, dilation: dil[0]!, padding: c.padding as 'same' | 'valid' });
        out = activation(g, out, c.activation as string, layer.name);
        break;
      }
      case 'Activation':
        out = activation(g, ins[0]!, c.activation as string, layer.name);
        break;
      case 'Concatenate': {
        const axis = c.axis as number;
        if (axis !== -1 && axis !== 3) throw new Error(`${layer.name}: concat axis ${axis}`);
        out = g.op('Concat', ins, layer.name, { axis: attr.int(1) });
        break;
      }
      case 'Add':
        out = ins.slice(1).reduce((acc, v, i) => g.add(acc, v, `${layer.name}_${i}`), ins[0]!);
        break;
      case 'UpSampling2D': {
        if (c.interpolation !== 'nearest') throw new Error(`${layer.name}: interpolation ${String(c.interpolation)}`);
        const [sy, sx] = c.size as [number, number];
        // Keras nearest upsampling by an integer factor = ONNX Resize nearest, asymmetric, floor.
        out = g.op('Resize', [ins[0]!, '', g.floatConst(`${layer.name}/scales`, [4], [1, 1, sy, sx])], layer.name, {
          mode: attr.string('nearest'),
          coordinate_transformation_mode: attr.string('asymmetric'),
          nearest_mode: attr.string('floor'),
        });
        break;
      }
      case 'MultiplyBeta':
        out = g.op('Mul', [ins[0]!, g.scalar(`${layer.name}/beta`, (c.beta as number | undefined) ?? 0.2)], layer.name);
        break;
      default: {
        const m = /^PixelShuffle(\d+)x$/.exec(layer.class_name);
        if (!m) throw new Error(`${modelJsonPath}: unsupported layer class ${layer.class_name}`);
        // TF depth_to_space (NHWC) orders the block as (row, col, channel), which is ONNX DepthToSpace mode DCR.
        out = g.op('DepthToSpace', [ins[0]!], layer.name, { blocksize: attr.int(Number(m[1])), mode: attr.string('DCR') });
      }
    }
    values.set(layer.name, out);
  }
  if (cfg.output_layers.length !== 1) throw new Error('expected one output');
  const last = values.get(cfg.output_layers[0]![0])!;
  const result = g.toNhwc(last, 'output');
  g.output(result, ['N', 'H_out', 'W_out', 3]);
  return { graph: g, layerClasses };
}

function activation(g: GraphBuilder, x: string, act: string, hint: string): string {
  switch (act) {
    case 'linear': return x;
    case 'relu': return g.relu(x, hint);
    case 'sigmoid': return g.op('Sigmoid', [x], `${hint}/sigmoid`);
    case 'tanh': return g.op('Tanh', [x], `${hint}/tanh`);
    default: throw new Error(`${hint}: unsupported activation ${act}`);
  }
}
