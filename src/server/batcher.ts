// Ordered, batched delivery of items to an async sink with one call in flight:
// whatever is produced while a call is under way rides in the next call, so a
// burst of tokens costs one round trip, and items arrive in the order pushed.
export interface BatcherOptions {
  /** Wait this long after a flush before the next one, to gather more items. */
  minGapMs?: number;
  /** Retries per batch before it is given up (the items stay at the head). */
  retries?: number;
  onError?: (error: unknown, attempt: number) => void;
}

export class Batcher<T> {
  private queue: T[] = [];
  private running: Promise<void> | null = null;
  /** Set once the sink refused further items (e.g. the run was finalized elsewhere). */
  stopped = false;

  constructor(
    private readonly sink: (items: T[]) => Promise<void | "stop">,
    private readonly opts: BatcherOptions = {},
  ) {}

  push(item: T): void {
    if (this.stopped) return;
    this.queue.push(item);
    this.running ??= this.loop();
  }

  /**
   * Resolves when everything pushed so far was delivered or given up. Items a
   * failed call left behind get one more round of retries here: the last batch
   * holds run_end, and a run whose end was never stored is later marked
   * interrupted.
   */
  async drain(): Promise<void> {
    while (this.running) await this.running;
    if (this.queue.length > 0 && !this.stopped) {
      this.running = this.loop();
      await this.running;
    }
  }

  get pending(): number {
    return this.queue.length;
  }

  private async loop(): Promise<void> {
    try {
      // Let the current synchronous burst finish before the first batch.
      await Promise.resolve();
      while (this.queue.length > 0 && !this.stopped) {
        const batch = this.queue;
        this.queue = [];
        const delivered = await this.deliver(batch);
        if (!delivered) {
          // Keep order: the undelivered batch goes back in front of newer items.
          this.queue = batch.concat(this.queue);
          return;
        }
        if (this.opts.minGapMs) await new Promise((r) => setTimeout(r, this.opts.minGapMs));
      }
    } finally {
      this.running = null;
    }
  }

  private async deliver(batch: T[]): Promise<boolean> {
    const retries = this.opts.retries ?? 3;
    for (let attempt = 0; ; attempt++) {
      try {
        if ((await this.sink(batch)) === "stop") {
          this.stopped = true;
          this.queue = [];
        }
        return true;
      } catch (error) {
        this.opts.onError?.(error, attempt);
        if (attempt >= retries) return false;
        await new Promise((r) => setTimeout(r, 100 * 2 ** attempt));
      }
    }
  }
}
