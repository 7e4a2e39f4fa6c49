/**
 * Converter for TensorFlow.js *graph models* (`model.json` with `format: "graph-model"`: a frozen TensorFlow
 * GraphDef in `modelTopology.node` plus a weights manifest holding every Const).
 *
 * The TF graph is NHWC; the ONNX graph is NCHW inside, the model input stays NHWC (one Transpose where the first
 * layout-sensitive op needs it). Each TF value is tracked with its layout: rank-4 activations produced by convs
 * and pools are stored NCHW, everything else ("plain") in TF order; elementwise ops follow their inputs, and
 * a value is transposed only where an op needs the other layout (Reshape, Transpose, Squeeze of channels…).
 *
 * Shapes are inferred at a nominal input size. Each dimension carries a flag: `N` (the batch, always dynamic),
 * `S` (depends on the input's height/width, when the model is converted with dynamic spatial dims) or none
 * (fixed). Integer tensors computed from shapes (Shape → StridedSlice → Pack → Reshape) are evaluated at
 * conversion time with the same flags, so a Reshape target becomes `[0, -1, 16]` (copy the batch, infer the
 * anchors) instead of a baked `[1, 2304, 16]`; where a runtime value is really needed (FaceBoxes pads its input
 * to a multiple of 32 with pads computed from the input shape) the integer subgraph is emitted as ONNX ops.
 *
 * Conversion is demand-driven from the requested outputs, so branches nobody asked for (MediaPipe's person head,
 * FaceBoxes' in-graph anchor generation, box decoding and NMS loop) are not converted.
 *
 * Rewrites (all exact unless stated): a zero `Pad` feeding a VALID convolution becomes the convolution's pads;
 * `Maximum(Minimum(Relu(x), 6), 0)` → `Clip(x, 0, 6)`; the two exported PReLU forms `Relu(x) + c·(x − |x|)` and
 * `Max(x, 0) + γ·Min(x, 0)` → `PRelu` (slope 2c, γ; bit-exact); a convolution followed by a per-channel `Add`
 * becomes the convolution's bias; a per-channel `Mul` between them (an unfolded batch norm) is folded into the
 * weights — the one rewrite that changes float rounding (~1e-7 relative).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { onnx } from 'onnx-proto';
import { attr, GraphBuilder, type Dim } from './onnxGraph';
import { readWeights, type WeightGroup, type WeightMap } from './tfjsWeights';

// ---------------------------------------------------------------------------------------------------------------
// model.json types

interface TfAttr {
  s?: string;
  i?: string | number;
  f?: number;
  b?: boolean;
  type?: string;
  list?: { i?: Array<string | number>; s?: string[]; f?: number[] };
  shape?: { dim?: Array<{ size?: string | number }>; unknownRank?: boolean };
  tensor?: { dtype?: string; tensorShape?: { dim?: Array<{ size?: string | number }> } };
}

export interface TfNode {
  name: string;
  op: string;
  input?: string[];
  attr?: Record<string, TfAttr>;
}

export interface GraphModelJson {
  format?: string;
  generatedBy?: string;
  convertedBy?: string;
  modelTopology: { node: TfNode[]; library?: { function?: unknown[] }; versions?: unknown };
  weightsManifest: WeightGroup[];
  signature?: GraphSignature;
  userDefinedMetadata?: { signature?: GraphSignature };
}

interface GraphSignature {
  inputs?: Record<string, { name: string }>;
  outputs?: Record<string, { name: string }>;
}

export interface GraphConversionOptions {
  graphName: string;
  /** ONNX input name (default `image`). */
  inputName?: string;
  /** TF nodes to expose and their ONNX names (default: the signature's outputs under their TF names). */
  outputs?: ReadonlyArray<{ node: string; name: string }>;
  /** `dynamic`: height and width of the input are symbolic (`H`, `W`); the default keeps the model's fixed size. */
  spatial?: 'fixed' | 'dynamic';
  /** [height, width] used for shape inference where the placeholder leaves them open (-1). */
  nominalSize?: readonly [number, number];
  /**
   * Input normalisation put in front of the TF graph: it sees `x·scale + offset`. Lets every model of the pack
   * take 0..255 RGB (e.g. MediaPipe's detectors want [-1, 1]: scale 1/127.5, offset -1).
   */
  preprocess?: { scale: number; offset: number };
}

export interface GraphConversion {
  graph: GraphBuilder;
  /** TF op → count over the converted (demanded) part of the graph. */
  opCounts: Record<string, number>;
  /** TF op → count over the whole model.json. */
  allOpCounts: Record<string, number>;
  input: { name: string; dims: Dim[] };
  outputs: Array<{ name: string; node: string; dims: Dim[] }>;
}

// ---------------------------------------------------------------------------------------------------------------
// values

/** `N`: the batch dimension; `S`: depends on the (dynamic) input height/width; null: fixed. */
type Flag = 'N' | 'S' | null;
type DType = 'float' | 'int' | 'bool';

interface Val {
  dtype: DType;
  /** Nominal TF shape. */
  shape: number[];
  /** Per dimension: dynamic or not. */
  flags: Flag[];
  /** Known element values (nominal where `vflags` marks an element dynamic). Float data in TF (NHWC) order. */
  value?: Float32Array | number[];
  /** Per element of `value`: which elements are only nominal (derived from a dynamic dimension). */
  vflags?: Flag[];
  /** Runtime tensors: stored NCHW (rank 4 only). */
  nchw?: boolean;
  /** Emits the ONNX value (memoised by `onnxOf`). Absent for plain constants, which become initializers. */
  emit?: () => string;
  names?: { plain?: string; nchw?: string; stored?: string };
}

const PERM_TO_NCHW = [0, 3, 1, 2];
const PERM_TO_NHWC = [0, 2, 3, 1];
/** TF (NHWC) axis → ONNX (NCHW) axis. */
const AXIS_NHWC_TO_NCHW = [0, 2, 3, 1];

function isConst(v: Val): boolean {
  return v.value !== undefined && !v.emit && !(v.vflags ?? []).some((f) => f !== null);
}

function known(v: Val): boolean {
  return v.value !== undefined;
}

function size(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function mergeFlag(a: Flag, b: Flag): Flag {
  if (a === 'S' || b === 'S') return 'S';
  if (a === 'N' || b === 'N') return 'S'; // arithmetic on the batch size is no longer "the batch"
  return null;
}

// ---------------------------------------------------------------------------------------------------------------
// attribute helpers

function attrS(n: TfNode, k: string): string | undefined {
  const a = n.attr?.[k];
  return a?.s !== undefined ? Buffer.from(a.s, 'base64').toString('utf8') : undefined;
}
function attrI(n: TfNode, k: string, dflt?: number): number {
  const a = n.attr?.[k];
  if (a?.i !== undefined) return Number(a.i);
  if (dflt === undefined) throw new Error(`${n.name}: missing int attribute ${k}`);
  return dflt;
}
function attrB(n: TfNode, k: string, dflt = false): boolean {
  return n.attr?.[k]?.b ?? dflt;
}
function attrF(n: TfNode, k: string, dflt: number): number {
  return n.attr?.[k]?.f ?? dflt;
}
function attrInts(n: TfNode, k: string): number[] | undefined {
  return n.attr?.[k]?.list?.i?.map(Number);
}
function attrStrings(n: TfNode, k: string): string[] {
  return (n.attr?.[k]?.list?.s ?? []).map((s) => Buffer.from(s, 'base64').toString('utf8'));
}
function attrType(n: TfNode, k: string): string | undefined {
  return n.attr?.[k]?.type;
}

function tfDType(t: string | undefined): DType {
  switch (t) {
    case 'DT_FLOAT': case 'DT_DOUBLE': case 'DT_HALF': case 'DT_BFLOAT16': return 'float';
    case 'DT_INT32': case 'DT_INT64': case 'DT_UINT8': case 'DT_INT8': case 'DT_INT16': case 'DT_UINT16': return 'int';
    case 'DT_BOOL': return 'bool';
    default: throw new Error(`unsupported TF dtype ${String(t)}`);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// entry points

export function readGraphModel(modelJsonPath: string): { json: GraphModelJson; weights: WeightMap } {
  const json = JSON.parse(readFileSync(modelJsonPath, 'utf8')) as GraphModelJson;
  if (json.format !== 'graph-model') throw new Error(`${modelJsonPath}: not a tfjs graph model (format ${String(json.format)})`);
  return { json, weights: readWeights(path.dirname(modelJsonPath), json.weightsManifest) };
}

export function buildGraphModel(modelJsonPath: string, opts: GraphConversionOptions): GraphConversion {
  const { json, weights } = readGraphModel(modelJsonPath);
  return convertGraphModel(json, weights, opts);
}

export function signatureOutputs(json: GraphModelJson): Array<{ node: string; name: string }> {
  const sig = json.signature ?? json.userDefinedMetadata?.signature;
  const outs = Object.entries(sig?.outputs ?? {});
  if (!outs.length) throw new Error('model has no signature outputs: name the outputs');
  return outs.map(([key, o]) => ({ node: o.name.replace(/:0$/, ''), name: key.replace(/:0$/, '') }));
}

export function convertGraphModel(json: GraphModelJson, weights: WeightMap, opts: GraphConversionOptions): GraphConversion {
  if ((json.modelTopology.library?.function ?? []).length) throw new Error('graph models with function libraries are not supported');
  return new Converter(json, weights, opts).run();
}

// ---------------------------------------------------------------------------------------------------------------

class Converter {
  private readonly g: GraphBuilder;
  private readonly nodes = new Map<string, TfNode>();
  private readonly consumers = new Map<string, number>();
  private readonly memo = new Map<string, Val | Val[]>();
  private readonly opCounts: Record<string, number> = {};
  private readonly inProgress = new Set<string>();
  private inputInfo?: { name: string; dims: Dim[] };

  constructor(private readonly json: GraphModelJson, private readonly weights: WeightMap, private readonly opts: GraphConversionOptions) {
    this.g = new GraphBuilder(opts.graphName);
    for (const n of json.modelTopology.node) this.nodes.set(n.name, n);
    for (const n of json.modelTopology.node) {
      for (const ref of n.input ?? []) {
        if (ref.startsWith('^')) continue;
        const base = ref.split(':')[0]!;
        this.consumers.set(base, (this.consumers.get(base) ?? 0) + 1);
      }
    }
  }

  run(): GraphConversion {
    const placeholders = this.json.modelTopology.node.filter((n) => n.op === 'Placeholder');
    if (placeholders.length !== 1) throw new Error(`expected one Placeholder, found ${placeholders.length}`);
    this.get(placeholders[0]!.name); // declare the input first
    const outSpecs = this.opts.outputs ?? signatureOutputs(this.json);
    const outputs: GraphConversion['outputs'] = [];
    for (const o of outSpecs) {
      const v = this.get(o.node);
      if (v.dtype !== 'float') throw new Error(`output ${o.node} is not a float tensor`);
      const x = this.onnxOf(v, false);
      const out = this.g.op('Identity', [x], o.name);
      if (out !== o.name) throw new Error(`output name ${o.name} is taken`);
      const dims: Dim[] = v.shape.map((d, i) => (v.flags[i] === 'N' ? 'N' : v.flags[i] === 'S' ? `${o.name}_${i}` : d));
      this.g.output(out, dims);
      outputs.push({ name: o.name, node: o.node, dims });
    }
    const allOpCounts: Record<string, number> = {};
    for (const n of this.json.modelTopology.node) allOpCounts[n.op] = (allOpCounts[n.op] ?? 0) + 1;
    return { graph: this.g, opCounts: this.opCounts, allOpCounts, input: this.inputInfo!, outputs };
  }

  // ---- graph access ------------------------------------------------------------------------------------------

  private node(name: string): TfNode {
    const n = this.nodes.get(name);
    if (!n) throw new Error(`unknown node ${name}`);
    return n;
  }

  private inputs(n: TfNode): string[] {
    return (n.input ?? []).filter((r) => !r.startsWith('^'));
  }

  /** The TF node producing input `i` of `n` (through Identity nodes). */
  private producer(n: TfNode, i: number): TfNode | undefined {
    const ref = this.inputs(n)[i];
    if (!ref || ref.includes(':')) return ref ? this.nodes.get(ref.split(':')[0]!) : undefined;
    let p = this.nodes.get(ref);
    while (p && (p.op === 'Identity' || p.op === 'StopGradient') && this.inputs(p).length === 1 && !this.inputs(p)[0]!.includes(':')) p = this.nodes.get(this.inputs(p)[0]!);
    return p;
  }

  private single(n: TfNode | undefined): boolean {
    return !!n && (this.consumers.get(n.name) ?? 0) === 1;
  }

  get(ref: string): Val {
    const [name, idxStr] = ref.split(':') as [string, string | undefined];
    const idx = idxStr ? Number(idxStr) : 0;
    let v = this.memo.get(name);
    if (!v) {
      if (this.inProgress.has(name)) throw new Error(`cycle at ${name} (control flow is not supported)`);
      this.inProgress.add(name);
      const n = this.node(name);
      v = this.convert(n);
      this.inProgress.delete(name);
      this.memo.set(name, v);
      this.opCounts[n.op] = (this.opCounts[n.op] ?? 0) + 1;
    }
    if (Array.isArray(v)) {
      const r = v[idx];
      if (!r) throw new Error(`${name} has no output ${idx}`);
      return r;
    }
    if (idx !== 0) throw new Error(`${name} has one output, ${ref} requested`);
    return v;
  }

  private in(n: TfNode, i: number): Val {
    const ref = this.inputs(n)[i];
    if (ref === undefined) throw new Error(`${n.name}: missing input ${i}`);
    return this.get(ref);
  }

  private hint(n: TfNode | string): string {
    return (typeof n === 'string' ? n : n.name).replace(/^StatefulPartitionedCall\//, '');
  }

  // ---- ONNX emission helpers ---------------------------------------------------------------------------------

  /** The ONNX value of `v` in the requested layout (`nchw` only meaningful for rank-4 values). */
  onnxOf(v: Val, nchw: boolean): string {
    const rank4 = v.shape.length === 4;
    const wantNchw = nchw && rank4;
    v.names ??= {};
    if (isConst(v)) {
      const key = wantNchw ? 'nchw' : 'plain';
      if (!v.names[key]) v.names[key] = this.constInit(v, wantNchw);
      return v.names[key];
    }
    if (!v.names.stored) {
      if (!v.emit) throw new Error('value has no runtime form');
      v.names.stored = v.emit();
    }
    const storedNchw = !!v.nchw && rank4;
    if (storedNchw === wantNchw) return v.names.stored;
    const key = wantNchw ? 'nchw' : 'plain';
    if (!v.names[key]) {
      v.names[key] = this.g.op('Transpose', [v.names.stored], `${v.names.stored}/${wantNchw ? 'nchw' : 'nhwc'}`, { perm: attr.ints(wantNchw ? PERM_TO_NCHW : PERM_TO_NHWC) });
    }
    return v.names[key];
  }

  private constInit(v: Val, nchw: boolean, hint = 'const'): string {
    const data = v.value!;
    if (v.dtype === 'float') {
      const f = data instanceof Float32Array ? data : Float32Array.from(data);
      if (nchw) {
        const [a, b, c, d] = v.shape as [number, number, number, number];
        return this.g.floatConst(hint, [a, d, b, c], permute4(f, v.shape, PERM_TO_NCHW));
      }
      return this.g.floatConst(hint, v.shape, f);
    }
    // int / bool → int64; ONNX wants the exact dims: a 1-D initializer reshaped when needed.
    const ints = Array.from(data, (x) => Math.trunc(x));
    const vals = nchw ? Array.from(permute4(Float32Array.from(ints), v.shape, PERM_TO_NCHW)) : ints;
    const flat = this.g.int64Const(hint, vals);
    if (v.shape.length === 1) return flat;
    const dims = nchw ? PERM_TO_NCHW.map((p) => v.shape[p]!) : v.shape;
    if (dims.length === 0) return this.g.op('Squeeze', [flat, this.g.int64Const(`${hint}/axes`, [0])], `${hint}/scalar`);
    return this.g.op('Reshape', [flat, this.g.int64Const(`${hint}/shape`, dims)], `${hint}/shaped`);
  }

  /**
   * A float constant broadcast against a value of rank `rank` stored NCHW (when `nchw`): TF broadcasting aligns
   * trailing dims (…, C), so the constant is padded to rank 4 and permuted like the activation.
   */
  private broadcastConst(v: Val, nchw: boolean, hint: string): string {
    if (!nchw || v.shape.length === 0) return this.onnxOf(v, false);
    const shape4 = [...Array(4 - v.shape.length).fill(1), ...v.shape] as number[];
    const data = v.value instanceof Float32Array ? v.value : Float32Array.from(v.value!);
    const permuted = permute4(data, shape4, PERM_TO_NCHW);
    let dims = PERM_TO_NCHW.map((p) => shape4[p]!);
    while (dims.length > 1 && dims[0] === 1) dims = dims.slice(1); // [1,C,1,1] → [C,1,1]
    if (v.dtype !== 'float') throw new Error(`${hint}: integer constant in a float op`);
    return this.g.floatConst(`${hint}/c`, dims, permuted);
  }

  private rt(emit: () => string, dtype: DType, shape: number[], flags: Flag[], nchw = false, extra: Partial<Val> = {}): Val {
    return { dtype, shape, flags, nchw: nchw && shape.length === 4, emit, ...extra };
  }

  /** A runtime value emitted immediately. */
  private now(name: string, dtype: DType, shape: number[], flags: Flag[], nchw = false): Val {
    return { dtype, shape, flags, nchw: nchw && shape.length === 4, emit: () => name, names: { stored: name } };
  }

  private requireConst(v: Val, what: string, n: TfNode): number[] {
    if (!isConst(v)) throw new Error(`${n.name} (${n.op}): ${what} must be constant`);
    return Array.from(v.value!);
  }

  // ---- conversion ------------------------------------------------------------------------------------------

  private convert(n: TfNode): Val | Val[] {
    switch (n.op) {
      case 'Placeholder': return this.placeholder(n);
      case 'Const': return this.constant(n);
      case 'Identity': case 'StopGradient': case 'Snapshot': return this.in(n, 0);
      case 'Cast': return this.cast(n);
      case 'Shape': return this.shapeOp(n);
      case 'Size': return this.sizeOp(n);
      case 'StridedSlice': return this.stridedSlice(n);
      case 'Pack': return this.pack(n);
      case 'Unpack': return this.unpack(n);
      case 'Reshape': return this.reshape(n);
      case 'Squeeze': return this.squeeze(n);
      case 'ExpandDims': return this.expandDims(n);
      case 'Transpose': return this.transpose(n);
      case 'ConcatV2': return this.concat(n);
      case 'Pad': case 'PadV2': return this.pad(n);
      case 'Conv2D': case '_FusedConv2D': case 'DepthwiseConv2dNative': case 'FusedDepthwiseConv2dNative': return this.conv(n, null);
      case 'MaxPool': case 'AvgPool': return this.pool(n);
      case 'MatMul': case '_FusedMatMul': return this.matmul(n);
      case 'Mean': case 'Sum': case 'Max': case 'Min': case 'Prod': return this.reduce(n);
      case 'ResizeBilinear': case 'ResizeNearestNeighbor': return this.resize(n);
      case 'DepthToSpace': return this.depthToSpace(n);
      case 'Softmax': case 'LogSoftmax': return this.softmax(n);
      case 'Add': case 'AddV2': return this.fusedAdd(n) ?? this.binary(n, 'Add');
      case 'BiasAdd': return this.fusedAdd(n) ?? this.binary(n, 'Add');
      case 'Sub': return this.binary(n, 'Sub');
      case 'Mul': return this.binary(n, 'Mul');
      case 'RealDiv': case 'Div': return this.binary(n, 'Div');
      case 'Maximum': return this.relu6Clip(n) ?? this.binary(n, 'Max');
      case 'Minimum': return this.binary(n, 'Min');
      case 'SquaredDifference': return this.binary(n, 'SquaredDifference');
      case 'Pow': return this.binary(n, 'Pow');
      case 'Prelu': return this.prelu(n);
      case 'Relu': case 'Relu6': case 'Elu': case 'Selu': case 'LeakyRelu': case 'Sigmoid': case 'Tanh': case 'Abs': case 'Neg':
      case 'Exp': case 'Log': case 'Sqrt': case 'Rsqrt': case 'Square': case 'Reciprocal': case 'Floor': case 'Ceil': case 'Softplus':
        return this.unary(n);
      default:
        throw new Error(`${n.name}: unsupported TF op ${n.op}`);
    }
  }

  private placeholder(n: TfNode): Val {
    const dims = (n.attr?.shape?.shape?.dim ?? []).map((d) => Number(d.size ?? -1));
    if (dims.length !== 4) throw new Error(`${n.name}: expected an NHWC image input, got rank ${dims.length}`);
    const dynamic = this.opts.spatial === 'dynamic';
    const [, h0, w0, c] = dims as [number, number, number, number];
    const nominal = this.opts.nominalSize;
    const h = h0 > 0 && !(dynamic && nominal) ? h0 : nominal?.[0];
    const w = w0 > 0 && !(dynamic && nominal) ? w0 : nominal?.[1];
    if (!h || !w) throw new Error(`${n.name}: input size is open; give nominalSize`);
    if (c <= 0) throw new Error(`${n.name}: channels must be fixed`);
    const name = this.opts.inputName ?? 'image';
    const onnxDims: Dim[] = ['N', dynamic ? 'H' : h, dynamic ? 'W' : w, c];
    this.g.input(name, onnxDims);
    this.inputInfo = { name, dims: onnxDims };
    let x = name;
    const pre = this.opts.preprocess;
    if (pre) {
      if (pre.scale !== 1) x = this.g.op('Mul', [x, this.g.scalar(`${name}/scale`, pre.scale)], `${name}/scaled`);
      if (pre.offset !== 0) x = this.g.op('Add', [x, this.g.scalar(`${name}/offset`, pre.offset)], `${name}/normalised`);
    }
    return this.now(x, 'float', [1, h, w, c], ['N', dynamic ? 'S' : null, dynamic ? 'S' : null, null]);
  }

  private constant(n: TfNode): Val {
    const w = this.weights.get(n.name);
    const dtype = tfDType(attrType(n, 'dtype') ?? n.attr?.value?.tensor?.dtype);
    if (!w) throw new Error(`${n.name}: constant has no weight data`);
    const shape = [...w.shape];
    const value = dtype === 'float' ? w.data : Array.from(w.data);
    return { dtype, shape, flags: shape.map(() => null), value };
  }

  private cast(n: TfNode): Val {
    const x = this.in(n, 0);
    const to = tfDType(attrType(n, 'DstT'));
    if (to === x.dtype) return x;
    if (known(x)) {
      const value = to === 'float' ? Float32Array.from(x.value!) : Array.from(x.value!, (v) => Math.trunc(v));
      const onnxTo = to === 'float' ? onnx.TensorProto.DataType.FLOAT : onnx.TensorProto.DataType.INT64;
      return { ...x, dtype: to, value, names: undefined, emit: x.emit ? () => this.g.op('Cast', [this.onnxOf(x, false)], this.hint(n), { to: attr.int(onnxTo) }) : undefined };
    }
    if (x.dtype === 'int' && to === 'float' || x.dtype === 'float' && to === 'int') {
      const onnxTo = to === 'float' ? onnx.TensorProto.DataType.FLOAT : onnx.TensorProto.DataType.INT64;
      return this.rt(() => this.g.op('Cast', [this.onnxOf(x, !!x.nchw)], this.hint(n), { to: attr.int(onnxTo) }), to, x.shape, x.flags, x.nchw);
    }
    throw new Error(`${n.name}: cast ${x.dtype} → ${to} not supported`);
  }

  private shapeOp(n: TfNode): Val {
    const x = this.in(n, 0);
    const value = [...x.shape];
    const vflags = [...x.flags];
    const dynamic = vflags.some((f) => f !== null);
    return {
      dtype: 'int', shape: [x.shape.length], flags: [null], value, vflags,
      emit: dynamic ? () => {
        const s = this.g.op('Shape', [this.onnxOf(x, !!x.nchw)], this.hint(n));
        return x.nchw ? this.g.op('Gather', [s, this.g.int64Const(`${this.hint(n)}/perm`, AXIS_NHWC_TO_NCHW)], `${this.hint(n)}/nhwc`, { axis: attr.int(0) }) : s;
      } : undefined,
    };
  }

  private sizeOp(n: TfNode): Val {
    const x = this.in(n, 0);
    const flag = x.flags.reduce<Flag>((a, f) => (f ? mergeFlag(a, f) : a), null);
    return {
      dtype: 'int', shape: [], flags: [], value: [size(x.shape)], vflags: [flag],
      emit: flag ? () => this.g.op('Size', [this.onnxOf(x, !!x.nchw)], this.hint(n)) : undefined,
    };
  }

  private stridedSlice(n: TfNode): Val {
    const x = this.in(n, 0);
    const begin = this.requireConst(this.in(n, 1), 'begin', n);
    const end = this.requireConst(this.in(n, 2), 'end', n);
    const strides = this.requireConst(this.in(n, 3), 'strides', n);
    if (attrI(n, 'ellipsis_mask', 0) || attrI(n, 'new_axis_mask', 0)) throw new Error(`${n.name}: ellipsis/new-axis masks are not supported`);
    const beginMask = attrI(n, 'begin_mask', 0);
    const endMask = attrI(n, 'end_mask', 0);
    const shrink = attrI(n, 'shrink_axis_mask', 0);
    const rank = x.shape.length;
    const spec = x.shape.map((dim, i) => {
      if (i >= begin.length) return { start: 0, stop: dim, step: 1, shrink: false, full: true };
      const step = strides[i]!;
      if (step === 0) throw new Error(`${n.name}: zero stride`);
      const isShrink = !!(shrink & (1 << i));
      const norm = (v: number) => (v < 0 ? v + dim : v);
      let start = beginMask & (1 << i) ? (step > 0 ? 0 : dim - 1) : norm(begin[i]!);
      let stop = isShrink ? start + 1 : endMask & (1 << i) ? (step > 0 ? dim : -1) : norm(end[i]!);
      if (step > 0) { start = Math.min(Math.max(start, 0), dim); stop = Math.min(Math.max(stop, 0), dim); } else { start = Math.min(Math.max(start, -1), dim - 1); stop = Math.min(Math.max(stop, -1), dim - 1); }
      const full = step === 1 && start === 0 && stop === dim;
      return { start, stop, step, shrink: isShrink, full };
    });
    const outShape: number[] = [];
    const outFlags: Flag[] = [];
    spec.forEach((s, i) => {
      if (s.shrink) return;
      outShape.push(Math.max(0, Math.ceil((s.stop - s.start) / s.step)));
      outFlags.push(s.full ? x.flags[i]! : x.flags[i] ? 'S' : null);
    });
    if (spec.some((s, i) => !s.full && x.flags[i] === 'S')) throw new Error(`${n.name}: slicing a dynamic dimension is not supported`);
    if (known(x) && rank === 1) {
      const s = spec[0]!;
      const value: number[] = [];
      const vflags: Flag[] = [];
      for (let k = s.start; s.step > 0 ? k < s.stop : k > s.stop; k += s.step) {
        value.push(Number(x.value![k]));
        vflags.push(x.vflags?.[k] ?? null);
      }
      const dynamic = vflags.some((f) => f);
      const res: Val = { dtype: x.dtype, shape: outShape, flags: outFlags, value: x.dtype === 'float' ? Float32Array.from(value) : value, vflags };
      if (dynamic) res.emit = () => this.emitSlice(n, x, spec, false);
      return res;
    }
    if (known(x) && isConst(x)) {
      // small constant: evaluate
      const value = evalSlice(x, spec);
      return { dtype: x.dtype, shape: outShape, flags: outFlags, value: x.dtype === 'float' ? Float32Array.from(value) : value };
    }
    const keepNchw = !!x.nchw && !spec.some((s) => s.shrink);
    return this.rt(() => this.emitSlice(n, x, spec, keepNchw), x.dtype, outShape, outFlags, keepNchw);
  }

  private emitSlice(n: TfNode, x: Val, spec: Array<{ start: number; stop: number; step: number; shrink: boolean; full: boolean }>, nchw: boolean): string {
    const h = this.hint(n);
    const axes: number[] = [], starts: number[] = [], ends: number[] = [], steps: number[] = [];
    spec.forEach((s, i) => {
      if (s.full) return;
      axes.push(nchw ? AXIS_NHWC_TO_NCHW[i]! : i);
      starts.push(s.start);
      ends.push(s.step < 0 && s.stop < 0 ? -(2 ** 31) : s.stop);
      steps.push(s.step);
    });
    let y = this.onnxOf(x, nchw);
    if (axes.length) y = this.g.op('Slice', [y, this.g.int64Const(`${h}/starts`, starts), this.g.int64Const(`${h}/ends`, ends), this.g.int64Const(`${h}/axes`, axes), this.g.int64Const(`${h}/steps`, steps)], h);
    const shrinkAxes = spec.map((s, i) => (s.shrink ? i : -1)).filter((i) => i >= 0);
    if (shrinkAxes.length) y = this.g.op('Squeeze', [y, this.g.int64Const(`${h}/squeeze`, shrinkAxes)], `${h}/shrink`);
    return y;
  }

  private pack(n: TfNode): Val {
    const xs = this.inputs(n).map((_, i) => this.in(n, i));
    const axis = attrI(n, 'axis', 0);
    const x0 = xs[0]!;
    const rank = x0.shape.length;
    const ax = axis < 0 ? axis + rank + 1 : axis;
    const shape = [...x0.shape.slice(0, ax), xs.length, ...x0.shape.slice(ax)];
    const flags: Flag[] = [...x0.flags.slice(0, ax), null, ...x0.flags.slice(ax)];
    if (xs.every(known) && rank === 0) {
      const value = xs.map((x) => Number(x.value![0]));
      const vflags = xs.map((x) => x.vflags?.[0] ?? null);
      const dynamic = xs.some((x) => !isConst(x));
      return {
        dtype: x0.dtype, shape, flags, value: x0.dtype === 'float' ? Float32Array.from(value) : value, vflags,
        emit: dynamic ? () => this.emitPack(n, xs, 0) : undefined,
      };
    }
    if (xs.every(isConst)) {
      const value = evalPack(xs, ax);
      return { dtype: x0.dtype, shape, flags, value: x0.dtype === 'float' ? Float32Array.from(value) : value };
    }
    return this.rt(() => this.emitPack(n, xs, ax), x0.dtype, shape, flags);
  }

  private emitPack(n: TfNode, xs: Val[], axis: number): string {
    const h = this.hint(n);
    const parts = xs.map((x, i) => this.g.op('Unsqueeze', [this.onnxOf(x, false), this.g.int64Const(`${h}/axes${i}`, [axis])], `${h}/u${i}`));
    return this.g.op('Concat', parts, h, { axis: attr.int(axis) });
  }

  private unpack(n: TfNode): Val[] {
    const x = this.in(n, 0);
    const axis = attrI(n, 'axis', 0);
    const num = attrI(n, 'num');
    const rank = x.shape.length;
    const ax = axis < 0 ? axis + rank : axis;
    if (known(x) && rank === 1) {
      return Array.from({ length: num }, (_, i) => {
        const f = x.vflags?.[i] ?? null;
        const value = x.dtype === 'float' ? Float32Array.of(Number(x.value![i])) : [Number(x.value![i])];
        return {
          dtype: x.dtype, shape: [], flags: [], value, vflags: [f],
          emit: f ? () => {
            const h = `${this.hint(n)}_${i}`;
            const g = this.g.op('Gather', [this.onnxOf(x, false), this.g.int64Const(`${h}/i`, [i])], h, { axis: attr.int(0) });
            return this.g.op('Squeeze', [g, this.g.int64Const(`${h}/axes`, [0])], `${h}/scalar`);
          } : undefined,
        };
      });
    }
    const shape = x.shape.filter((_, i) => i !== ax);
    const flags = x.flags.filter((_, i) => i !== ax);
    return Array.from({ length: num }, (_, i) => this.rt(() => {
      const h = `${this.hint(n)}_${i}`;
      const g = this.g.op('Gather', [this.onnxOf(x, false), this.g.int64Const(`${h}/i`, [i])], h, { axis: attr.int(ax) });
      return this.g.op('Squeeze', [g, this.g.int64Const(`${h}/axes`, [ax])], `${h}/squeeze`);
    }, x.dtype, shape, flags));
  }

  /**
   * Reshape. The target is resolved at conversion time: an element known to be the batch (from Shape) or a
   * leading element equal to the nominal batch becomes 0 (copy the input's batch); where the input has dynamic
   * spatial dims, the one target element that absorbs them becomes -1 (the elements after it must multiply to
   * the input's fixed trailing dims).
   */
  private reshape(n: TfNode): Val {
    const x = this.in(n, 0);
    const t = this.in(n, 1);
    if (!known(t)) throw new Error(`${n.name}: reshape target is not computable`);
    const target = Array.from(t.value!, Number);
    const tflags = target.map((_, i) => t.vflags?.[i] ?? null);
    // resolve -1 nominally
    const total = size(x.shape);
    const knownProd = target.reduce((a, b) => (b === -1 ? a : a * b), 1);
    const nominal = target.map((d) => (d === -1 ? total / knownProd : d));
    if (size(nominal) !== total) throw new Error(`${n.name}: cannot reshape [${x.shape}] to [${target}]`);
    if (known(x) && isConst(x)) return { ...x, shape: nominal, flags: nominal.map(() => null), names: undefined };
    if (known(x)) {
      // an integer shape vector being reshaped (e.g. paddings [8] → [4, 2]): keep its element flags
      return { ...x, shape: nominal, flags: nominal.map(() => null), names: undefined, emit: x.emit ? () => this.g.op('Reshape', [this.onnxOf(x, false), this.g.int64Const(`${this.hint(n)}/shape`, nominal)], this.hint(n)) : undefined };
    }
    const onnxTarget = [...target];
    const outFlags: Flag[] = nominal.map(() => null);
    const batchIn = x.flags[0] === 'N';
    if (batchIn) {
      if (tflags[0] === 'N' || target[0] === -1 || target[0] === x.shape[0]) {
        onnxTarget[0] = 0;
        outFlags[0] = 'N';
      } else {
        throw new Error(`${n.name}: reshape moves the batch dimension ([${x.shape}] → [${target}])`);
      }
    }
    const inDynamic = x.flags.some((f) => f === 'S');
    if (inDynamic) {
      const flagged = tflags.map((f, i) => (i > 0 && f === 'S' ? i : -1)).filter((i) => i >= 0);
      let free = flagged.length === 1 ? flagged[0]! : -1;
      if (free < 0 && !flagged.length) {
        // The element that absorbs the dynamic dims (e.g. [N, h, w, A·K] → [N, h·w·A, K]): a multiple of their
        // nominal product, followed only by elements that divide the input's fixed trailing dims, preceded only
        // by 1s. It must be unique at the nominal size.
        const lastDyn = x.flags.lastIndexOf('S');
        const tail = size(x.shape.slice(lastDyn + 1));
        const dynProd = size(x.shape.filter((_, i) => x.flags[i] === 'S'));
        const candidates: number[] = [];
        for (let k = 1; k < nominal.length; k++) {
          if (nominal[k]! % dynProd === 0 && tail % size(nominal.slice(k + 1)) === 0 && nominal.slice(1, k).every((d) => d === 1)) candidates.push(k);
        }
        if (candidates.length !== 1) throw new Error(`${n.name}: cannot keep reshape [${x.shape}] → [${target}] dynamic (try another nominal size)`);
        free = candidates[0]!;
      }
      if (free < 0) throw new Error(`${n.name}: two dynamic reshape dims`);
      for (let k = 1; k < onnxTarget.length; k++) if (k !== free && tflags[k] === 'S') throw new Error(`${n.name}: two dynamic reshape dims`);
      onnxTarget[free] = -1;
      outFlags[free] = 'S';
    } else {
      // Fixed spatial size: everything is known except elements computed from the batch size (→ -1).
      const fromBatch = tflags.map((f, i) => (i > 0 && f ? i : -1)).filter((i) => i >= 0);
      if (fromBatch.length > 1) throw new Error(`${n.name}: two batch-dependent reshape dims`);
      for (let k = 1; k < onnxTarget.length; k++) onnxTarget[k] = fromBatch[0] === k ? -1 : nominal[k]!;
      if (fromBatch.length) outFlags[fromBatch[0]!] = 'S';
    }
    const h = this.hint(n);
    return this.rt(() => this.g.op('Reshape', [this.onnxOf(x, false), this.g.int64Const(`${h}/shape`, onnxTarget)], h), x.dtype, nominal, outFlags);
  }

  private squeeze(n: TfNode): Val {
    const x = this.in(n, 0);
    const rank = x.shape.length;
    let axes = (attrInts(n, 'squeeze_dims') ?? attrInts(n, 'axis') ?? []).map((a) => (a < 0 ? a + rank : a));
    if (!axes.length) axes = x.shape.map((d, i) => (d === 1 && !x.flags[i] ? i : -1)).filter((i) => i >= 0);
    for (const a of axes) if (x.shape[a] !== 1 || x.flags[a]) throw new Error(`${n.name}: squeezing a dimension that is not 1`);
    const shape = x.shape.filter((_, i) => !axes.includes(i));
    const flags = x.flags.filter((_, i) => !axes.includes(i));
    if (known(x) && isConst(x)) return { ...x, shape, flags, names: undefined };
    const h = this.hint(n);
    // NCHW with H and W squeezed leaves [N, C], the TF order: no transpose needed.
    const nchwOk = !!x.nchw && axes.includes(1) && axes.includes(2);
    const onnxAxes = nchwOk ? axes.map((a) => AXIS_NHWC_TO_NCHW[a]!) : axes;
    return this.rt(() => this.g.op('Squeeze', [this.onnxOf(x, nchwOk), this.g.int64Const(`${h}/axes`, onnxAxes)], h), x.dtype, shape, flags);
  }

  private expandDims(n: TfNode): Val {
    const x = this.in(n, 0);
    const [a0] = this.requireConst(this.in(n, 1), 'axis', n);
    const ax = a0! < 0 ? a0! + x.shape.length + 1 : a0!;
    const shape = [...x.shape.slice(0, ax), 1, ...x.shape.slice(ax)];
    const flags: Flag[] = [...x.flags.slice(0, ax), null, ...x.flags.slice(ax)];
    if (known(x)) return { ...x, shape, flags, names: undefined, emit: x.emit ? () => this.g.op('Unsqueeze', [this.onnxOf(x, false), this.g.int64Const(`${this.hint(n)}/axes`, [ax])], this.hint(n)) : undefined };
    const h = this.hint(n);
    return this.rt(() => this.g.op('Unsqueeze', [this.onnxOf(x, false), this.g.int64Const(`${h}/axes`, [ax])], h), x.dtype, shape, flags);
  }

  private transpose(n: TfNode): Val {
    const x = this.in(n, 0);
    const perm = this.requireConst(this.in(n, 1), 'perm', n);
    const shape = perm.map((p) => x.shape[p]!);
    const flags = perm.map((p) => x.flags[p]!);
    if (known(x) && isConst(x)) return { ...x, shape, flags, value: evalTranspose(x, perm), names: undefined };
    const h = this.hint(n);
    return this.rt(() => this.g.op('Transpose', [this.onnxOf(x, false)], h, { perm: attr.ints(perm) }), x.dtype, shape, flags);
  }

  private concat(n: TfNode): Val {
    const ins = this.inputs(n);
    const xs = ins.slice(0, -1).map((_, i) => this.in(n, i));
    const [a0] = this.requireConst(this.in(n, ins.length - 1), 'axis', n);
    const rank = xs[0]!.shape.length;
    const ax = a0! < 0 ? a0! + rank : a0!;
    const shape = [...xs[0]!.shape];
    shape[ax] = xs.reduce((s, x) => s + x.shape[ax]!, 0);
    const flags = xs[0]!.flags.map((f, i) => (i === ax ? xs.reduce<Flag>((a, x) => (x.flags[ax] ? mergeFlag(a, x.flags[ax]!) : a), null) : f));
    if (xs.every(known) && rank === 1) {
      const value = xs.flatMap((x) => Array.from(x.value!, Number));
      const vflags = xs.flatMap((x) => Array.from(x.value!, (_, i) => x.vflags?.[i] ?? null));
      const dynamic = xs.some((x) => !isConst(x));
      return {
        dtype: xs[0]!.dtype, shape, flags, value: xs[0]!.dtype === 'float' ? Float32Array.from(value) : value, vflags,
        emit: dynamic ? () => this.g.op('Concat', xs.map((x) => this.onnxOf(x, false)), this.hint(n), { axis: attr.int(0) }) : undefined,
      };
    }
    const nchw = rank === 4 && xs.some((x) => x.nchw);
    const h = this.hint(n);
    return this.rt(() => this.g.op('Concat', xs.map((x) => (isConst(x) ? this.constInit(x, nchw, `${h}/c`) : this.onnxOf(x, nchw))), h, { axis: attr.int(nchw ? AXIS_NHWC_TO_NCHW[ax]! : ax) }), xs[0]!.dtype, shape, flags, nchw);
  }

  private pad(n: TfNode): Val {
    const x = this.in(n, 0);
    const p = this.in(n, 1);
    const value = n.op === 'PadV2' ? this.requireConst(this.in(n, 2), 'constant value', n)[0]! : 0;
    const rank = x.shape.length;
    if (!known(p)) throw new Error(`${n.name}: paddings are not computable`);
    const pads = Array.from(p.value!, Number);
    const pflags = pads.map((_, i) => p.vflags?.[i] ?? null);
    const shape = x.shape.map((d, i) => d + pads[2 * i]! + pads[2 * i + 1]!);
    const flags = x.flags.map((f, i) => (pflags[2 * i] || pflags[2 * i + 1] ? 'S' : f));
    const h = this.hint(n);
    const nchw = !!x.nchw && rank === 4;
    const dynamic = pflags.some((f) => f);
    return this.rt(() => {
      let padsName: string;
      if (!dynamic) {
        const order = nchw ? PERM_TO_NCHW : [...Array(rank).keys()];
        padsName = this.g.int64Const(`${h}/pads`, [...order.map((a) => pads[2 * a]!), ...order.map((a) => pads[2 * a + 1]!)]);
      } else {
        // runtime paddings [rank, 2] (TF order) → ONNX [begin…, end…] in the stored layout
        let m = this.g.op('Reshape', [this.onnxOf(p, false), this.g.int64Const(`${h}/p2`, [rank, 2])], `${h}/paddings`);
        if (nchw) m = this.g.op('Gather', [m, this.g.int64Const(`${h}/perm`, PERM_TO_NCHW)], `${h}/paddings_nchw`, { axis: attr.int(0) });
        const tr = this.g.op('Transpose', [m], `${h}/paddings_t`, { perm: attr.ints([1, 0]) });
        padsName = this.g.op('Reshape', [tr, this.g.int64Const(`${h}/flat`, [2 * rank])], `${h}/pads`);
      }
      const ins = [this.onnxOf(x, nchw), padsName];
      if (value !== 0) ins.push(this.g.scalar(`${h}/value`, value));
      return this.g.op('Pad', ins, h, { mode: attr.string('constant') });
    }, x.dtype, shape, flags, nchw);
  }

  // ---- convolutions -------------------------------------------------------------------------------------------

  /**
   * Conv2D / DepthwiseConv2dNative and their fused forms. `post` carries a per-channel scale and bias folded in
   * from a following Mul/Add (see fusedAdd).
   */
  private conv(n: TfNode, post: { scale?: Float32Array; bias?: Float32Array; hint?: string } | null): Val {
    if ((attrS(n, 'data_format') ?? 'NHWC') !== 'NHWC') throw new Error(`${n.name}: data_format ${attrS(n, 'data_format')}`);
    const depthwise = n.op.includes('Depthwise');
    let xNode = this.producer(n, 0);
    let x: Val;
    const strides = attrInts(n, 'strides') ?? [1, 1, 1, 1];
    const dil = attrInts(n, 'dilations') ?? [1, 1, 1, 1];
    const padding = attrS(n, 'padding') ?? 'VALID';
    let pads = [0, 0, 0, 0]; // top, left, bottom, right
    if (padding === 'EXPLICIT') {
      const e = attrInts(n, 'explicit_paddings') ?? [];
      pads = [e[2]!, e[4]!, e[3]!, e[5]!];
    }
    // A zero Pad that only feeds this (VALID/EXPLICIT) convolution becomes the convolution's pads.
    if (padding !== 'SAME' && xNode && (xNode.op === 'Pad' || xNode.op === 'PadV2') && this.single(xNode)) {
      const pv = this.get(this.inputs(xNode)[1]!);
      const cv = xNode.op === 'PadV2' ? this.get(this.inputs(xNode)[2]!) : undefined;
      if (isConst(pv) && (!cv || (isConst(cv) && Number(cv.value![0]) === 0))) {
        const p = Array.from(pv.value!, Number);
        if (p.length === 8 && p[0] === 0 && p[1] === 0 && p[6] === 0 && p[7] === 0) {
          pads = [pads[0]! + p[2]!, pads[1]! + p[4]!, pads[2]! + p[3]!, pads[3]! + p[5]!];
          this.opCounts[xNode.op] = (this.opCounts[xNode.op] ?? 0) + 1;
          x = this.get(this.inputs(xNode)[0]!);
          xNode = undefined;
        }
      }
    }
    x ??= this.in(n, 0);
    const filt = this.in(n, 1);
    if (!isConst(filt)) throw new Error(`${n.name}: filter must be constant`);
    const [kh, kw, ci, co0] = filt.shape as [number, number, number, number];
    const co = depthwise ? ci * co0 : co0;
    const [, inH, inW, inC] = x.shape as [number, number, number, number];
    if (ci !== inC) throw new Error(`${n.name}: input channels ${inC} vs filter ${ci}${depthwise ? '' : ' (grouped convolutions are not supported)'}`);
    const [sh, sw] = [strides[1]!, strides[2]!];
    const [dh, dw] = [dil[1]!, dil[2]!];
    const dynamic = x.flags[1] === 'S' || x.flags[2] === 'S';
    const out = (inp: number, k: number, s: number, d: number, p0: number, p1: number) => {
      const ek = (k - 1) * d + 1;
      return padding === 'SAME' ? Math.ceil(inp / s) : Math.floor((inp + p0 + p1 - ek) / s) + 1;
    };
    if (padding === 'SAME' && !dynamic) {
      const same = (inp: number, k: number, s: number, d: number): [number, number] => {
        const o = Math.ceil(inp / s);
        const total = Math.max((o - 1) * s + (k - 1) * d + 1 - inp, 0);
        return [Math.floor(total / 2), total - Math.floor(total / 2)];
      };
      const [t, b] = same(inH, kh, sh, dh);
      const [l, r] = same(inW, kw, sw, dw);
      pads = [t, l, b, r];
    }
    const oh = out(inH, kh, sh, dh, pads[0]!, pads[2]!);
    const ow = out(inW, kw, sw, dw, pads[1]!, pads[3]!);

    // fused ops
    const fused = n.op.startsWith('_Fused') || n.op.startsWith('Fused') ? attrStrings(n, 'fused_ops') : [];
    let bias: Float32Array | undefined;
    let act: string | undefined;
    let argIdx = 2;
    for (const f of fused) {
      if (f === 'BiasAdd') {
        const b = this.in(n, argIdx++);
        if (!isConst(b)) throw new Error(`${n.name}: bias must be constant`);
        bias = Float32Array.from(b.value!);
      } else if (['Relu', 'Relu6', 'Elu', 'LeakyRelu', 'Sigmoid', 'Tanh', 'Prelu'].includes(f)) act = f;
      else throw new Error(`${n.name}: unsupported fused op ${f}`);
    }
    const preluArg = act === 'Prelu' ? this.in(n, argIdx++) : undefined;
    if (post && act) throw new Error(`${n.name}: cannot fold a scale after a fused activation`);

    // weights: HWIO → OIHW; depthwise [kh, kw, C, M] → [C·M, 1, kh, kw]
    const w = new Float32Array(co * (depthwise ? 1 : ci) * kh * kw);
    const src = filt.value as Float32Array;
    const scale = post?.scale;
    if (depthwise) {
      for (let y = 0; y < kh; y++) for (let xx = 0; xx < kw; xx++) for (let c = 0; c < ci; c++) for (let m = 0; m < co0; m++) {
        const oc = c * co0 + m;
        const v = src[((y * kw + xx) * ci + c) * co0 + m]!;
        w[(oc * kh + y) * kw + xx] = scale ? Math.fround(v * scale[oc]!) : v;
      }
    } else {
      for (let y = 0; y < kh; y++) for (let xx = 0; xx < kw; xx++) for (let i = 0; i < ci; i++) for (let oc = 0; oc < co; oc++) {
        const v = src[((y * kw + xx) * ci + i) * co + oc]!;
        w[((oc * ci + i) * kh + y) * kw + xx] = scale ? Math.fround(v * scale[oc]!) : v;
      }
    }
    if (post?.bias) {
      const b = new Float32Array(co);
      for (let c = 0; c < co; c++) b[c] = Math.fround((bias?.[c] ?? 0) * (scale?.[c] ?? 1) + post.bias[c]!);
      bias = b;
    } else if (scale && bias) {
      bias = bias.map((v, c) => Math.fround(v * scale[c]!));
    }
    const h = post?.hint ?? this.hint(n);
    const shape = [x.shape[0]!, oh, ow, co];
    const flags: Flag[] = [x.flags[0]!, x.flags[1]!, x.flags[2]!, null];
    return this.rt(() => {
      const inputs = [this.onnxOf(x, true), this.g.floatConst(`${h}/W`, [co, depthwise ? 1 : ci, kh, kw], w)];
      if (bias) inputs.push(this.g.floatConst(`${h}/B`, [co], bias));
      const a: Record<string, ReturnType<typeof attr.int>> = {
        kernel_shape: attr.ints([kh, kw]),
        strides: attr.ints([sh, sw]),
        dilations: attr.ints([dh, dw]),
        group: attr.int(depthwise ? ci : 1),
      };
      if (padding === 'SAME' && dynamic) a.auto_pad = attr.string('SAME_UPPER');
      else a.pads = attr.ints(pads);
      let y = this.g.op('Conv', inputs, h, a);
      if (act) y = this.activation(y, act, h, n, co, preluArg);
      return y;
    }, 'float', shape, flags, true);
  }

  private activation(x: string, act: string, h: string, n: TfNode, channels: number, preluArg?: Val): string {
    switch (act) {
      case 'Relu': return this.g.op('Relu', [x], `${h}/relu`);
      case 'Relu6': return this.g.op('Clip', [x, this.g.scalar(`${h}/lo`, 0), this.g.scalar(`${h}/hi`, 6)], `${h}/relu6`);
      case 'Elu': return this.g.op('Elu', [x], `${h}/elu`, { alpha: attr.float(1) });
      case 'LeakyRelu': return this.g.op('LeakyRelu', [x], `${h}/leaky`, { alpha: attr.float(attrF(n, 'leakyrelu_alpha', 0.2)) });
      case 'Sigmoid': return this.g.op('Sigmoid', [x], `${h}/sigmoid`);
      case 'Tanh': return this.g.op('Tanh', [x], `${h}/tanh`);
      case 'Prelu': {
        if (!preluArg || !isConst(preluArg)) throw new Error(`${n.name}: PReLU slope must be constant`);
        const slope = Float32Array.from(preluArg.value!);
        if (slope.length !== channels && slope.length !== 1) throw new Error(`${n.name}: PReLU slope of ${slope.length} values`);
        return this.g.op('PRelu', [x, this.g.floatConst(`${h}/slope`, slope.length === 1 ? [1] : [channels, 1, 1], slope)], `${h}/prelu`);
      }
      default: throw new Error(`${n.name}: unsupported activation ${act}`);
    }
  }

  private pool(n: TfNode): Val {
    const x = this.in(n, 0);
    const k = attrInts(n, 'ksize')!;
    const s = attrInts(n, 'strides')!;
    const padding = attrS(n, 'padding') ?? 'VALID';
    if (k[0] !== 1 || k[3] !== 1 || s[0] !== 1 || s[3] !== 1) throw new Error(`${n.name}: pooling over batch/channels`);
    const [, inH, inW, c] = x.shape as [number, number, number, number];
    const [kh, kw, sh, sw] = [k[1]!, k[2]!, s[1]!, s[2]!];
    const dynamic = x.flags[1] === 'S' || x.flags[2] === 'S';
    let pads = [0, 0, 0, 0];
    let oh: number, ow: number;
    if (padding === 'SAME') {
      oh = Math.ceil(inH / sh);
      ow = Math.ceil(inW / sw);
      const th = Math.max((oh - 1) * sh + kh - inH, 0);
      const tw = Math.max((ow - 1) * sw + kw - inW, 0);
      pads = [Math.floor(th / 2), Math.floor(tw / 2), th - Math.floor(th / 2), tw - Math.floor(tw / 2)];
    } else {
      oh = Math.floor((inH - kh) / sh) + 1;
      ow = Math.floor((inW - kw) / sw) + 1;
    }
    const h = this.hint(n);
    const a: Record<string, ReturnType<typeof attr.int>> = { kernel_shape: attr.ints([kh, kw]), strides: attr.ints([sh, sw]) };
    if (padding === 'SAME' && dynamic) a.auto_pad = attr.string('SAME_UPPER');
    else a.pads = attr.ints(pads);
    // TF averages over the valid (unpadded) pixels only.
    if (n.op === 'AvgPool') a.count_include_pad = attr.int(0);
    return this.rt(() => this.g.op(n.op === 'MaxPool' ? 'MaxPool' : 'AveragePool', [this.onnxOf(x, true)], h, a), 'float', [x.shape[0]!, oh, ow, c], x.flags, true);
  }

  private matmul(n: TfNode): Val {
    const a = this.in(n, 0);
    const b = this.in(n, 1);
    const ta = attrB(n, 'transpose_a');
    const tb = attrB(n, 'transpose_b');
    if (ta) throw new Error(`${n.name}: transpose_a is not supported`);
    if (!isConst(b) || b.shape.length !== 2) throw new Error(`${n.name}: the right operand must be a constant matrix`);
    const [k, m] = tb ? [b.shape[1]!, b.shape[0]!] : [b.shape[0]!, b.shape[1]!];
    if (a.shape[a.shape.length - 1] !== k) throw new Error(`${n.name}: [${a.shape}] × [${b.shape}]`);
    const fused = n.op === '_FusedMatMul' ? attrStrings(n, 'fused_ops') : [];
    let bias: Float32Array | undefined;
    let act: string | undefined;
    let argIdx = 2;
    for (const f of fused) {
      if (f === 'BiasAdd') bias = Float32Array.from(this.requireConst(this.in(n, argIdx++), 'bias', n));
      else act = f;
    }
    const preluArg = act === 'Prelu' ? this.in(n, argIdx++) : undefined;
    const shape = [...a.shape.slice(0, -1), m];
    const flags = [...a.flags.slice(0, -1), null];
    const h = this.hint(n);
    return this.rt(() => {
      const B = this.g.floatConst(`${h}/B`, [k, m], tb ? transpose2(b.value as Float32Array, m, k) : Float32Array.from(b.value!));
      let y: string;
      if (a.shape.length === 2) {
        const ins = [this.onnxOf(a, false), B];
        if (bias) ins.push(this.g.floatConst(`${h}/C`, [m], bias));
        y = this.g.op('Gemm', ins, h);
      } else {
        y = this.g.op('MatMul', [this.onnxOf(a, false), B], h);
        if (bias) y = this.g.op('Add', [y, this.g.floatConst(`${h}/C`, [m], bias)], `${h}/bias`);
      }
      if (act) {
        if (act === 'Prelu') {
          const slope = Float32Array.from(this.requireConst(preluArg!, 'slope', n));
          y = this.g.op('PRelu', [y, this.g.floatConst(`${h}/slope`, [slope.length], slope)], `${h}/prelu`);
        } else y = this.activation(y, act, h, n, m);
      }
      return y;
    }, 'float', shape, flags);
  }

  private reduce(n: TfNode): Val {
    const x = this.in(n, 0);
    const rank = x.shape.length;
    const axes = this.requireConst(this.in(n, 1), 'axes', n).map((a) => (a < 0 ? a + rank : a)).sort((p, q) => p - q);
    const keep = attrB(n, 'keep_dims');
    const shape = keep ? x.shape.map((d, i) => (axes.includes(i) ? 1 : d)) : x.shape.filter((_, i) => !axes.includes(i));
    const flags = keep ? x.flags.map((f, i) => (axes.includes(i) ? null : f)) : x.flags.filter((_, i) => !axes.includes(i));
    const onnxOp = { Mean: 'ReduceMean', Sum: 'ReduceSum', Max: 'ReduceMax', Min: 'ReduceMin', Prod: 'ReduceProd' }[n.op]!;
    // On an NCHW value the reduction can stay NCHW when the remaining dims keep TF's order.
    let nchw = false;
    if (x.nchw && rank === 4) {
      const rest = [0, 1, 2, 3].filter((i) => !axes.includes(i));
      const restNchw = PERM_TO_NCHW.filter((i) => !axes.includes(i));
      nchw = keep || rest.every((v, i) => v === restNchw[i]);
    }
    const onnxAxes = nchw ? axes.map((a) => AXIS_NHWC_TO_NCHW[a]!).sort((p, q) => p - q) : axes;
    const h = this.hint(n);
    return this.rt(() => {
      const xin = this.onnxOf(x, nchw);
      // opset 17: ReduceSum takes axes as an input, the others as an attribute
      if (onnxOp === 'ReduceSum') return this.g.op(onnxOp, [xin, this.g.int64Const(`${h}/axes`, onnxAxes)], h, { keepdims: attr.int(keep ? 1 : 0) });
      return this.g.op(onnxOp, [xin], h, { axes: attr.ints(onnxAxes), keepdims: attr.int(keep ? 1 : 0) });
    }, 'float', shape, flags, nchw && keep);
  }

  private resize(n: TfNode): Val {
    const x = this.in(n, 0);
    const s = this.in(n, 1);
    if (!known(s)) throw new Error(`${n.name}: resize size is not computable`);
    const [oh, ow] = Array.from(s.value!, Number) as [number, number];
    const [, inH, inW] = x.shape as [number, number, number, number];
    const alignCorners = attrB(n, 'align_corners');
    const halfPixel = attrB(n, 'half_pixel_centers');
    const bilinear = n.op === 'ResizeBilinear';
    const dynamic = x.flags[1] === 'S' || x.flags[2] === 'S';
    const a: Record<string, ReturnType<typeof attr.int>> = {};
    if (bilinear) {
      a.mode = attr.string('linear');
      a.coordinate_transformation_mode = attr.string(alignCorners ? 'align_corners' : halfPixel ? 'half_pixel' : 'asymmetric');
    } else {
      // TF: align_corners → round(x·(in−1)/(out−1)); half_pixel_centers → floor((x+½)·in/out), which is
      // round_prefer_ceil((x+½)·in/out − ½), ONNX half_pixel (tf_half_pixel_for_nn is deprecated); else floor(x·in/out).
      a.mode = attr.string('nearest');
      a.coordinate_transformation_mode = attr.string(alignCorners ? 'align_corners' : halfPixel ? 'half_pixel' : 'asymmetric');
      a.nearest_mode = attr.string(alignCorners || halfPixel ? 'round_prefer_ceil' : 'floor');
    }
    const h = this.hint(n);
    const intScale = oh % inH === 0 && ow % inW === 0;
    if (dynamic && !intScale) throw new Error(`${n.name}: dynamic resize by a non-integer factor`);
    const flags: Flag[] = [x.flags[0]!, x.flags[1]!, x.flags[2]!, null];
    return this.rt(() => {
      const xin = this.onnxOf(x, true);
      if (intScale) {
        // output = input × k: the same coordinates TF computes from in/out, and free of the spatial size.
        return this.g.op('Resize', [xin, '', this.g.floatConst(`${h}/scales`, [4], [1, 1, oh / inH, ow / inW])], h, a);
      }
      const nc = this.g.op('Slice', [this.g.op('Shape', [xin], `${h}/shape`), this.g.int64Const(`${h}/s0`, [0]), this.g.int64Const(`${h}/s1`, [2])], `${h}/nc`);
      const sizes = this.g.op('Concat', [nc, this.g.int64Const(`${h}/hw`, [oh, ow])], `${h}/sizes`, { axis: attr.int(0) });
      return this.g.op('Resize', [xin, '', '', sizes], h, a);
    }, 'float', [x.shape[0]!, oh, ow, x.shape[3]!], flags, true);
  }

  private depthToSpace(n: TfNode): Val {
    const x = this.in(n, 0);
    const bs = attrI(n, 'block_size');
    if ((attrS(n, 'data_format') ?? 'NHWC') !== 'NHWC') throw new Error(`${n.name}: data_format`);
    const [b, hh, ww, c] = x.shape as [number, number, number, number];
    const h = this.hint(n);
    // TF NHWC depth_to_space orders each block (row, column, channel): ONNX DCR.
    return this.rt(() => this.g.op('DepthToSpace', [this.onnxOf(x, true)], h, { blocksize: attr.int(bs), mode: attr.string('DCR') }), 'float', [b, hh * bs, ww * bs, c / (bs * bs)], x.flags, true);
  }

  private softmax(n: TfNode): Val {
    const x = this.in(n, 0);
    const nchw = !!x.nchw && x.shape.length === 4;
    const h = this.hint(n);
    return this.rt(() => this.g.op(n.op, [this.onnxOf(x, nchw)], h, { axis: attr.int(nchw ? 1 : -1) }), 'float', x.shape, x.flags, nchw);
  }

  private prelu(n: TfNode): Val {
    const x = this.in(n, 0);
    const alpha = this.in(n, 1);
    const nchw = !!x.nchw;
    const h = this.hint(n);
    return this.rt(() => this.g.op('PRelu', [this.onnxOf(x, nchw), isConst(alpha) ? this.broadcastConst(alpha, nchw, h) : this.onnxOf(alpha, nchw)], h), 'float', x.shape, x.flags, nchw);
  }

  private unary(n: TfNode): Val {
    const x = this.in(n, 0);
    if (known(x) && isConst(x) && x.dtype === 'float') {
      const f = unaryFn(n);
      return { ...x, value: Float32Array.from(x.value!, (v) => Math.fround(f(v))), names: undefined };
    }
    if (known(x) && (n.op === 'Ceil' || n.op === 'Floor' || n.op === 'Neg' || n.op === 'Abs')) {
      const f = unaryFn(n);
      const value = x.dtype === 'float' ? Float32Array.from(x.value!, (v) => Math.fround(f(v))) : Array.from(x.value!, f);
      return { ...x, value, names: undefined, emit: () => this.g.op(n.op, [this.onnxOf(x, false)], this.hint(n)) };
    }
    const nchw = !!x.nchw;
    const h = this.hint(n);
    return this.rt(() => {
      const xin = this.onnxOf(x, nchw);
      switch (n.op) {
        case 'Relu6': return this.g.op('Clip', [xin, this.g.scalar(`${h}/lo`, 0), this.g.scalar(`${h}/hi`, 6)], h);
        case 'LeakyRelu': return this.g.op('LeakyRelu', [xin], h, { alpha: attr.float(attrF(n, 'alpha', 0.2)) });
        case 'Elu': return this.g.op('Elu', [xin], h, { alpha: attr.float(1) });
        case 'Rsqrt': return this.g.op('Reciprocal', [this.g.op('Sqrt', [xin], `${h}/sqrt`)], h);
        case 'Square': return this.g.op('Mul', [xin, xin], h);
        case 'Softplus': case 'Selu': case 'Relu': case 'Sigmoid': case 'Tanh': case 'Abs': case 'Neg': case 'Exp': case 'Log':
        case 'Sqrt': case 'Reciprocal': case 'Floor': case 'Ceil':
          return this.g.op(n.op, [xin], h);
        default: throw new Error(`${n.name}: unary ${n.op}`);
      }
    }, x.dtype, x.shape, x.flags, nchw);
  }

  private binary(n: TfNode, onnxOp: string): Val {
    const a = this.in(n, 0);
    const b = this.in(n, 1);
    const shape = broadcastShape(a.shape, b.shape, n);
    const flags = broadcastFlags(a, b, shape.length);
    const h = this.hint(n);
    if (known(a) && known(b) && size(shape) <= 1 << 20) {
      const value = evalBinary(onnxOp, a, b, shape);
      const vflags = shape.length <= 1 ? value.map((_, i) => mergeFlag(a.vflags?.[a.value!.length === 1 ? 0 : i] ?? null, b.vflags?.[b.value!.length === 1 ? 0 : i] ?? null)) : undefined;
      const dynamic = !isConst(a) || !isConst(b);
      const dtype = a.dtype;
      if (!dynamic) return { dtype, shape, flags, value: dtype === 'float' ? Float32Array.from(value) : value };
      if (onnxOp === 'SquaredDifference') throw new Error(`${n.name}: dynamic ${n.op}`);
      return {
        dtype, shape, flags, value: dtype === 'float' ? Float32Array.from(value) : value, vflags,
        emit: () => this.g.op(onnxOp, [this.onnxOf(a, false), this.onnxOf(b, false)], h),
      };
    }
    const rtA = !isConst(a), rtB = !isConst(b);
    const nchw = shape.length === 4 && ((rtA && !!a.nchw && a.shape.length === 4) || (rtB && !!b.nchw && b.shape.length === 4));
    const operand = (v: Val) => {
      if (isConst(v)) return nchw ? this.broadcastConst(v, true, h) : this.onnxOf(v, false);
      if (nchw && v.shape.length !== 4) throw new Error(`${n.name}: broadcasting a rank-${v.shape.length} value against an NCHW tensor`);
      return this.onnxOf(v, nchw);
    };
    return this.rt(() => {
      if (onnxOp === 'SquaredDifference') {
        const d = this.g.op('Sub', [operand(a), operand(b)], `${h}/diff`);
        return this.g.op('Mul', [d, d], h);
      }
      return this.g.op(onnxOp, [operand(a), operand(b)], h);
    }, a.dtype === 'float' || b.dtype === 'float' ? 'float' : a.dtype, shape, flags, nchw);
  }

  // ---- pattern rewrites ----------------------------------------------------------------------------------------

  /** The value a constant-scalar input has, if the node's input `i` is such a constant. */
  private constScalar(n: TfNode, i: number): number | undefined {
    const p = this.producer(n, i);
    if (!p || p.op !== 'Const') return undefined;
    const v = this.get(this.inputs(n)[i]!);
    return isConst(v) && v.value!.length === 1 ? Number(v.value![0]) : undefined;
  }

  private constPerChannel(n: TfNode, i: number, channels: number): Float32Array | undefined {
    const p = this.producer(n, i);
    if (!p || p.op !== 'Const') return undefined;
    const v = this.get(this.inputs(n)[i]!);
    if (!isConst(v) || v.dtype !== 'float') return undefined;
    const lead = v.shape.slice(0, -1);
    if (lead.some((d) => d !== 1)) return undefined;
    const len = v.value!.length;
    if (len === channels) return Float32Array.from(v.value!);
    if (len === 1) return new Float32Array(channels).fill(Number(v.value![0]));
    return undefined;
  }

  /** Maximum(Minimum(Relu(x), 6), 0) → Clip(x, 0, 6) (both orders of the operands). */
  private relu6Clip(n: TfNode): Val | undefined {
    for (const [mi, ci] of [[0, 1], [1, 0]] as const) {
      if (this.constScalar(n, ci) !== 0) continue;
      const min = this.producer(n, mi);
      if (!min || min.op !== 'Minimum' || !this.single(min)) continue;
      for (const [ri, si] of [[0, 1], [1, 0]] as const) {
        if (this.constScalar(min, si) !== 6) continue;
        const relu = this.producer(min, ri);
        if (!relu || relu.op !== 'Relu' || !this.single(relu)) continue;
        const x = this.in(relu, 0);
        const h = this.hint(n);
        const nchw = !!x.nchw;
        this.count('Minimum', 'Relu');
        return this.rt(() => this.g.op('Clip', [this.onnxOf(x, nchw), this.g.scalar(`${h}/lo`, 0), this.g.scalar(`${h}/hi`, 6)], h), 'float', x.shape, x.flags, nchw);
      }
    }
    return undefined;
  }

  private count(...ops: string[]): void {
    for (const op of ops) this.opCounts[op] = (this.opCounts[op] ?? 0) + 1;
  }

  /**
   * Add/AddV2/BiasAdd patterns:
   *  - Relu(x) + Mul(Sub(x, Abs(x)), c)        → PRelu(x, 2c)   (exact)
   *  - Maximum(0, x) + Mul(γ, Minimum(0, x))   → PRelu(x, γ)    (exact)
   *  - Conv(x) + b, Mul(Conv(x), s) + b        → Conv with bias (and the scale folded into the weights)
   */
  private fusedAdd(n: TfNode): Val | undefined {
    const [p0, p1] = [this.producer(n, 0), this.producer(n, 1)];
    if (!p0 || !p1) return undefined;
    for (const [r, m] of [[p0, p1], [p1, p0]] as const) {
      // Relu(x) + c·(x − |x|)
      if (r.op === 'Relu' && m.op === 'Mul' && this.single(r) && this.single(m)) {
        for (const [si, ci] of [[0, 1], [1, 0]] as const) {
          const sub = this.producer(m, si);
          if (!sub || sub.op !== 'Sub' || !this.single(sub)) continue;
          const abs = this.producer(sub, 1);
          const xName = this.inputs(r)[0]!;
          if (!abs || abs.op !== 'Abs' || !this.single(abs) || this.inputs(sub)[0] !== xName || this.inputs(abs)[0] !== xName) continue;
          const x = this.get(xName);
          const c = this.constPerChannel(m, ci, x.shape[x.shape.length - 1]!);
          if (!c) continue;
          this.count('Relu', 'Mul', 'Sub', 'Abs');
          return this.preluOf(n, x, c.map((v) => v * 2));
        }
      }
      // Max(x, 0) + γ·Min(x, 0)
      if (r.op === 'Maximum' && m.op === 'Mul' && this.single(r) && this.single(m)) {
        const xi = this.constScalar(r, 0) === 0 ? 1 : this.constScalar(r, 1) === 0 ? 0 : -1;
        if (xi < 0) continue;
        const xName = this.inputs(r)[xi]!;
        for (const [mi, gi] of [[0, 1], [1, 0]] as const) {
          const min = this.producer(m, mi);
          if (!min || min.op !== 'Minimum' || !this.single(min)) continue;
          const yi = this.constScalar(min, 0) === 0 ? 1 : this.constScalar(min, 1) === 0 ? 0 : -1;
          if (yi < 0 || this.inputs(min)[yi] !== xName) continue;
          const x = this.get(xName);
          const gamma = this.constPerChannel(m, gi, x.shape[x.shape.length - 1]!);
          if (!gamma) continue;
          this.count('Maximum', 'Mul', 'Minimum');
          return this.preluOf(n, x, gamma);
        }
      }
    }
    // convolution + per-channel bias (with an optional per-channel scale between them)
    for (const [ci, bi] of [[0, 1], [1, 0]] as const) {
      let convNode = this.producer(n, ci);
      let scale: Float32Array | undefined;
      if (!convNode || !this.single(convNode)) continue;
      if (convNode.op === 'Mul') {
        const mul = convNode;
        convNode = undefined;
        for (const [xi, si] of [[0, 1], [1, 0]] as const) {
          const c = this.producer(mul, xi);
          if (!c || !isPlainConv(c) || !this.single(c)) continue;
          const s = this.constPerChannel(mul, si, this.convChannels(c));
          if (s) { convNode = c; scale = s; break; }
        }
        if (!convNode) continue;
      }
      if (!isPlainConv(convNode)) continue;
      const bias = this.constPerChannel(n, bi, this.convChannels(convNode));
      if (!bias) continue;
      this.count(convNode.op, ...(scale ? ['Mul'] : []));
      return this.conv(convNode, { scale, bias, hint: this.hint(n) });
    }
    return undefined;
  }

  private convChannels(c: TfNode): number {
    const f = this.get(this.inputs(c)[1]!);
    const [, , ci, m] = f.shape as [number, number, number, number];
    return c.op.includes('Depthwise') ? ci * m : m;
  }

  private preluOf(n: TfNode, x: Val, slope: Float32Array): Val {
    const h = this.hint(n);
    const nchw = !!x.nchw && x.shape.length === 4;
    const c = x.shape[x.shape.length - 1]!;
    return this.rt(() => {
      const dims = nchw ? [c, 1, 1] : [c];
      return this.g.op('PRelu', [this.onnxOf(x, nchw), this.g.floatConst(`${h}/slope`, dims, slope)], h);
    }, 'float', x.shape, x.flags, nchw);
  }
}

/** A convolution without fused bias/activation (its output can take a folded scale and bias). */
function isPlainConv(n: TfNode): boolean {
  if (n.op === 'Conv2D' || n.op === 'DepthwiseConv2dNative') return true;
  return false;
}

// ---------------------------------------------------------------------------------------------------------------
// small evaluators

function permute4(data: Float32Array, shape: readonly number[], perm: readonly number[]): Float32Array {
  const [d0, d1, d2, d3] = shape as [number, number, number, number];
  const dims = [d0, d1, d2, d3];
  const strides = [d1 * d2 * d3, d2 * d3, d3, 1];
  const od = perm.map((p) => dims[p]!);
  const out = new Float32Array(data.length);
  let k = 0;
  for (let a = 0; a < od[0]!; a++) for (let b = 0; b < od[1]!; b++) for (let c = 0; c < od[2]!; c++) for (let d = 0; d < od[3]!; d++) {
    const idx = [a, b, c, d];
    let src = 0;
    for (let i = 0; i < 4; i++) src += idx[i]! * strides[perm[i]!]!;
    out[k++] = data[src]!;
  }
  return out;
}

function transpose2(data: Float32Array, rows: number, cols: number): Float32Array {
  // data is [rows, cols]; returns [cols, rows]
  const out = new Float32Array(data.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = data[r * cols + c]!;
  return out;
}

function broadcastShape(a: readonly number[], b: readonly number[], n: TfNode): number[] {
  const r = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < r; i++) {
    const x = a[a.length - r + i] ?? 1;
    const y = b[b.length - r + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) throw new Error(`${n.name}: cannot broadcast [${a}] with [${b}]`);
    out.push(Math.max(x, y));
  }
  return out;
}

function broadcastFlags(a: Val, b: Val, r: number): Flag[] {
  const out: Flag[] = [];
  for (let i = 0; i < r; i++) {
    const fa = a.flags[a.flags.length - r + i] ?? null;
    const fb = b.flags[b.flags.length - r + i] ?? null;
    out.push(fa ?? fb);
  }
  return out;
}

function evalBinary(op: string, a: Val, b: Val, shape: readonly number[]): number[] {
  const f: (x: number, y: number) => number = {
    Add: (x: number, y: number) => x + y,
    Sub: (x: number, y: number) => x - y,
    Mul: (x: number, y: number) => x * y,
    Div: (x: number, y: number) => x / y,
    Max: (x: number, y: number) => Math.max(x, y),
    Min: (x: number, y: number) => Math.min(x, y),
    SquaredDifference: (x: number, y: number) => (x - y) * (x - y),
    Pow: (x: number, y: number) => x ** y,
  }[op]!;
  const isFloat = a.dtype === 'float' || b.dtype === 'float';
  const r = shape.length;
  const total = size(shape);
  const out = new Array<number>(total);
  const idxOf = (v: Val, flat: number) => {
    let src = 0, stride = 1, rem = flat;
    const coords: number[] = [];
    for (let i = r - 1; i >= 0; i--) { coords[i] = rem % shape[i]!; rem = Math.floor(rem / shape[i]!); }
    for (let i = v.shape.length - 1; i >= 0; i--) {
      const d = v.shape[i]!;
      const c = d === 1 ? 0 : coords[r - v.shape.length + i]!;
      src += c * stride;
      stride *= d;
    }
    return src;
  };
  for (let i = 0; i < total; i++) {
    const x = Number(a.value![idxOf(a, i)]);
    const y = Number(b.value![idxOf(b, i)]);
    const z = f(x, y);
    out[i] = isFloat ? Math.fround(z) : op === 'Div' ? Math.trunc(z) : z;
  }
  return out;
}

function evalSlice(x: Val, spec: Array<{ start: number; stop: number; step: number; shrink: boolean }>): number[] {
  const out: number[] = [];
  const shape = x.shape;
  const rec = (dim: number, offset: number) => {
    if (dim === shape.length) { out.push(Number(x.value![offset])); return; }
    const s = spec[dim]!;
    const stride = size(shape.slice(dim + 1));
    for (let k = s.start; s.step > 0 ? k < s.stop : k > s.stop; k += s.step) rec(dim + 1, offset + k * stride);
  };
  rec(0, 0);
  return out;
}

function evalPack(xs: Val[], axis: number): number[] {
  const shape = xs[0]!.shape;
  const outer = size(shape.slice(0, axis));
  const inner = size(shape.slice(axis));
  const out: number[] = [];
  for (let o = 0; o < outer; o++) for (const x of xs) for (let i = 0; i < inner; i++) out.push(Number(x.value![o * inner + i]));
  return out;
}

function evalTranspose(x: Val, perm: number[]): Float32Array | number[] {
  const shape = x.shape;
  const outShape = perm.map((p) => shape[p]!);
  const strides = shape.map((_, i) => size(shape.slice(i + 1)));
  const total = size(shape);
  const out: number[] = new Array(total);
  for (let i = 0; i < total; i++) {
    let rem = i, src = 0;
    for (let d = outShape.length - 1; d >= 0; d--) { const c = rem % outShape[d]!; rem = Math.floor(rem / outShape[d]!); src += c * strides[perm[d]!]!; }
    out[i] = Number(x.value![src]);
  }
  return x.dtype === 'float' ? Float32Array.from(out) : out;
}

function unaryFn(n: TfNode): (v: number) => number {
  switch (n.op) {
    case 'Relu': return (v) => Math.max(v, 0);
    case 'Relu6': return (v) => Math.min(Math.max(v, 0), 6);
    case 'Sigmoid': return (v) => 1 / (1 + Math.exp(-v));
    case 'Tanh': return Math.tanh;
    case 'Abs': return Math.abs;
    case 'Neg': return (v) => -v;
    case 'Exp': return Math.exp;
    case 'Log': return Math.log;
    case 'Sqrt': return Math.sqrt;
    case 'Rsqrt': return (v) => 1 / Math.sqrt(v);
    case 'Square': return (v) => v * v;
    case 'Reciprocal': return (v) => 1 / v;
    case 'Floor': return Math.floor;
    case 'Ceil': return Math.ceil;
    case 'Softplus': return (v) => Math.log1p(Math.exp(v));
    case 'Elu': return (v) => (v > 0 ? v : Math.expm1(v));
    case 'LeakyRelu': { const a = attrF(n, 'alpha', 0.2); return (v) => (v > 0 ? v : a * v); }
    default: throw new Error(`${n.name}: cannot evaluate ${n.op}`);
  }
}
