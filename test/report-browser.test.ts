/**
 * report.html in headless Chromium from file://: every chart draws marks, nothing logs an error or a
 * warning, and nothing is fetched beyond the file itself. Needs Debian's chromium at /usr/bin/chromium.
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { renderRun } from '../src/runner/render.ts';
import { tempDir } from './helpers.ts';
import { fixtureCells, innCells, writeFixtureRun } from './report-fixtures.ts';

export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) console.warn(`report-browser tests skipped: ${CHROMIUM} not found (apt-get install chromium fonts-dejavu-core)`);

describe.skipIf(!haveChromium)('report.html in Chromium', () => {
  it('opens from file:// with every chart rendered, no console errors or warnings and no network', async () => {
    const dir = tempDir('report-html-');
    // INN variants (filter on/off) on the series dataset: pertinence histograms and autocorrelation too.
    const cells = [...fixtureCells({ seeds: [0, 1] }), ...fixtureCells({ datasets: ['ecg5000'], generators: ['timegan'], epsilons: [1], seeds: [0] }), ...innCells({ epsilons: [1], seeds: [0] })];
    writeFixtureRun(dir, cells, ['adult__ctgan__dpsgd__eps1__s0']);
    await renderRun(dir, ['md', 'html']);

    const { chromium } = await import('playwright-core');
    // A fresh profile directory per launch (playwright refuses --user-data-dir in args).
    const ctx = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'chromium-')), { executablePath: CHROMIUM, args: CHROMIUM_ARGS, viewport: { width: 1280, height: 900 } });
    try {
      const page = ctx.pages()[0] ?? (await ctx.newPage());
      const problems: string[] = [];
      const requests: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
      });
      page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
      page.on('request', (r) => requests.push(r.url()));
      const url = pathToFileURL(join(dir, 'report.html')).href;
      await page.goto(url);
      await page.waitForSelector('html[data-charts]', { timeout: 60_000 });
      const state = await page.evaluate(() => ({
        outcome: document.documentElement.dataset.charts,
        charts: [...document.querySelectorAll<HTMLElement>('.vis[data-chart]')].map((d) => ({
          id: d.dataset.chart!,
          // The chart's own SVG (vega-embed's actions menu adds an icon SVG beside it).
          svg: d.querySelectorAll('svg.marks').length,
          marks: d.querySelectorAll('svg g.role-mark > *').length,
        })),
        toc: [...document.querySelectorAll<HTMLAnchorElement>('nav.toc a')].map((a) => a.getAttribute('href')!),
        missing: document.getElementById('status')?.textContent ?? '',
      }));
      expect(problems).toEqual([]);
      expect(state.outcome).toBe('done');
      expect(state.charts.length).toBeGreaterThanOrEqual(25);
      for (const id of ['pertinence--ecg5000--inn-filter-true', 'pertinence--ecg5000--inn-filter-false', 'autocorrelation--ecg5000', 'losses--ecg5000--inn-filter-true'])
        expect(state.charts.map((c) => c.id)).toContain(id);
      for (const c of state.charts) {
        expect(c.svg, c.id).toBe(1);
        expect(c.marks, c.id).toBeGreaterThan(0);
      }
      for (const href of state.toc) expect(await page.locator(href).count(), href).toBe(1);
      expect(state.missing).toContain('adult__ctgan__dpsgd__eps1__s0');
      expect(requests.filter((r) => r !== url)).toEqual([]);
    } finally {
      await ctx.close();
    }
  });
});
