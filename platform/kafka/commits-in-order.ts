/**
 * The batch consumer writes several batches at once but commits their offsets one after the other,
 * in the order the batches were taken: a batch stored early may hold a partition's later offsets, and
 * committing them while an earlier batch of that partition is still inserting would skip its rows
 * if the sink died then. A batch that was not stored (the sink stopped first) stops every later
 * commit.
 */
export class CommitsInOrder {
  private last: Promise<boolean> = Promise.resolve(true);

  /** Runs `commit` once `stored` is true and every batch added before has been committed. */
  add(stored: Promise<boolean>, commit: () => Promise<void>): void {
    const before = this.last;
    this.last = (async () => {
      const [done, doneBefore] = await Promise.all([stored, before]);
      if (!done || !doneBefore) return false;
      await commit();
      return true;
    })();
  }

  /** Settles when every added batch is committed (true) or one was not stored (false). */
  settled(): Promise<boolean> {
    return this.last;
  }
}
