/**
 * Categorical-first exact nearest-neighbour index: a trie over the categorical codes (columns in ascending
 * cardinality) whose leaves — rows sharing one categorical pattern — hold a k-d tree (median splits) over
 * the scaled numerics. A query walks the trie branch-and-bound (a mismatching child adds the mismatch
 * weight; a branch whose cost reaches the best distance is cut), then the leaf's k-d tree cuts boxes by
 * their Σ gap² / Σ |gap| bound and bucket rows use partial-distance elimination. Fast when categories
 * dominate the distance (rows near real data); see nn.ts for when it is used.
 */
import { BUCKET, RowIndex } from './nn-rows.ts';
import type { EncodedRows, MixedSpace } from './space.ts';

export class TrieIndex extends RowIndex {
  // Trie nodes (depth = number of categorical columns fixed); children of a node are contiguous.
  private readonly tChild: Int32Array;
  private readonly tCount: Int32Array;
  private readonly tCode: Int32Array;
  private readonly tKd: Int32Array;
  // k-d nodes: position range, children (-1 for a bucket), bounding box (lo, hi per numeric column).
  private readonly kStart: Int32Array;
  private readonly kEnd: Int32Array;
  private readonly kLeft: Int32Array;
  private readonly kRight: Int32Array;
  private readonly kDim: Int32Array;
  private readonly kSplit: Float64Array;
  private readonly kBox: Float64Array;
  // Per-query scratch.

  constructor(space: MixedSpace, ref: EncodedRows) {
    super(space, ref);
    const { n, p, c } = ref;
    // Trie column order: ascending number of distinct codes (wide columns sit deep, where nodes are small).
    const card = Array.from({ length: c }, (_, k) => {
      const s = new Set<number>();
      for (let i = 0; i < n; i++) s.add(ref.cat[i * c + k]);
      return s.size;
    });
    // Categorical columns in trie order (ascending cardinality).
    this.colOrder = Int32Array.from(Array.from({ length: c }, (_, k) => k).sort((a, b) => card[a] - card[b] || a - b));
    const co = this.colOrder;
    const order = Array.from({ length: n }, (_, i) => i);
    order.sort((a, b) => {
      for (let k = 0; k < c; k++) {
        const d = ref.cat[a * c + co[k]] - ref.cat[b * c + co[k]];
        if (d !== 0) return d;
      }
      return a - b;
    });
    this.rowAt = Int32Array.from(order);
    this.num = new Float64Array(n * p);
    this.cat = new Int32Array(n * c);
    for (let q = 0; q < n; q++) {
      const i = order[q];
      for (let k = 0; k < p; k++) this.num[q * p + k] = ref.num[i * p + k];
      for (let k = 0; k < c; k++) this.cat[q * c + k] = ref.cat[i * c + co[k]];
    }
    // Build the trie breadth-first so each node's children get consecutive ids.
    const tChild: number[] = [];
    const tCount: number[] = [];
    const tCode: number[] = [];
    const tKd: number[] = [];
    const tStart: number[] = [];
    const tEnd: number[] = [];
    const tDepth: number[] = [];
    const push = (code: number, s: number, e: number, depth: number) => {
      tChild.push(-1);
      tCount.push(0);
      tCode.push(code);
      tKd.push(-1);
      tStart.push(s);
      tEnd.push(e);
      tDepth.push(depth);
    };
    push(-1, 0, n, 0);
    const kd = { start: [] as number[], end: [] as number[], left: [] as number[], right: [] as number[], dim: [] as number[], split: [] as number[], box: [] as number[] };
    for (let id = 0; id < tChild.length; id++) {
      const depth = tDepth[id];
      const s = tStart[id];
      const e = tEnd[id];
      if (depth === c) {
        tKd[id] = this.buildKd(kd, s, e);
        continue;
      }
      tChild[id] = tChild.length;
      let a = s;
      while (a < e) {
        const code = this.cat[a * c + depth];
        let b = a + 1;
        while (b < e && this.cat[b * c + depth] === code) b++;
        push(code, a, b, depth + 1);
        tCount[id]++;
        a = b;
      }
    }
    this.tChild = Int32Array.from(tChild);
    this.tCount = Int32Array.from(tCount);
    this.tCode = Int32Array.from(tCode);
    this.tKd = Int32Array.from(tKd);
    this.kStart = Int32Array.from(kd.start);
    this.kEnd = Int32Array.from(kd.end);
    this.kLeft = Int32Array.from(kd.left);
    this.kRight = Int32Array.from(kd.right);
    this.kDim = Int32Array.from(kd.dim);
    this.kSplit = Float64Array.from(kd.split);
    this.kBox = Float64Array.from(kd.box);
    this.indexRows();
  }

  /** k-d tree over positions [s, e) (rows reordered in place); returns the root node id. */
  private buildKd(kd: { start: number[]; end: number[]; left: number[]; right: number[]; dim: number[]; split: number[]; box: number[] }, s: number, e: number): number {
    const p = this.p;
    const id = kd.start.length;
    kd.start.push(s);
    kd.end.push(e);
    kd.left.push(-1);
    kd.right.push(-1);
    kd.dim.push(-1);
    kd.split.push(0);
    let bestDim = -1;
    let bestSpread = 0;
    for (let k = 0; k < p; k++) {
      let lo = Infinity;
      let hi = -Infinity;
      for (let q = s; q < e; q++) {
        const v = this.num[q * p + k];
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      kd.box.push(lo, hi);
      if (hi - lo > bestSpread) {
        bestSpread = hi - lo;
        bestDim = k;
      }
    }
    if (e - s <= BUCKET || bestDim < 0) return id;
    const mid = (s + e) >> 1;
    this.select(s, e, mid, bestDim);
    kd.dim[id] = bestDim;
    kd.split[id] = this.num[mid * p + bestDim];
    const left = this.buildKd(kd, s, mid);
    const right = this.buildKd(kd, mid, e);
    kd.left[id] = left;
    kd.right[id] = right;
    return id;
  }

  protected descend(): void {
    this.walk(0, 0, 0);
  }

  private walk(node: number, depth: number, acc: number): void {
    this.work++;
    if (depth === this.c) {
      this.kdSearch(this.tKd[node], acc);
      return;
    }
    const first = this.tChild[node];
    const count = this.tCount[node];
    const want = this.qCat[depth];
    // Matching child first (free), then the others at one mismatch more.
    let match = -1;
    for (let k = 0; k < count; k++) {
      if (this.tCode[first + k] === want) {
        match = first + k;
        break;
      }
    }
    if (match >= 0 && acc < this.best) this.walk(match, depth + 1, acc);
    const cost = acc + this.w;
    if (cost >= this.best) return;
    for (let k = 0; k < count; k++) {
      const child = first + k;
      if (child === match) continue;
      if (cost >= this.best) return;
      this.walk(child, depth + 1, cost);
    }
  }

  private kdSearch(node: number, acc: number): void {
    const left = this.kLeft[node];
    if (left < 0) {
      this.scanRows(this.kStart[node], this.kEnd[node], acc, false);
      return;
    }
    const right = this.kRight[node];
    const goLeftFirst = this.qNum[this.kDim[node]] < this.kSplit[node];
    const a = goLeftFirst ? left : right;
    const b = goLeftFirst ? right : left;
    const la = acc + this.boxBound(a);
    const lb = acc + this.boxBound(b);
    if (la < this.best) this.kdSearch(a, acc);
    if (lb < this.best) this.kdSearch(b, acc);
  }

  private boxBound(node: number): number {
    this.work++;
    const p = this.p;
    const o = node * 2 * p;
    let s = 0;
    for (let k = 0; k < p; k++) {
      const v = this.qNum[k];
      const lo = this.kBox[o + 2 * k];
      const hi = this.kBox[o + 2 * k + 1];
      const g = v < lo ? lo - v : v > hi ? v - hi : 0;
      s += this.l1 ? g : g * g;
    }
    return s;
  }
}
