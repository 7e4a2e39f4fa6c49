/**
 * A small ONNX graph builder over the `onnx-proto` message definitions.
 *
 * The converters emit plain NCHW ONNX (the layout every onnxruntime execution provider is fastest in) while the
 * model inputs stay NHWC, as the source TensorFlow.js models and our HWC `Image` are; one Transpose at the input
 * bridges the two. Serialisation must be byte-for-byte deterministic so that the SHA-256 recorded in the
 * manifest is stable: no timestamps, no random names, initializers in creation order.
 */
import { onnx } from 'onnx-proto';

export type Dim = number | string;

type AttrValue =
  | { kind: 'int'; v: number }
  | { kind: 'ints'; v: number[] }
  | { kind: 'float'; v: number }
  | { kind: 'floats'; v: number[] }
  | { kind: 'string'; v: string };

export const attr = {
  int: (v: number): AttrValue => ({ kind: 'int', v }),
  ints: (v: number[]): AttrValue => ({ kind: 'ints', v }),
  float: (v: number): AttrValue => ({ kind: 'float', v }),
  floats: (v: number[]): AttrValue => ({ kind: 'floats', v }),
  string: (v: string): AttrValue => ({ kind: 'string', v }),
};

/** A float tensor in TensorFlow layout, as read from a weights file. */
export interface WeightTensor {
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

const OPSET = 17;

export class GraphBuilder {
  private readonly nodes: onnx.INodeProto[] = [];
  private readonly initializers: onnx.ITensorProto[] = [];
  private readonly inputs: onnx.IValueInfoProto[] = [];
  private readonly outputs: onnx.IValueInfoProto[] = [];
  private readonly used = new Set<string>();
  private counter = 0;

  constructor(private readonly graphName: string) {}

  /** A fresh value name; `hint` keeps the graph readable in Netron. */
  name(hint: string): string {
    let n = hint.replace(/[^A-Za-z0-9_./-]/g, '_');
    if (this.used.has(n)) n = `${n}__${++this.counter}`;
    this.used.add(n);
    return n;
  }

  input(name: string, dims: readonly Dim[]): string {
    this.used.add(name);
    this.inputs.push(valueInfo(name, dims));
    return name;
  }

  output(name: string, dims: readonly Dim[]): void {
    this.outputs.push(valueInfo(name, dims));
  }

  floatConst(hint: string, dims: readonly number[], data: Float32Array | readonly number[]): string {
    const values = data instanceof Float32Array ? data : Float32Array.from(data);
    const size = dims.reduce((a, b) => a * b, 1);
    if (values.length !== size) throw new RangeError(`constant ${hint}: ${values.length} values for dims [${dims.join(',')}]`);
    const name = this.name(hint);
    // rawData is little-endian IEEE-754, which is what Float32Array holds on every platform Node supports.
    const raw = new Uint8Array(values.buffer.slice(values.byteOffset, values.byteOffset + values.byteLength));
    this.initializers.push({ name, dims: [...dims], dataType: onnx.TensorProto.DataType.FLOAT, rawData: raw });
    return name;
  }

  int64Const(hint: string, values: readonly number[]): string {
    const name = this.name(hint);
    const raw = new Uint8Array(values.length * 8);
    const view = new DataView(raw.buffer);
    values.forEach((v, i) => view.setBigInt64(i * 8, BigInt(v), true));
    this.initializers.push({ name, dims: [values.length], dataType: onnx.TensorProto.DataType.INT64, rawData: raw });
    return name;
  }

  scalar(hint: string, v: number): string {
    return this.floatConst(hint, [], [v]);
  }

  node(op: string, inputs: readonly string[], hint: string, attrs: Record<string, AttrValue> = {}, nOut = 1): string[] {
    const outs = Array.from({ length: nOut }, (_, i) => this.name(nOut === 1 ? hint : `${hint}:${i}`));
    const attribute: onnx.IAttributeProto[] = Object.entries(attrs).map(([k, a]) => toAttr(k, a));
    this.nodes.push({ opType: op, input: [...inputs], output: outs, name: this.name(`${hint}/${op}`), attribute });
    return outs;
  }

  /** One-output node. */
  op(op: string, inputs: readonly string[], hint: string, attrs: Record<string, AttrValue> = {}): string {
    return this.node(op, inputs, hint, attrs, 1)[0]!;
  }

  // ---- layer helpers (tensors are NCHW inside the graph) ----

  /**
   * TF conv2d (HWIO filter) → ONNX Conv (OIHW). `same` is SAME_UPPER, which is TensorFlow's rule (the odd extra
   * pixel of padding goes at the bottom/right), and keeps spatial dims free so one graph serves any input size.
   */
  conv(x: string, hint: string, filter: WeightTensor, bias: Float32Array | null, o: ConvOpts = {}): string {
    const [kh, kw, ci, co] = filter.shape as [number, number, number, number];
    const w = new Float32Array(co * ci * kh * kw);
    const scale = o.outScale;
    for (let h = 0; h < kh; h++) for (let ww = 0; ww < kw; ww++) for (let i = 0; i < ci; i++) for (let oc = 0; oc < co; oc++) {
      const v = filter.data[((h * kw + ww) * ci + i) * co + oc]!;
      w[((oc * ci + i) * kh + h) * kw + ww] = scale ? Math.fround(v * scale[oc]!) : v;
    }
    const inputs = [x, this.floatConst(`${hint}/W`, [co, ci, kh, kw], w)];
    if (bias) inputs.push(this.floatConst(`${hint}/B`, [co], bias));
    return this.op('Conv', inputs, hint, convAttrs(kh, kw, 1, o));
  }

  /** TF depthwiseConv2d (filter [kh, kw, C, multiplier]) → grouped ONNX Conv. */
  depthwise(x: string, hint: string, filter: WeightTensor, bias: Float32Array | null, o: ConvOpts = {}): string {
    const [kh, kw, c, m] = filter.shape as [number, number, number, number];
    const w = new Float32Array(c * m * kh * kw);
    const scale = o.outScale;
    for (let h = 0; h < kh; h++) for (let ww = 0; ww < kw; ww++) for (let ch = 0; ch < c; ch++) for (let k = 0; k < m; k++) {
      const oc = ch * m + k;
      const v = filter.data[((h * kw + ww) * c + ch) * m + k]!;
      w[(oc * kh + h) * kw + ww] = scale ? Math.fround(v * scale[oc]!) : v;
    }
    const inputs = [x, this.floatConst(`${hint}/W`, [c * m, 1, kh, kw], w)];
    if (bias) inputs.push(this.floatConst(`${hint}/B`, [c * m], bias));
    return this.op('Conv', inputs, hint, convAttrs(kh, kw, c, o));
  }

  relu(x: string, hint: string): string {
    return this.op('Relu', [x], `${hint}/relu`);
  }

  clip(x: string, hint: string, lo: number, hi: number): string {
    return this.op('Clip', [x, this.scalar(`${hint}/lo`, lo), this.scalar(`${hint}/hi`, hi)], `${hint}/clip`);
  }

  add(a: string, b: string, hint: string): string {
    return this.op('Add', [a, b], hint);
  }

  toNchw(x: string, hint = 'to_nchw'): string {
    return this.op('Transpose', [x], hint, { perm: attr.ints([0, 3, 1, 2]) });
  }

  toNhwc(x: string, hint = 'to_nhwc'): string {
    return this.op('Transpose', [x], hint, { perm: attr.ints([0, 2, 3, 1]) });
  }

  reshape(x: string, shape: readonly number[], hint: string): string {
    return this.op('Reshape', [x, this.int64Const(`${hint}/shape`, shape)], hint);
  }

  slice(x: string, starts: number[], ends: number[], axes: number[], hint: string): string {
    return this.op('Slice', [x, this.int64Const(`${hint}/starts`, starts), this.int64Const(`${hint}/ends`, ends), this.int64Const(`${hint}/axes`, axes)], hint);
  }

  pad(x: string, pads: readonly number[], hint: string): string {
    return this.op('Pad', [x, this.int64Const(`${hint}/pads`, pads)], hint, { mode: attr.string('constant') });
  }

  /** Serialise. `producer` lands in the file so a model says which converter made it. */
  toBytes(producer: string, docString: string): Uint8Array {
    const model: onnx.IModelProto = {
      irVersion: 8,
      producerName: producer,
      producerVersion: '1',
      docString,
      opsetImport: [{ domain: '', version: OPSET }],
      graph: {
        name: this.graphName,
        node: this.nodes,
        initializer: this.initializers,
        input: this.inputs,
        output: this.outputs,
      },
    };
    return onnx.ModelProto.encode(onnx.ModelProto.create(model)).finish();
  }
}

export interface ConvOpts {
  strides?: number;
  padding?: 'same' | 'valid';
  dilation?: number;
  /** Per-output-channel factor folded into the weights (a BatchNorm or scale layer that follows the conv). */
  outScale?: Float32Array;
}

function convAttrs(kh: number, kw: number, group: number, o: ConvOpts): Record<string, AttrValue> {
  const s = o.strides ?? 1;
  const d = o.dilation ?? 1;
  const a: Record<string, AttrValue> = {
    kernel_shape: attr.ints([kh, kw]),
    strides: attr.ints([s, s]),
    dilations: attr.ints([d, d]),
    group: attr.int(group),
  };
  if ((o.padding ?? 'same') === 'same' && (kh > 1 || kw > 1 || s > 1)) a.auto_pad = attr.string('SAME_UPPER');
  else a.pads = attr.ints([0, 0, 0, 0]);
  return a;
}

function valueInfo(name: string, dims: readonly Dim[]): onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: onnx.TensorProto.DataType.FLOAT,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

function toAttr(name: string, a: AttrValue): onnx.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  switch (a.kind) {
    case 'int': return { name, type: T.INT, i: a.v };
    case 'ints': return { name, type: T.INTS, ints: a.v };
    case 'float': return { name, type: T.FLOAT, f: a.v };
    case 'floats': return { name, type: T.FLOATS, floats: a.v };
    case 'string': return { name, type: T.STRING, s: new TextEncoder().encode(a.v) };
  }
}
