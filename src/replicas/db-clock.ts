// The database's clock as seen from this process: an interval sure to hold the DB's now, never a wall-clock guess.

/** One reading of the DB clock: the local monotonic times the query was sent and answered, and what the DB said. */
export interface ClockSample {
  sentAt: number;
  receivedAt: number;
  /** The DB's clock_timestamp() in epoch milliseconds, taken while the query ran. */
  dbNow: number;
}

/** Lower and upper bounds of the DB's now, epoch milliseconds. */
export interface ClockBounds {
  lower: number;
  upper: number;
}

/**
 * The DB read its clock between `sentAt` and `receivedAt` (local monotonic), so at local time t its clock shows
 * between dbNow + (t - receivedAt) and dbNow + (t - sentAt). The width is the round trip of the latest reading;
 * local monotonic time and the DB clock drift apart by parts per million, negligible between readings.
 */
export class DbClock {
  private sample: ClockSample | undefined;

  constructor(readonly local: () => number = () => performance.now()) {}

  observe(sample: ClockSample): void {
    this.sample = sample;
  }

  /** The DB's now as an interval, or undefined before the first reading. */
  bounds(): ClockBounds | undefined {
    const s = this.sample;
    if (s === undefined) return undefined;
    const t = this.local();
    return { lower: s.dbNow + (t - s.receivedAt), upper: s.dbNow + (t - s.sentAt) };
  }
}
