/**
 * Runs jobs (scenario evaluations) side by side in a bounded number of lanes, while keeping
 * what a sequential run guarantees about the server state they touch (lib/scenarios/server-
 * state.ts): jobs that share a key never overlap and start in list order; a job without keys
 * (undefined) runs alone, after every earlier job and before every later one. Within those
 * rules a job starts as soon as a lane is free: jobs with keys first (the chains), then the
 * others, each earliest in the list first. One lane is the sequential run: list order, one at a
 * time.
 */
export interface LaneJob {
  /** The state keys the job touches; undefined: it runs alone. */
  readonly touches: readonly string[] | undefined;
}

export interface LaneOptions<J extends LaneJob, R> {
  /** At most this many jobs at once (≥ 1). */
  concurrency: number;
  start: (job: J) => Promise<R>;
  /** The result of a job that never started because `signal` aborted first. */
  notStarted: (job: J) => R;
  /** Once aborted no job starts; those running finish on their own (their start sees it). */
  signal?: AbortSignal | undefined;
}

/** One promise per job, in the order of `jobs`. */
export function runInLanes<J extends LaneJob, R>(
  jobs: readonly J[],
  opts: LaneOptions<J, R>,
): Promise<R>[] {
  if (!Number.isInteger(opts.concurrency) || opts.concurrency < 1) {
    throw new RangeError(`concurrency must be a whole number ≥ 1 (got ${opts.concurrency})`);
  }
  const settle = jobs.map(() => {
    let resolve: (value: R) => void = () => undefined;
    let reject: (reason: unknown) => void = () => undefined;
    const promise = new Promise<R>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  });
  /** Indices not started yet, in list order. */
  let pending = jobs.map((_, i) => i);
  const running = new Set<number>();

  const pump = (): void => {
    if (pending.length === 0 && running.size === 0) {
      opts.signal?.removeEventListener('abort', pump);
      return;
    }
    if (opts.signal?.aborted) {
      for (const i of pending) settle[i]?.resolve(opts.notStarted(jobs[i] as J));
      pending = [];
      return;
    }
    const held = new Set<string>();
    let aloneRunning = false;
    for (const i of running) {
      const keys = jobs[i]?.touches;
      if (keys === undefined) aloneRunning = true;
      else for (const key of keys) held.add(key);
    }
    if (aloneRunning) return;
    const first = pending[0];
    if (first !== undefined && jobs[first]?.touches === undefined) {
      // Alone: once everything before it is done, and then nothing else starts.
      if (running.size === 0) start([first]);
      return;
    }
    // Only what comes before the next job that runs alone may start now.
    const barrier = pending.findIndex((i) => jobs[i]?.touches === undefined);
    const open = barrier < 0 ? pending : pending.slice(0, barrier);
    /** Keys of earlier jobs still waiting: a later job with one of them must wait its turn. */
    const queued = new Set<string>();
    const started: number[] = [];
    // With lanes, jobs that share state with others first: they form the chains that cannot
    // overlap, so the run is shortest when they start early. Each group keeps list order (and
    // one lane is exactly the list order).
    const keyed = (i: number) => (jobs[i]?.touches?.length ?? 0) > 0;
    const byChainsFirst =
      opts.concurrency === 1 ? open : [...open.filter(keyed), ...open.filter((i) => !keyed(i))];
    for (const i of byChainsFirst) {
      if (running.size + started.length >= opts.concurrency) break;
      const keys = jobs[i]?.touches ?? [];
      if (keys.some((key) => held.has(key) || queued.has(key))) {
        for (const key of keys) queued.add(key);
        continue;
      }
      started.push(i);
      for (const key of keys) held.add(key);
    }
    start(started);
  };

  const start = (started: readonly number[]): void => {
    if (started.length === 0) return;
    const starting = new Set(started);
    pending = pending.filter((i) => !starting.has(i));
    for (const i of started) {
      running.add(i);
      const job = jobs[i] as J;
      const done = settle[i];
      let work: Promise<R>;
      try {
        work = opts.start(job);
      } catch (err) {
        work = Promise.reject(err);
      }
      work
        .then(
          (value) => done?.resolve(value),
          (err: unknown) => done?.reject(err),
        )
        .finally(() => {
          running.delete(i);
          pump();
        });
    }
  };

  opts.signal?.addEventListener('abort', pump, { once: true });
  pump();
  return settle.map((s) => s.promise);
}
