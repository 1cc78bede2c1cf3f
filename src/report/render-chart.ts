/**
 * Chart rendering in Node: Vega-Lite → Vega → SVG (vega's headless View), SVG → PNG with resvg.
 * resvg draws no text at all without a font, so PNG rendering demands font files (the caller finds them).
 * vega and vega-lite are ESM-only and heavy: loaded once, on first use, with import().
 */
import type { VlSpec } from './charts/common.ts';

type VegaModule = typeof import('vega');
type VegaLiteModule = typeof import('vega-lite');

let libs: Promise<{ vega: VegaModule; vl: VegaLiteModule }> | null = null;

function load(): Promise<{ vega: VegaModule; vl: VegaLiteModule }> {
  libs ??= Promise.all([import('vega'), import('vega-lite')]).then(([vega, vl]) => ({ vega, vl }));
  return libs;
}

/** vega-lite's dataflow optimiser notes this for layered facets with filters; the output is unaffected. */
const BENIGN = [/^Maximum optimization runs\(\d+\) reached/];

export interface SvgResult {
  svg: string;
  /** Warnings from vega-lite's compiler and vega's runtime (e.g. a dropped encoding). */
  warnings: string[];
}

export async function renderSvg(spec: VlSpec): Promise<SvgResult> {
  const { vega, vl } = await load();
  const warnings: string[] = [];
  const collect = (...args: unknown[]) => {
    const w = args.map(String).join(' ');
    if (!BENIGN.some((b) => b.test(w))) warnings.push(w);
  };
  const logger = {
    level: (_?: number) => logger as never,
    error: (...a: unknown[]) => {
      throw new Error(a.map(String).join(' '));
    },
    warn: (...a: unknown[]) => (collect(...a), logger),
    info: () => logger,
    debug: () => logger,
  };
  const compiled = vl.compile(spec as never, { logger: logger as never }).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none', logLevel: vega.Warn });
  view.logger({ ...logger, level: () => logger } as never);
  try {
    const svg = await view.toSVG();
    return { svg, warnings };
  } finally {
    view.finalize();
  }
}

/** Number of <text> elements: a chart with a title and axes has several (tests and the PNG font check use it). */
export function countSvgText(svg: string): number {
  return (svg.match(/<text[\s>]/g) ?? []).length;
}

type ResvgModule = typeof import('@resvg/resvg-js');
let resvg: Promise<ResvgModule> | null = null;

/**
 * PNG through resvg's async renderer (it runs on libuv's thread pool, so the next chart's SVG can be
 * built meanwhile).
 */
export async function svgToPng(svg: string, opts: { fontFiles: string[]; scale?: number }): Promise<Buffer> {
  if (!opts.fontFiles.length) throw new Error('svgToPng: no font files given — resvg would silently drop every text element');
  resvg ??= import('@resvg/resvg-js');
  const { renderAsync } = await resvg;
  const family = 'DejaVu Sans';
  const image = await renderAsync(svg, {
    font: { fontFiles: opts.fontFiles, loadSystemFonts: false, defaultFontFamily: family, sansSerifFamily: family },
    fitTo: { mode: 'zoom', value: opts.scale ?? 1.5 },
    background: 'white',
  });
  return image.asPng();
}
