/** Runs async work one at a time, in arrival order; a failure does not block the next. */
export function createSerialRunner(): <T>(work: () => Promise<T>) => Promise<T> {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(work: () => Promise<T>) => {
    const run = tail.then(work, work);
    tail = run.catch(() => {});
    return run;
  };
}
