// Ordered, batched delivery of items to an async sink with one call in flight.
// Items gather for a time window after the first of a batch (or until the batch
// is large), so a run costs a bounded number of calls per second whatever its
// token rate; items arrive in the order pushed, and a failed call is retried
// with its items kept in front.
export interface BatcherOptions<T> {
  /**
   * Gather items this long after the first of a batch before sending; 0 sends
   * as soon as the previous call returned. Calls per second ≤ 1000 / windowMs,
   * save for batches cut by size.
   */
  windowMs?: number;
  /** Send before the window ends once the waiting items weigh this much (see `sizeOf`). */
  maxBatchSize?: number;
  /** An item's weight toward `maxBatchSize`; 1 when absent. */
  sizeOf?: (item: T) => number;
  /** Retries per batch before it is given up (the items stay at the head). */
  retries?: number;
  onError?: (error: unknown, attempt: number) => void;
}

export class Batcher<T> {
  private queue: T[] = [];
  private queuedSize = 0;
  private running: Promise<void> | null = null;
  /** Ends the current window early: set by a full batch or by `drain`. */
  private wake: (() => void) | null = null;
  private hurry = false;
  /** Set once the sink refused further items (e.g. the run was finalized elsewhere). */
  stopped = false;

  constructor(
    private readonly sink: (items: T[]) => Promise<void | "stop">,
    private readonly opts: BatcherOptions<T> = {},
  ) {}

  push(item: T): void {
    if (this.stopped) return;
    this.queue.push(item);
    this.queuedSize += this.opts.sizeOf?.(item) ?? 1;
    if (this.opts.maxBatchSize !== undefined && this.queuedSize >= this.opts.maxBatchSize) this.wake?.();
    this.running ??= this.loop();
  }

  /**
   * Sends everything pushed so far without waiting for the window, and
   * resolves when it was delivered or given up. Items a failed call left
   * behind get one more round of retries here: the last batch holds run_end,
   * and a run whose end was never stored is later marked interrupted.
   */
  async drain(): Promise<void> {
    this.hurry = true;
    this.wake?.();
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
        await this.window();
        const batch = this.queue;
        this.queue = [];
        this.queuedSize = 0;
        const delivered = await this.deliver(batch);
        if (!delivered) {
          // Keep order: the undelivered batch goes back in front of newer items.
          this.queue = batch.concat(this.queue);
          this.queuedSize = this.queue.reduce((sum, item) => sum + (this.opts.sizeOf?.(item) ?? 1), 0);
          return;
        }
      }
    } finally {
      this.running = null;
    }
  }

  /** Waits out the window that the first waiting item opened, unless hurried or full. */
  private async window(): Promise<void> {
    const ms = this.opts.windowMs ?? 0;
    const full = this.opts.maxBatchSize !== undefined && this.queuedSize >= this.opts.maxBatchSize;
    if (ms <= 0 || this.hurry || full) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
    this.wake = null;
  }

  private async deliver(batch: T[]): Promise<boolean> {
    const retries = this.opts.retries ?? 3;
    for (let attempt = 0; ; attempt++) {
      try {
        if ((await this.sink(batch)) === "stop") {
          this.stopped = true;
          this.queue = [];
          this.queuedSize = 0;
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
