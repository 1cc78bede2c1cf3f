/** Re-render a run directory's reports from its stored cells (no retraining). */
import { join } from 'node:path';
import { renderMarkdown } from '../report/markdown.ts';
import { RunStore, writeAtomic } from './store.ts';

export async function renderRun(dir: string, formats: string[], log: (line: string) => void = () => {}): Promise<string[]> {
  const store = new RunStore(dir);
  const manifest = store.readManifest();
  if (!manifest) throw new Error(`${dir}: no manifest.json — not a run directory (bench run writes one)`);
  const cells = store.readCells();
  const written: string[] = [];
  // Markdown is always written: it is the plain-text record of the run.
  const md = join(dir, 'report.md');
  writeAtomic(md, renderMarkdown(manifest, cells));
  written.push(md);
  const others = formats.filter((f) => f !== 'md');
  if (others.length) log(`report formats ${others.join(', ')} are not available yet; wrote ${md}`);
  return written;
}
