/**
 * Re-render a run directory's reports from its stored cells (no retraining): charts/<id>.vl.json|svg|png,
 * report.md (always) and report.html (format "html"). Also the file-system side of the report: the font
 * files resvg needs and the browser bundles report.html inlines, both found in node_modules.
 */
import { existsSync, readdirSync, readFileSync, unlinkSync, writeFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { htmlReport, type BrowserBundles } from '../report/html.ts';
import { markdownReport } from '../report/markdown.ts';
import { buildReport, type ReportModel } from '../report/report.ts';
import { renderSvg, svgToPng } from '../report/render-chart.ts';
import { RunStore, writeAtomic } from './store.ts';

const require = createRequire(import.meta.url);

/** DejaVu Sans from the dejavu-fonts-ttf package, else from Debian's fonts-dejavu-core; [] if neither. */
export function findFontFiles(): string[] {
  const candidates: string[][] = [];
  try {
    const dir = join(dirname(require.resolve('dejavu-fonts-ttf/package.json')), 'ttf');
    candidates.push([join(dir, 'DejaVuSans.ttf'), join(dir, 'DejaVuSans-Bold.ttf')]);
  } catch {
    // not installed: try the system fonts below
  }
  candidates.push(['/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf', '/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf']);
  for (const files of candidates) {
    const present = files.filter((f) => existsSync(f));
    if (present.length) return present;
  }
  return [];
}

/** The minified browser builds of vega, vega-lite and vega-embed, from the installed packages. */
export function readBrowserBundles(): BrowserBundles {
  const bundle = (pkg: string, file: string) => {
    const path = join(dirname(require.resolve(pkg)), file);
    if (!existsSync(path)) throw new Error(`report.html: ${path} not found — reinstall ${pkg} (npm ci)`);
    return readFileSync(path, 'utf8');
  };
  return { vega: bundle('vega', 'vega.min.js'), vegaLite: bundle('vega-lite', 'vega-lite.min.js'), vegaEmbed: bundle('vega-embed', 'vega-embed.min.js') };
}

const CHART_FILE = /\.(vl\.json|svg|png)$/;

export interface ChartFiles {
  written: string[];
  /** Charts that could not be rendered, with the error (their .vl.json is still written). */
  failed: { id: string; error: string }[];
  warnings: string[];
  png: boolean;
}

/** Write every chart of the model as .vl.json, .svg and (with a font) .png; stale chart files are removed. */
export async function writeCharts(model: ReportModel, chartsDir: string, log: (line: string) => void = () => {}): Promise<ChartFiles> {
  mkdirSync(chartsDir, { recursive: true });
  const keep = new Set<string>();
  const fonts = findFontFiles();
  if (!fonts.length && model.charts.length) log('no DejaVu Sans TTF found (npm dejavu-fonts-ttf or apt fonts-dejavu-core): PNG charts not written');
  const out: ChartFiles = { written: [], failed: [], warnings: [], png: fonts.length > 0 };
  const pending: Promise<void>[] = [];
  for (const c of model.charts) {
    const base = join(chartsDir, c.id);
    writeFileSync(`${base}.vl.json`, JSON.stringify(c.spec) + '\n');
    keep.add(`${c.id}.vl.json`);
    out.written.push(`${base}.vl.json`);
    const fail = (e: unknown) => {
      out.failed.push({ id: c.id, error: (e as Error).message });
      log(`chart ${c.id} could not be rendered: ${(e as Error).message}`);
    };
    try {
      const { svg, warnings } = await renderSvg(c.spec);
      out.warnings.push(...warnings.map((w) => `${c.id}: ${w}`));
      writeFileSync(`${base}.svg`, svg);
      keep.add(`${c.id}.svg`);
      out.written.push(`${base}.svg`);
      if (fonts.length) {
        keep.add(`${c.id}.png`);
        pending.push(
          svgToPng(svg, { fontFiles: fonts }).then((png) => {
            writeFileSync(`${base}.png`, png);
            out.written.push(`${base}.png`);
          }, fail),
        );
      }
    } catch (e) {
      fail(e);
    }
  }
  await Promise.all(pending);
  for (const f of readdirSync(chartsDir)) if (CHART_FILE.test(f) && !keep.has(f)) unlinkSync(join(chartsDir, f));
  return out;
}

export async function renderRun(dir: string, formats: string[], log: (line: string) => void = () => {}): Promise<string[]> {
  const store = new RunStore(dir);
  const manifest = store.readManifest();
  if (!manifest) throw new Error(`${dir}: no manifest.json — not a run directory (bench run writes one)`);
  const t0 = performance.now();
  const model = buildReport(manifest, store.readCells());
  // Charts are always written: report.md links their PNGs and report.html links all three files.
  const charts = await writeCharts(model, join(dir, 'charts'), log);
  const written: string[] = [];
  const md = join(dir, 'report.md');
  writeAtomic(md, markdownReport(model, { chartExt: charts.png ? 'png' : 'svg' }));
  written.push(md);
  if (formats.includes('html')) {
    const html = join(dir, 'report.html');
    writeAtomic(html, htmlReport(model, readBrowserBundles()));
    written.push(html);
  }
  log(`report: ${model.charts.length} charts (${model.skipped.length} without data), ${written.length} documents in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return written;
}
