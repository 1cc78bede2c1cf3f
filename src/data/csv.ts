/**
 * CSV text → typed Table. papaparse does the tokenising; we build typed columns directly and report
 * bad input with file, line and column (1-based line numbers as an editor shows them).
 */
import Papa from 'papaparse';
import { Table, type Column, type ColumnSchema } from './table.ts';

export class DataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DataError';
  }
}

export interface ParseOptions {
  /** Shown in error messages. */
  file: string;
  /** Declared column types; columns not listed are inferred. */
  schema?: ColumnSchema[];
  /** Cell text meaning "missing"; kept as its own category in categorical columns (as the thesis does). */
  missing?: string;
  /** Column names to drop after parsing. */
  drop?: string[];
  /** Field delimiter; default ",". Use "whitespace" for space-separated files. */
  delimiter?: string | 'whitespace';
  /** Column names when the file has no header row. */
  header?: string[];
  /** Target column: must exist and have at least two classes. */
  target?: string;
  positive?: string;
}

/** Parse CSV text into a Table. Types: declared > inferred (numeric if every cell parses as a number). */
export function parseCsv(text: string, opts: ParseOptions): Table {
  const { file } = opts;
  if (text.trim().length === 0) throw new DataError(`${file}: the file is empty`);
  let rows: string[][];
  if (opts.delimiter === 'whitespace') {
    rows = text.split(/\r?\n/).map((l) => l.trim()).map((l) => (l === '' ? [] : l.split(/\s+/)));
  } else {
    const parsed = Papa.parse<string[]>(text, { delimiter: opts.delimiter ?? ',', skipEmptyLines: false });
    if (parsed.errors.length > 0) {
      const e = parsed.errors[0];
      const line = e.row !== undefined ? `:${e.row + 1}` : '';
      throw new DataError(`${file}${line}: ${e.message}`);
    }
    rows = parsed.data;
  }
  // Line numbers refer to the file: keep the index of each non-blank row.
  const lines: number[] = [];
  const kept: string[][] = [];
  rows.forEach((r, i) => {
    if (r.length === 0 || (r.length === 1 && r[0].trim() === '')) return;
    lines.push(i + 1);
    kept.push(r.map((c) => c.trim()));
  });
  let header: string[];
  let body: string[][];
  let bodyLines: number[];
  if (opts.header) {
    header = opts.header;
    body = kept;
    bodyLines = lines;
  } else {
    if (kept.length === 0) throw new DataError(`${file}: the file is empty`);
    header = kept[0];
    body = kept.slice(1);
    bodyLines = lines.slice(1);
    const seen = new Set<string>();
    header.forEach((h, j) => {
      if (h === '') throw new DataError(`${file}:${lines[0]}: column ${j + 1} has an empty name in the header`);
      if (seen.has(h)) throw new DataError(`${file}:${lines[0]}: column name "${h}" appears twice in the header`);
      seen.add(h);
    });
  }
  if (body.length === 0) throw new DataError(`${file}: the file has a header but no data rows`);
  body.forEach((r, i) => {
    if (r.length !== header.length) {
      throw new DataError(
        `${file}:${bodyLines[i]}: row has ${r.length} fields, expected ${header.length} (as in the header)`,
      );
    }
  });

  const declared = new Map((opts.schema ?? []).map((s) => [s.name, s]));
  for (const name of declared.keys()) {
    if (!header.includes(name)) {
      throw new DataError(`${file}: declared column "${name}" is not in the file (columns: ${header.join(', ')})`);
    }
  }
  const drop = new Set(opts.drop ?? []);
  const columns: Column[] = [];
  header.forEach((name, j) => {
    if (drop.has(name)) return;
    const decl = declared.get(name);
    const type = decl?.type ?? inferType(body, j, opts.missing, name === opts.target);
    if (type === 'numeric') {
      const values = new Float64Array(body.length);
      let integer = true;
      for (let i = 0; i < body.length; i++) {
        const cell = body[i][j];
        const v = cell === '' ? NaN : Number(cell);
        if (!Number.isFinite(v)) {
          const what = cell === '' ? 'an empty cell' : cell === opts.missing ? `the missing-value marker "${cell}"` : `"${cell}"`;
          throw new DataError(
            `${file}:${bodyLines[i]}: column "${name}" (column ${j + 1}) is numeric but has ${what}` +
              (decl ? '' : ' — declare it categorical in `columns`, or fix the cell'),
          );
        }
        values[i] = v;
        if (integer && !Number.isInteger(v)) integer = false;
      }
      columns.push({ kind: 'numeric', name, values, integer: decl?.integer ?? integer });
    } else {
      const levels: string[] = decl?.levels ? [...decl.levels] : [];
      const pos = new Map(levels.map((l, k) => [l, k]));
      const codes = new Int32Array(body.length);
      for (let i = 0; i < body.length; i++) {
        const cell = body[i][j];
        let k = pos.get(cell);
        if (k === undefined) {
          if (decl?.levels) {
            throw new DataError(
              `${file}:${bodyLines[i]}: column "${name}" (column ${j + 1}) has "${cell}", which is not one of its declared levels`,
            );
          }
          k = levels.length;
          levels.push(cell);
          pos.set(cell, k);
        }
        codes[i] = k;
      }
      columns.push({ kind: 'categorical', name, codes, levels });
    }
  });
  const table = new Table(columns, { target: opts.target, positive: opts.positive, schema: opts.schema });
  if (opts.target !== undefined) checkTarget(table, file, opts.target, opts.positive);
  return table;
}

function inferType(body: string[][], j: number, missing: string | undefined, isTarget: boolean): 'numeric' | 'categorical' {
  if (isTarget) return 'categorical';
  for (const r of body) {
    const c = r[j];
    if (c === '' || c === missing || !Number.isFinite(Number(c))) return 'categorical';
  }
  return 'numeric';
}

/** The target must exist, have ≥ 2 classes, and contain the positive class if one is named. */
export function checkTarget(table: Table, file: string, target: string, positive?: string): void {
  if (!table.has(target)) {
    throw new DataError(`${file}: target column "${target}" is not in the file (columns: ${table.names.join(', ')})`);
  }
  const c = table.column(target);
  const present = new Set<string>();
  if (c.kind === 'categorical') for (const k of c.codes) present.add(c.levels[k]);
  else for (const v of c.values) present.add(String(v));
  if (present.size < 2) {
    throw new DataError(
      `${file}: target column "${target}" has a single class (${[...present].join(', ')}); a classifier needs at least two`,
    );
  }
  if (positive !== undefined && !present.has(positive)) {
    throw new DataError(
      `${file}: positive class "${positive}" does not occur in target column "${target}" (values: ${[...present].slice(0, 10).join(', ')})`,
    );
  }
}

/** Table → CSV text (header + rows). Numbers in shortest round-trip form. */
export function toCsv(table: Table): string {
  const esc = (s: string) => (/[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  const out: string[] = [table.names.map(esc).join(',')];
  for (let i = 0; i < table.nrows; i++) {
    out.push(
      table.columns
        .map((c) => (c.kind === 'numeric' ? String(c.values[i]) : esc(c.levels[c.codes[i]])))
        .join(','),
    );
  }
  return out.join('\n') + '\n';
}
