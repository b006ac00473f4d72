/**
 * CoreModel: a llama-architecture transformer (dense or MoE) whose parameters are one flat Float32Array
 * laid out by parameterLayout(config), with GGUF tensor names and row-major (out, in) weights.
 */
import { InvalidInputError } from "../errors.ts";
import { type ModelConfig, parameterLayout, validateModelConfig } from "./config.ts";
import { InferenceSession } from "./inference.ts";
import { Random } from "./random.ts";
import { tensorViews } from "./reference-forward.ts";
import { allocFloats, type Floats, freeFloats } from "./wasm/runtime.ts";

/**
 * Frees a model's WASM buffer once its params view is garbage-collected. The held value carries only the
 * address and length: holding the view itself would keep it alive forever.
 */
const release = new FinalizationRegistry<{ ptr: number; length: number }>(({ ptr, length }) =>
  freeFloats({ ptr, length, array: new Float32Array(0) }),
);

export class CoreModel {
  readonly config: ModelConfig;
  /**
   * Every parameter, laid out by parameterLayout(config): a view into the shared WASM memory that the
   * kernels read directly. It (and the tensor views) stay valid while the model or this array is reachable.
   */
  readonly params: Float32Array;
  /** The WASM buffer behind params (byte address for the kernels). */
  readonly buffer: Floats;
  private readonly views: Map<string, Float32Array>;
  private session: InferenceSession | undefined;

  constructor(config: ModelConfig, params?: Float32Array) {
    validateModelConfig(config);
    const layout = parameterLayout(config);
    const total = layout.at(-1)!.offset + layout.at(-1)!.size;
    if (params && params.length !== total) {
      throw new InvalidInputError(`model parameters have ${params.length} floats`, {
        expected: `${total} floats for this configuration`,
      });
    }
    this.config = { ...config };
    this.buffer = allocFloats(total);
    this.params = this.buffer.array;
    release.register(this.params, { ptr: this.buffer.ptr, length: total });
    if (params) this.params.set(params);
    this.views = tensorViews(this.config, this.params);
  }

  /**
   * Deterministic random initialisation from a seed: weights ~ N(0, 0.02²), the two projections that write
   * into the residual stream (attn_output, ffn_down) scaled by 1/sqrt(2·nLayers) as in GPT-2, norms = 1.
   */
  static init(config: ModelConfig, seed: number): CoreModel {
    const model = new CoreModel(config);
    const random = new Random(seed);
    const residualScale = 1 / Math.sqrt(2 * config.nLayers);
    for (const tensor of parameterLayout(config)) {
      const view = model.tensor(tensor.name);
      if (tensor.name.endsWith("norm.weight")) {
        view.fill(1);
        continue;
      }
      const isResidual = /attn_output|ffn_down/.test(tensor.name);
      const std = 0.02 * (isResidual ? residualScale : 1);
      for (let i = 0; i < view.length; i++) view[i] = random.nextNormal() * std;
    }
    return model;
  }

  /** A view into params of the tensor with this GGUF name. */
  tensor(name: string): Float32Array {
    const view = this.views.get(name);
    if (!view) throw new InvalidInputError(`no tensor named '${name}'`, { expected: "a GGUF tensor name" });
    return view;
  }

  /** Byte address of a tensor in the WASM memory. */
  address(name: string): number {
    return this.tensor(name).byteOffset;
  }

  /** Full-sequence forward from position 0: logits (T, vocabSize), row t predicts token t+1. */
  forwardLogits(tokens: ArrayLike<number>): Float32Array {
    checkTokens(this.config, tokens);
    this.session ??= new InferenceSession(this);
    this.session.reset();
    return this.session.feed(tokens, { allLogits: true });
  }
}

/** Throws unless every token id is in the vocabulary and the sequence fits the context. */
export function checkTokens(config: ModelConfig, tokens: ArrayLike<number>): void {
  if (tokens.length > config.contextLength) {
    throw new InvalidInputError(`sequence of ${tokens.length} tokens`, {
      expected: `at most contextLength = ${config.contextLength} tokens`,
    });
  }
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i];
    if (!Number.isInteger(token) || token < 0 || token >= config.vocabSize) {
      throw new InvalidInputError(`token id ${token} at position ${i}`, {
        expected: `an integer in [0, ${config.vocabSize})`,
      });
    }
  }
}
