/**
 * Optimizers by name with PyTorch semantics (what the reference implementations train with): Adam with
 * L2 weight decay (src/compute/adam.ts, fused on wasm) and RMSProp (tfjs'; the original PATE-GAN's student
 * and generator use RMSProp lr 1e-4: defaults.md §2.2, pate_gan.py:150-178).
 */
import { adam } from '../compute/adam.ts';
import { tf } from '../compute/tf.ts';

export interface OptimizerSpec {
  name: 'adam' | 'rmsprop' | 'sgd';
  learningRate: number;
  /** Adam β₁, β₂ (default 0.9, 0.999 as torch). */
  betas?: [number, number];
  weightDecay?: number;
}

export function createOptimizer(s: OptimizerSpec): tf.Optimizer {
  if (s.name === 'adam') {
    return adam({ learningRate: s.learningRate, beta1: s.betas?.[0], beta2: s.betas?.[1], weightDecay: s.weightDecay });
  }
  if (s.name === 'rmsprop') {
    if (s.weightDecay) throw new RangeError('rmsprop: weight decay is not supported (use adam)');
    // torch.optim.RMSprop defaults: alpha (decay) 0.99, eps 1e-8, no momentum.
    return tf.train.rmsprop(s.learningRate, 0.99, 0, 1e-8);
  }
  if (s.name === 'sgd') {
    if (s.weightDecay) throw new RangeError('sgd: weight decay is not supported (use adam)');
    return tf.train.sgd(s.learningRate);
  }
  throw new RangeError(`unknown optimizer "${(s as { name: string }).name}" (expected adam, rmsprop or sgd)`);
}

/** Clamp every variable to [−c, c] (WGAN weight clipping, Arjovsky et al. 2017). */
export function clipWeights(variables: tf.Variable[], c: number): void {
  for (const v of variables) {
    const clipped = tf.clipByValue(v, -c, c);
    v.assign(clipped);
    clipped.dispose();
  }
}

/** Apply gradients and free them (gradients from dpGradients/plainGradients are owned by the caller). */
export function step(optimizer: tf.Optimizer, grads: tf.NamedTensorMap): void {
  optimizer.applyGradients(grads);
  tf.dispose(Object.values(grads));
}
