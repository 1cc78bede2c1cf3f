/** Select the compute backend for this process (once) and say what ran, for the run manifest. */
import { initBackend, type BackendInfo } from '../compute/backend.ts';

export async function initCompute(preference: string): Promise<BackendInfo> {
  return initBackend(preference);
}
