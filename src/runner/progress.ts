/**
 * Progress of a run: a bar with cells done, ETA, the current cell and its ε on a terminal; one line
 * per finished cell otherwise (CI logs, pipes).
 */
import cliProgress from 'cli-progress';
import type { PlannedCell } from './plan.ts';

export class Progress {
  private bar: cliProgress.SingleBar | null = null;
  private done = 0;
  private readonly t0 = performance.now();
  private current = '';

  constructor(
    private readonly total: number,
    tty: boolean,
    private readonly log: (line: string) => void,
  ) {
    if (tty && total > 0) {
      this.bar = new cliProgress.SingleBar(
        { format: 'cells {bar} {value}/{total} | ETA {eta_formatted} | {cell} {eps} {msg}', hideCursor: true, clearOnComplete: false, etaBuffer: 5 },
        cliProgress.Presets.shades_classic,
      );
      this.bar.start(total, 0, { cell: '', eps: '', msg: '' });
    }
  }

  cellStart(cell: PlannedCell): void {
    this.current = cell.id;
    const eps = cell.epsilon === null ? 'non-private' : `ε=${cell.epsilon}`;
    this.bar?.update(this.done, { cell: `${cell.generator}/${cell.dataset} seed ${cell.seed}`, eps, msg: '' });
  }

  message(msg: string): void {
    this.bar?.update(this.done, { msg: msg.slice(0, 40) });
  }

  cellDone(id: string): void {
    this.done++;
    if (this.bar) this.bar.update(this.done, { msg: '' });
    else {
      const elapsed = (performance.now() - this.t0) / 1000;
      const eta = this.done > 0 ? (elapsed / this.done) * (this.total - this.done) : 0;
      this.log(`[${this.done}/${this.total}] ${id} done (${elapsed.toFixed(1)} s elapsed, ETA ${eta.toFixed(0)} s)`);
    }
    if (id === this.current) this.current = '';
  }

  stop(): void {
    this.bar?.stop();
  }
}
