/**
 * Screenshot of a report page for the README, plus example chart PNGs.
 *
 *   npm run report:screenshot -- [runDir] [--out docs/report-screenshot.png] [--charts docs]
 *
 * With a run directory, its report is re-rendered from the stored cells and shot; without one, a demo run
 * of constructed numbers (test/report-fixtures.ts, labelled as such in the page) is used. Needs Chromium at
 * /usr/bin/chromium (Debian package `chromium`).
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { renderRun } from '../src/runner/render.ts';
import { RunStore } from '../src/runner/store.ts';
import { fixtureCells, writeFixtureRun } from '../test/report-fixtures.ts';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
/** Example charts copied next to the screenshot (chart family prefix → file name). */
const EXAMPLES: [RegExp, string][] = [
  [/^utility-vs-epsilon--.*--auc$/, 'example-utility-vs-epsilon.png'],
  [/^risk-utility--/, 'example-risk-utility.png'],
];

function args(argv: string[]): { runDir?: string; out: string; charts: string | null } {
  let runDir: string | undefined;
  let out = 'docs/report-screenshot.png';
  let charts: string | null = 'docs';
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--out') out = argv[++i];
    else if (argv[i] === '--charts') charts = argv[++i];
    else if (argv[i] === '--no-charts') charts = null;
    else if (argv[i].startsWith('-')) throw new Error(`unknown option ${argv[i]} (use [runDir] [--out file.png] [--charts dir | --no-charts])`);
    else runDir = argv[i];
  }
  return { runDir, out, charts };
}

async function main(): Promise<void> {
  const o = args(process.argv.slice(2));
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: apt-get install chromium fonts-dejavu-core`);
  let dir: string;
  if (o.runDir) {
    dir = resolve(o.runDir);
    if (!new RunStore(dir).readManifest()) throw new Error(`${dir}: not a run directory (no manifest.json)`);
  } else {
    dir = mkdtempSync(join(tmpdir(), 'report-demo-'));
    const cells = [
      ...fixtureCells({ datasets: ['demo-tabular'], seeds: [0, 1, 2] }),
      ...fixtureCells({ datasets: ['demo-series'], generators: ['timegan'], epsilons: [1, 10], seeds: [0, 1] }),
    ];
    writeFixtureRun(dir, cells, [], 'demo report (constructed numbers, not benchmark results)');
  }
  await renderRun(dir, ['md', 'html'], (l) => console.log(l));

  const { chromium } = await import('playwright-core');
  const ctx = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'chromium-')), { executablePath: CHROMIUM, args: ARGS, viewport: { width: 1560, height: 1000 } });
  try {
    const page = ctx.pages()[0] ?? (await ctx.newPage());
    await page.goto(pathToFileURL(join(dir, 'report.html')).href);
    await page.waitForSelector('html[data-charts]', { timeout: 60_000 });
    // The header, then the first dataset's charts: what a reader sees after scrolling past the contents.
    await page.evaluate(() => document.querySelector('nav.toc')?.remove());
    const height = await page.evaluate(() => Math.min(document.body.scrollHeight, 1140));
    mkdirSync(dirname(resolve(o.out)), { recursive: true });
    await page.screenshot({ path: o.out, fullPage: true, clip: { x: 0, y: 0, width: 1560, height } });
    console.log(`${o.out}: ${(statSync(o.out).size / 1024).toFixed(0)} KB`);
  } finally {
    await ctx.close();
  }
  if (o.charts) {
    const ids = readdirSync(join(dir, 'charts')).filter((f) => f.endsWith('.png')).map((f) => f.slice(0, -4));
    for (const [pattern, name] of EXAMPLES) {
      // Of several datasets' versions, the largest PNG: the one with the most series drawn.
      const id = ids.filter((i) => pattern.test(i)).sort((a, b) => statSync(join(dir, 'charts', `${b}.png`)).size - statSync(join(dir, 'charts', `${a}.png`)).size)[0];
      if (!id) continue;
      const target = join(o.charts, name);
      copyFileSync(join(dir, 'charts', `${id}.png`), target);
      console.log(`${target}: ${(statSync(target).size / 1024).toFixed(0)} KB (chart ${id})`);
    }
  }
}

main().catch((e: Error) => {
  console.error(e.message);
  process.exit(1);
});
