/**
 * Small tfjs building blocks for the generators. Dense stacks (DenseNet and its layers, DP-SGD ready)
 * live in src/privacy/dpnet.ts and are re-exported here so model code imports networks from one place.
 */
export { DenseNet, Dense, LayerNorm, Dropout, BatchNorm, Affine, ForwardContext, activate, trainingContext } from '../privacy/dpnet.ts';
export type { Activation, LayerSpec, DpModule, ParamLayer } from '../privacy/dpnet.ts';
export { MixedHead, stopGradient, type OutputSpan, type HeadOptions, type NumericActivation } from './heads.ts';
export { Ensemble, type EnsembleSpec } from './ensemble.ts';
export { bceWithLogits, nonSaturatingLoss, wassersteinRows } from './losses.ts';
export { createOptimizer, clipWeights, step, type OptimizerSpec } from './optim.ts';
export { mlpSpecs, type MlpOptions } from './mlp.ts';
