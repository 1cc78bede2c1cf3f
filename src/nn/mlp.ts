/**
 * Layer specs for the common MLP shape: hidden dense layers with one activation (optionally layer norm
 * and dropout after each), then a linear output layer. Feed to `new DenseNet(name, inDim, specs, rng)`.
 */
import type { Activation, LayerSpec } from '../privacy/dpnet.ts';

export interface MlpOptions {
  activation?: Activation;
  leak?: number;
  /** Dropout after each hidden layer (synthcity's GAN uses 0.1; defaults.md §2.2). */
  dropout?: number;
  /** Layer norm before each hidden activation (DP-safe, unlike batch norm). */
  layerNorm?: boolean;
  /** Activation of the output layer (default linear: logits). */
  outputActivation?: Activation;
}

export function mlpSpecs(hidden: number[], outputDim: number, o: MlpOptions = {}): LayerSpec[] {
  const act = o.activation ?? 'relu';
  const specs: LayerSpec[] = [];
  for (const h of hidden) {
    if (o.layerNorm) {
      specs.push({ type: 'dense', units: h }, { type: 'layerNorm' }, { type: 'activation', activation: act, leak: o.leak });
    } else {
      specs.push({ type: 'dense', units: h, activation: act, leak: o.leak });
    }
    if (o.dropout) specs.push({ type: 'dropout', rate: o.dropout });
  }
  specs.push({ type: 'dense', units: outputDim, activation: o.outputActivation ?? 'linear' });
  return specs;
}
