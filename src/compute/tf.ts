/**
 * The one place that imports tfjs. Model code imports `tf` from here so the backend chosen by
 * src/compute/backend.ts (and our kernel and gradient fixes) apply everywhere.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';

export { tf };
