/**
 * report.html: one self-contained file. The vega, vega-lite and vega-embed browser bundles are inlined
 * (passed in by the caller, read from node_modules), chart specs travel as one JSON block, so the page
 * works from file:// with no network. <html data-charts="done|error"> tells a test when drawing ended.
 */
import type { ReportModel, ReportSection } from './report.ts';
import type { TableModel } from './tables.ts';

export interface BrowserBundles {
  vega: string;
  vegaLite: string;
  vegaEmbed: string;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Inline <script> content: a literal "</script" would end the element early. */
const scriptSafe = (js: string) => js.replace(/<\/(script)/gi, '<\\/$1');

const NUMERIC = /^[-−]?\d|^—$/;

export function htmlTable(t: TableModel): string {
  const head: string[] = [];
  if (t.groups?.some((g) => g.label)) head.push(`<tr>${t.groups.map((g) => `<th colspan="${g.span}" class="group">${esc(g.label)}</th>`).join('')}</tr>`);
  if (t.columns.some(Boolean)) head.push(`<tr>${t.columns.map((c) => `<th>${esc(c)}</th>`).join('')}</tr>`);
  const body = t.rows.map((r) => `<tr>${r.map((v) => `<td${NUMERIC.test(v) ? ' class="num"' : ''}>${esc(v)}</td>`).join('')}</tr>`).join('\n');
  return `<div class="table"><table>${head.length ? `<thead>${head.join('')}</thead>` : ''}<tbody>${body || '<tr><td>No rows.</td></tr>'}</tbody></table></div>`;
}

function renderSection(s: ReportSection, specs: Record<string, unknown>): string {
  const parts = [`<section id="${esc(s.id)}"><h${s.level}>${esc(s.title)}</h${s.level}>`];
  for (const p of s.text) parts.push(`<p>${esc(p)}</p>`);
  for (const c of s.charts) {
    const el = `chart-${c.id}`;
    specs[el] = c.spec;
    parts.push(
      `<figure class="chart" id="fig-${esc(c.id)}"><div class="vis" id="${esc(el)}" data-chart="${esc(c.id)}"></div>` +
        `<figcaption>${esc(c.caption)} <span class="files"><a href="charts/${esc(c.id)}.png">png</a> · <a href="charts/${esc(c.id)}.svg">svg</a> · <a href="charts/${esc(c.id)}.vl.json">spec</a></span></figcaption></figure>`,
    );
  }
  for (const t of s.tables) parts.push(`<h4>${esc(t.title)}</h4>`, htmlTable(t), t.note ? `<p class="note">${esc(t.note)}</p>` : '');
  for (const c of s.children) parts.push(renderSection(c, specs));
  parts.push('</section>');
  return parts.join('\n');
}

function toc(sections: ReportSection[]): string {
  const item = (s: ReportSection): string =>
    `<li><a href="#${esc(s.id)}">${esc(s.title)}</a>${s.children.length ? `<ul>${s.children.map(item).join('')}</ul>` : ''}</li>`;
  return `<nav class="toc"><h2>Contents</h2><ul>${sections.map(item).join('')}</ul></nav>`;
}

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;color:#222;margin:0;background:#fafafa}
main{max-width:1560px;margin:0 auto;padding:16px 28px 64px;background:#fff}
h1{margin:.4em 0 .1em}h2{border-bottom:2px solid #e3e3e3;padding-bottom:4px;margin-top:2em}h3{margin-top:1.6em;color:#333}h4{margin:1.2em 0 .3em;font-size:14px}
.meta{color:#555;font-size:13px}.summary{font-size:15px}
.toc{background:#f5f7fa;border:1px solid #e3e6ea;border-radius:6px;padding:6px 18px;margin:14px 0}.toc h2{border:0;margin:.4em 0;font-size:15px}
.toc ul{margin:.2em 0;padding-left:18px}.toc li{margin:2px 0}
figure.chart{display:inline-block;vertical-align:top;max-width:100%;margin:14px 24px 22px 0;overflow-x:auto}figcaption{color:#555;font-size:12.5px;max-width:720px}figcaption .files{white-space:nowrap;margin-left:6px}
.table{overflow-x:auto}table{border-collapse:collapse;font-size:12.5px;margin:4px 0}th,td{border:1px solid #e1e1e1;padding:3px 8px;text-align:left;vertical-align:top}
th{background:#f3f4f6;font-weight:600}th.group{text-align:center;background:#e9edf2}td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
tbody tr:nth-child(even){background:#fafbfc}.note{color:#666;font-size:12px;margin:2px 0 10px}
.vega-embed{display:block}`;

/** Draws every chart with vega-embed and marks the outcome on <html> (data-charts, data-chart-errors). */
const DRAW = `
(async () => {
  const specs = JSON.parse(document.getElementById('chart-specs').textContent);
  let errors = 0;
  await Promise.all(Object.entries(specs).map(async ([id, spec]) => {
    try {
      await vegaEmbed('#' + CSS.escape(id), spec, { renderer: 'svg', actions: { export: true, source: false, compiled: false, editor: false } });
    } catch (e) {
      errors++;
      document.getElementById(id).textContent = 'Chart failed to render: ' + e.message;
      console.error('chart ' + id + ': ' + e.message);
    }
  }));
  document.documentElement.dataset.chartErrors = String(errors);
  document.documentElement.dataset.charts = errors ? 'error' : 'done';
})();`;

export function htmlReport(model: ReportModel, bundles: BrowserBundles): string {
  const r = model.run;
  const specs: Record<string, unknown> = {};
  const body = model.sections.map((s) => renderSection(s, specs)).join('\n');
  // JSON inside <script>: escaping "<" keeps "</script>" or "<!--" in data from ending the block.
  const json = JSON.stringify(specs).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(r.name)} — dp-synth-bench report</title>
<style>${CSS}</style>
<script>${scriptSafe(bundles.vega)}</script>
<script>${scriptSafe(bundles.vegaLite)}</script>
<script>${scriptSafe(bundles.vegaEmbed)}</script>
</head>
<body>
<main>
<header>
<h1>${esc(r.name)}</h1>
<p class="meta">Config hash <code>${esc(r.configHash)}</code> · commit <code>${esc(r.gitCommit?.slice(0, 10) ?? 'unknown')}</code> · backend ${esc(r.backend?.name ?? 'unknown')} · started ${esc(r.startedAt)}${r.endedAt ? ` · ended ${esc(r.endedAt)}` : ''}</p>
<p class="summary">${esc(model.summary)} ${model.charts.length} charts${model.skipped.length ? `, ${model.skipped.length} not drawn for lack of data (listed at the end)` : ''}.</p>
</header>
${toc(model.sections)}
${body}
</main>
<script type="application/json" id="chart-specs">${json}</script>
<script>${DRAW}</script>
</body>
</html>
`;
}
