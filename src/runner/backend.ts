/** Select the compute backend for this process (once) and say what ran, for the run manifest. */
import { tf } from '../compute/tf.ts';

export interface BackendChoice {
  name: string;
  reason?: string[];
}

let chosen: BackendChoice | null = null;

export async function initCompute(preference: string): Promise<BackendChoice> {
  if (chosen) return chosen;
  const name = preference === 'auto' ? 'cpu' : preference;
  if (!(await tf.setBackend(name))) throw new Error(`backend "${preference}" is not available (available: cpu)`);
  await tf.ready();
  chosen = { name: tf.getBackend(), reason: [] };
  return chosen;
}
