import { setImmediate } from 'node:timers/promises';
import { expect } from 'chai';
import { runInLanes } from '../../lib/runner/lanes.js';

interface Job {
  id: string;
  touches: readonly string[] | undefined;
}

/**
 * Jobs the test finishes by hand, recording when each starts and ends, so what may overlap is
 * checked without any timing.
 */
function harness(jobs: Job[], concurrency: number, signal?: AbortSignal) {
  const events: string[] = [];
  const finish = new Map<string, () => void>();
  const running = new Set<string>();
  const overlaps: string[][] = [];
  const results = runInLanes(jobs, {
    concurrency,
    ...(signal ? { signal } : {}),
    start: (job) => {
      events.push(`start ${job.id}`);
      running.add(job.id);
      overlaps.push([...running].sort());
      return new Promise<string>((resolve) => {
        finish.set(job.id, () => {
          running.delete(job.id);
          events.push(`end ${job.id}`);
          resolve(`done ${job.id}`);
        });
      });
    },
    notStarted: (job) => `not started ${job.id}`,
  });
  const end = async (id: string) => {
    const done = finish.get(id);
    if (done === undefined) throw new Error(`${id} has not started (${events.join(', ')})`);
    done();
    await setImmediate();
  };
  const started = () => events.filter((e) => e.startsWith('start ')).map((e) => e.slice(6));
  return { events, results, end, started, overlaps, running };
}

describe('lanes (lib/runner/lanes.ts)', () => {
  it('one lane is the list order, one job at a time', async () => {
    const jobs = ['a', 'b', 'c'].map((id) => ({ id, touches: [] }));
    const h = harness(jobs, 1);
    expect(h.started()).to.deep.equal(['a']);
    await h.end('a');
    expect(h.started()).to.deep.equal(['a', 'b']);
    await h.end('b');
    await h.end('c');
    expect(await Promise.all(h.results)).to.deep.equal(['done a', 'done b', 'done c']);
    expect(h.overlaps.every((o) => o.length === 1)).to.equal(true);
  });

  it('starts as many as there are lanes, and the next as soon as one is free', async () => {
    const jobs = ['a', 'b', 'c', 'd'].map((id) => ({ id, touches: [] }));
    const h = harness(jobs, 2);
    expect(h.started()).to.deep.equal(['a', 'b']);
    await h.end('b');
    expect(h.started()).to.deep.equal(['a', 'b', 'c']);
    await h.end('a');
    expect(h.started()).to.deep.equal(['a', 'b', 'c', 'd']);
    expect(Math.max(...h.overlaps.map((o) => o.length))).to.equal(2);
  });

  it('jobs sharing a key never overlap and keep their list order; others pass them', async () => {
    const jobs = [
      { id: 'r1', touches: ['refresh'] },
      { id: 'x', touches: ['other'] },
      { id: 'r2', touches: ['refresh', 'more'] },
      { id: 'm', touches: ['more'] },
      { id: 'y', touches: [] },
    ];
    const h = harness(jobs, 8);
    // r2 waits for r1; m waits behind r2 (it shares "more" with an earlier waiting job).
    expect(h.started()).to.deep.equal(['r1', 'x', 'y']);
    await h.end('x');
    expect(h.started()).to.deep.equal(['r1', 'x', 'y']);
    await h.end('r1');
    expect(h.started()).to.deep.equal(['r1', 'x', 'y', 'r2']);
    await h.end('r2');
    expect(h.started()).to.deep.equal(['r1', 'x', 'y', 'r2', 'm']);
    for (const overlap of h.overlaps) {
      expect(overlap.includes('r1') && overlap.includes('r2'), overlap.join()).to.equal(false);
      expect(overlap.includes('r2') && overlap.includes('m'), overlap.join()).to.equal(false);
    }
  });

  it('with lanes to spare, the chains (jobs with keys) start first; one lane keeps list order', async () => {
    const jobs = [
      { id: 'free-1', touches: [] },
      { id: 'free-2', touches: [] },
      { id: 'chain-1', touches: ['grants'] },
      { id: 'chain-2', touches: ['grants'] },
    ];
    const two = harness(jobs, 2);
    expect(two.started()).to.deep.equal(['chain-1', 'free-1']);
    await two.end('chain-1');
    expect(two.started()).to.deep.equal(['chain-1', 'free-1', 'chain-2']);
    const one = harness(jobs, 1);
    expect(one.started()).to.deep.equal(['free-1']);
  });

  it('a job that declares nothing runs alone: after all before it, before all after it', async () => {
    const jobs = [
      { id: 'a', touches: [] },
      { id: 'b', touches: [] },
      { id: 'alone', touches: undefined },
      { id: 'c', touches: [] },
    ];
    const h = harness(jobs, 8);
    expect(h.started()).to.deep.equal(['a', 'b']);
    await h.end('a');
    expect(h.started()).to.deep.equal(['a', 'b']);
    await h.end('b');
    expect(h.started()).to.deep.equal(['a', 'b', 'alone']);
    await h.end('alone');
    expect(h.started()).to.deep.equal(['a', 'b', 'alone', 'c']);
    expect(h.overlaps.filter((o) => o.includes('alone'))).to.deep.equal([['alone']]);
  });

  it('once aborted, starts nothing more; the jobs not started are reported so', async () => {
    const controller = new AbortController();
    const jobs = ['a', 'b', 'c'].map((id) => ({ id, touches: [] }));
    const h = harness(jobs, 1, controller.signal);
    controller.abort(new Error('Ctrl-C'));
    await setImmediate();
    await h.end('a');
    expect(await Promise.all(h.results)).to.deep.equal([
      'done a',
      'not started b',
      'not started c',
    ]);
    expect(h.started()).to.deep.equal(['a']);
  });

  it('a job that throws rejects its own promise and frees its lane', async () => {
    const results = runInLanes([{ touches: [] }, { touches: [] }] as const, {
      concurrency: 1,
      start: async (job) => {
        if (job === undefined) throw new Error('no job');
        throw new Error('boom');
      },
      notStarted: () => 'never',
    });
    const settled = await Promise.allSettled(results);
    expect(settled.map((s) => s.status)).to.deep.equal(['rejected', 'rejected']);
  });

  it('refuses a concurrency that is not a whole number of lanes', () => {
    for (const concurrency of [0, -1, 1.5, Number.NaN]) {
      expect(() =>
        runInLanes([], { concurrency, start: async () => 1, notStarted: () => 0 }),
      ).to.throw(RangeError);
    }
  });
});
