/** Chart rendering (SVG, PNG with a real font) and `renderRun` over a stored run directory. */
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Resvg } from '@resvg/resvg-js';
import { beforeAll, describe, expect, it } from 'vitest';
import { countSvgText, renderSvg, svgToPng } from '../src/report/render-chart.ts';
import { buildReport } from '../src/report/report.ts';
import { findFontFiles, renderRun, writeCharts } from '../src/runner/render.ts';
import { RunStore } from '../src/runner/store.ts';
import { tempDir } from './helpers.ts';
import { fixtureCells, fixtureManifest, writeFixtureRun } from './report-fixtures.ts';

const darkPixels = (svg: string, fontFiles: string[]) => {
  const px = new Resvg(svg, { font: { fontFiles, loadSystemFonts: false, defaultFontFamily: 'DejaVu Sans' } }).render().pixels;
  let n = 0;
  for (let i = 0; i < px.length; i += 4) if (px[i + 3] > 0 && px[i] < 128) n++;
  return n;
};

describe('PNG text needs a font', () => {
  const fonts = findFontFiles();

  it('finds TrueType files of DejaVu Sans', () => {
    expect(fonts.length).toBeGreaterThan(0);
    for (const f of fonts) {
      expect(existsSync(f)).toBe(true);
      expect(readFileSync(f).readUInt32BE(0)).toBe(0x00010000); // TrueType sfnt version
    }
  });

  it('resvg draws text with the font and silently draws nothing without one', () => {
    const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="200" height="40"><rect width="200" height="40" fill="white"/><text x="8" y="28" font-family="sans-serif" font-size="22" fill="black">Utility vs ε</text></svg>';
    expect(darkPixels(svg, fonts)).toBeGreaterThan(100);
    expect(darkPixels(svg, [])).toBe(0);
  });

  it('a rendered chart has text elements, and its PNG differs from one rendered without a font', async () => {
    const spec = {
      title: 'A titled chart',
      data: { values: [{ a: 0.1, b: 0.5 }, { a: 1, b: 0.7 }] },
      mark: 'line',
      encoding: { x: { field: 'a', type: 'quantitative', scale: { type: 'log' } }, y: { field: 'b', type: 'quantitative' } },
    };
    const { svg, warnings } = await renderSvg(spec);
    expect(warnings).toEqual([]);
    expect(countSvgText(svg)).toBeGreaterThan(5);
    expect(svg).toContain('A titled chart');
    const withFont = await svgToPng(svg, { fontFiles: fonts, scale: 1 });
    const noFont = Buffer.from(new Resvg(svg, { font: { fontFiles: [], loadSystemFonts: false } }).render().asPng());
    expect(withFont.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
    expect(withFont.equals(noFont)).toBe(false);
    await expect(svgToPng(svg, { fontFiles: [] })).rejects.toThrow(/no font files/);
  });
});

describe('renderRun', () => {
  const dir = tempDir('report-');
  // 48 tabular cells (3 generators × 4 budgets × 4 seeds) + 6 series cells: a ~50-cell report.
  const cells = [...fixtureCells({ seeds: [0, 1, 2, 3] }), ...fixtureCells({ datasets: ['ecg5000'], generators: ['timegan'], epsilons: [1, 10], seeds: [0, 1] })];
  const logs: string[] = [];
  let seconds = 0;
  let written: string[] = [];

  beforeAll(async () => {
    writeFixtureRun(dir, cells, ['adult__ctgan__dpsgd__eps1__s0']);
    const t = performance.now();
    written = await renderRun(dir, ['md', 'html'], (l) => logs.push(l));
    seconds = (performance.now() - t) / 1000;
    console.log(`renderRun: ${cells.length} cells in ${seconds.toFixed(1)} s — ${logs.join(' | ')}`);
  });

  it('writes every chart as .vl.json, .svg and .png, report.md and report.html', () => {
    expect(written).toEqual([join(dir, 'report.md'), join(dir, 'report.html')]);
    const model = buildReport(new RunStore(dir).readManifest()!, new RunStore(dir).readCells());
    expect(model.charts.length).toBeGreaterThanOrEqual(25);
    const files = new Set(readdirSync(join(dir, 'charts')));
    for (const c of model.charts) for (const ext of ['vl.json', 'svg', 'png']) expect(files.has(`${c.id}.${ext}`), `${c.id}.${ext}`).toBe(true);
    expect(files.size).toBe(3 * model.charts.length);
    // Every linked chart in report.md exists.
    const md = readFileSync(join(dir, 'report.md'), 'utf8');
    const links = [...md.matchAll(/\]\((charts\/[^)]+)\)/g)].map((m) => m[1]);
    expect(links.length).toBe(model.charts.length);
    for (const l of links) expect(existsSync(join(dir, l)), l).toBe(true);
    expect(seconds).toBeLessThan(60);
  });

  it('renders every chart without a vega or vega-lite warning', async () => {
    const model = buildReport(new RunStore(dir).readManifest()!, new RunStore(dir).readCells());
    const out = await writeCharts({ ...model, charts: model.charts.filter((c) => c.dataset === 'ecg5000') }, join(tempDir('charts-'), 'charts'));
    expect(out.failed).toEqual([]);
    expect(out.warnings).toEqual([]);
  });

  it('re-renders a partial run from what is stored: stale charts removed, missing cells listed', async () => {
    for (const c of cells.filter((x) => x.spec.dataset === 'ecg5000')) rmSync(new RunStore(dir).cellPath(c.spec.id));
    await renderRun(dir, ['md']);
    const files = readdirSync(join(dir, 'charts'));
    expect(files.some((f) => f.includes('ecg5000'))).toBe(false);
    expect(files.some((f) => f.includes('adult'))).toBe(true);
    const md = readFileSync(join(dir, 'report.md'), 'utf8');
    expect(md).toMatch(/48 of 55 cells finished, 7 not run yet/);
    expect(md).toContain('| ecg5000__timegan__dpsgd__eps1__s0 |');
  });

  it('a run without evaluation results draws only the cost chart and says which charts lack data', async () => {
    const d = tempDir('report-');
    const bare = fixtureCells({ utility: false, attacks: false, metrics: false, losses: false, extras: false, seeds: [0] });
    writeFixtureRun(d, bare);
    await renderRun(d, ['md']);
    expect(readdirSync(join(d, 'charts')).sort()).toEqual(['cost--adult.png', 'cost--adult.svg', 'cost--adult.vl.json']);
    const md = readFileSync(join(d, 'report.md'), 'utf8');
    expect(md).toContain('no TSTR utility scores stored');
    expect(md).toContain('no attack results stored');
    expect(md).not.toContain('report.html');
  });

  it('refuses a directory without a manifest', async () => {
    await expect(renderRun(tempDir('x-'), ['md'])).rejects.toThrow(/no manifest\.json/);
    expect(fixtureManifest('a', []).cells).toEqual([]);
  });
});
