/**
 * The typed column store every module exchanges: numerics as Float64Array, categoricals as Int32Array
 * codes into a level list. Never arrays of row objects (Adult-size data must stay cheap to copy and scan).
 */

export interface NumericColumn {
  kind: 'numeric';
  name: string;
  values: Float64Array;
  /** Integer-valued in the source; generators round their output to integers. */
  integer: boolean;
}

export interface CategoricalColumn {
  kind: 'categorical';
  name: string;
  /** Index into `levels` per row. */
  codes: Int32Array;
  levels: string[];
}

export type Column = NumericColumn | CategoricalColumn;

/**
 * Public metadata about a column (declared in a dataset manifest or user config, never computed from
 * the private rows): its type, the full set of levels and declared bounds. DP code may rely on it for free.
 */
export interface ColumnSchema {
  name: string;
  type: 'numeric' | 'categorical';
  integer?: boolean;
  /** Declared (public) bounds of a numeric column. */
  min?: number;
  max?: number;
  /** Declared (public) levels of a categorical column. */
  levels?: string[];
}

export interface TableMeta {
  /** Name of the target column for utility evaluation. */
  target?: string;
  /** Level of the target counted as the positive class. */
  positive?: string;
  /** Public schema per column, when declared. */
  schema?: ColumnSchema[];
}

export class Table {
  readonly columns: Column[];
  readonly nrows: number;
  readonly meta: TableMeta;
  private readonly index: Map<string, number>;

  constructor(columns: Column[], meta: TableMeta = {}) {
    const n = columns.length === 0 ? 0 : columnLength(columns[0]);
    this.index = new Map();
    columns.forEach((c, i) => {
      if (columnLength(c) !== n) {
        throw new Error(`Table: column "${c.name}" has ${columnLength(c)} rows, expected ${n}`);
      }
      if (this.index.has(c.name)) throw new Error(`Table: duplicate column name "${c.name}"`);
      this.index.set(c.name, i);
    });
    this.columns = columns;
    this.nrows = n;
    this.meta = meta;
  }

  get ncols(): number {
    return this.columns.length;
  }

  get names(): string[] {
    return this.columns.map((c) => c.name);
  }

  has(name: string): boolean {
    return this.index.has(name);
  }

  column(name: string): Column {
    const i = this.index.get(name);
    if (i === undefined) throw new Error(`Table: no column "${name}" (columns: ${this.names.join(', ')})`);
    return this.columns[i];
  }

  numeric(name: string): NumericColumn {
    const c = this.column(name);
    if (c.kind !== 'numeric') throw new Error(`Table: column "${name}" is categorical, expected numeric`);
    return c;
  }

  categorical(name: string): CategoricalColumn {
    const c = this.column(name);
    if (c.kind !== 'categorical') throw new Error(`Table: column "${name}" is numeric, expected categorical`);
    return c;
  }

  /** Rows at `indices`, in that order (repeats allowed). */
  take(indices: ArrayLike<number>): Table {
    return new Table(this.columns.map((c) => takeColumn(c, indices)), this.meta);
  }

  /** Only the named columns, in that order. */
  select(names: string[]): Table {
    return new Table(names.map((n) => this.column(n)), this.meta);
  }

  /** Same rows, metadata replaced/merged. */
  withMeta(meta: Partial<TableMeta>): Table {
    return new Table(this.columns, { ...this.meta, ...meta });
  }

  /** Value of one cell as it would be written to CSV. */
  cell(row: number, name: string): string | number {
    const c = this.column(name);
    return c.kind === 'numeric' ? c.values[row] : c.levels[c.codes[row]];
  }

  /** Binary target: 1 where the target equals the positive class, else 0. */
  binaryTarget(): Uint8Array {
    const { target, positive } = this.meta;
    if (!target) throw new Error('Table: no target column declared');
    const c = this.column(target);
    const y = new Uint8Array(this.nrows);
    if (c.kind === 'categorical') {
      const pos = positive ?? c.levels[c.levels.length - 1];
      const code = c.levels.indexOf(pos);
      for (let i = 0; i < this.nrows; i++) y[i] = c.codes[i] === code ? 1 : 0;
    } else {
      const pos = positive !== undefined ? Number(positive) : 1;
      for (let i = 0; i < this.nrows; i++) y[i] = c.values[i] === pos ? 1 : 0;
    }
    return y;
  }

  /** Concatenate tables with the same columns (levels are unioned, codes remapped). */
  static concat(tables: Table[]): Table {
    if (tables.length === 0) throw new Error('Table.concat: nothing to concatenate');
    const first = tables[0];
    const cols: Column[] = first.columns.map((c0) => {
      const parts = tables.map((t) => t.column(c0.name));
      if (c0.kind === 'numeric') {
        const n = parts.reduce((s, p) => s + columnLength(p), 0);
        const values = new Float64Array(n);
        let o = 0;
        for (const p of parts) {
          if (p.kind !== 'numeric') throw new Error(`Table.concat: column "${c0.name}" changes type`);
          values.set(p.values, o);
          o += p.values.length;
        }
        return { kind: 'numeric', name: c0.name, values, integer: c0.integer };
      }
      const levels = [...c0.levels];
      const pos = new Map(levels.map((l, i) => [l, i]));
      const n = parts.reduce((s, p) => s + columnLength(p), 0);
      const codes = new Int32Array(n);
      let o = 0;
      for (const p of parts) {
        if (p.kind !== 'categorical') throw new Error(`Table.concat: column "${c0.name}" changes type`);
        const map = p.levels.map((l) => {
          let k = pos.get(l);
          if (k === undefined) {
            k = levels.length;
            levels.push(l);
            pos.set(l, k);
          }
          return k;
        });
        for (let i = 0; i < p.codes.length; i++) codes[o + i] = map[p.codes[i]];
        o += p.codes.length;
      }
      return { kind: 'categorical', name: c0.name, codes, levels };
    });
    return new Table(cols, first.meta);
  }
}

export function columnLength(c: Column): number {
  return c.kind === 'numeric' ? c.values.length : c.codes.length;
}

export function takeColumn(c: Column, indices: ArrayLike<number>): Column {
  const n = indices.length;
  if (c.kind === 'numeric') {
    const values = new Float64Array(n);
    for (let i = 0; i < n; i++) values[i] = c.values[indices[i]];
    return { ...c, values };
  }
  const codes = new Int32Array(n);
  for (let i = 0; i < n; i++) codes[i] = c.codes[indices[i]];
  return { ...c, codes };
}

/** Build a categorical column from strings (levels in order of first appearance unless given). */
export function categoricalFromStrings(name: string, values: string[], levels?: string[]): CategoricalColumn {
  const lv = levels ? [...levels] : [];
  const pos = new Map(lv.map((l, i) => [l, i]));
  const codes = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    let k = pos.get(values[i]);
    if (k === undefined) {
      if (levels) throw new Error(`column "${name}": value "${values[i]}" is not one of the declared levels`);
      k = lv.length;
      lv.push(values[i]);
      pos.set(values[i], k);
    }
    codes[i] = k;
  }
  return { kind: 'categorical', name, codes, levels: lv };
}

export function numericColumn(name: string, values: ArrayLike<number>, integer = false): NumericColumn {
  return { kind: 'numeric', name, values: Float64Array.from(values), integer };
}
