/**
 * The one place that imports tfjs. Model code imports `tf` from here so the backend chosen by
 * initBackend (src/compute/backend.ts) and our kernel and gradient fixes apply everywhere.
 * Importing this module registers the gradients (tfjs-core's Node bundle ships none; see gradients.ts).
 * Until initBackend() runs, ops execute on the `cpu` backend.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { registerGradients } from './gradients.ts';

registerGradients();

export { tf };
