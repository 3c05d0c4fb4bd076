// "One running plus one queued": callers during a run share one follow-up run that starts after it.

/**
 * Serialises runs of one task. `run()` starts the task when idle; while it runs, every caller gets the same single
 * follow-up run, which starts when the current one ends (so it sees everything that happened before the call).
 */
export class SingleFlight<T> {
  private running: Promise<T> | undefined;
  private queued: Promise<T> | undefined;

  constructor(private readonly task: () => Promise<T>) {}

  /** Resolves or rejects with the run that covers this call. */
  run(): Promise<T> {
    if (this.running === undefined) {
      const started = this.task();
      this.running = started.finally(() => {
        this.running = undefined;
      });
      return this.running;
    }
    this.queued ??= this.running
      .catch(() => undefined)
      .then(() => {
        this.queued = undefined;
        return this.run();
      });
    return this.queued;
  }

  /** Resolves once no run is in progress or queued (never rejects). */
  async idle(): Promise<void> {
    while (this.running !== undefined || this.queued !== undefined)
      await (this.queued ?? this.running)?.catch(() => undefined);
  }
}
