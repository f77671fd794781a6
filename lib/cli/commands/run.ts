import { stat } from 'node:fs/promises';
import type { CommandModule } from 'yargs';
import { UsageError } from '../../errors.js';
import { progressLine } from '../../runner/console-progress.js';
import {
  DEFAULT_CONCURRENCY,
  DEFAULT_PARALLEL_TARGETS,
  DEFAULT_TIMEOUT_MS,
} from '../../runner/defaults.js';
import type { RunTargetOptions } from '../../runner/run-target.js';
import { withInvocation } from '../hint-command.js';
import { runInterruptibly } from '../interruptible-run.js';
import { currentInvocation } from '../invocation.js';
import { type SigningArgs, signerChoice, signingOptions } from '../signing-options.js';

interface RunArgs extends SigningArgs {
  target: string[];
  'report-dir': string;
  grep?: string;
  only?: string[];
  skip?: string[];
  strict: boolean;
  'expected-failures'?: string;
  'expected-skips'?: string;
  'require-coverage': boolean;
  'strict-baseline': boolean;
  'timeout-ms': number;
  'deadline-ms'?: number;
  concurrency: number;
  'max-rps'?: number;
  'parallel-targets': number;
  register: boolean;
  'initial-access-token'?: string;
}

async function isFolder(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isDirectory() === true;
}

export const runCommand: CommandModule<object, RunArgs> = {
  command: 'run',
  describe: 'Run the conformance catalog against a target and write reports',
  builder: (y) =>
    signingOptions(
      y
        .usage(
          '$0 run --target FILE [options]\n\nRuns the conformance catalog against the target the config describes and writes the report package. With several --target (or a folder of configs), a fleet: a package per target and an index over them.',
        )
        .option('target', {
          type: 'string',
          array: true,
          demandOption: true,
          describe:
            'Target config (YAML or JSON; see schema/target.schema.json). Repeat it, or name a folder of configs, for a fleet: one report package per target under --report-dir/<config name>/, and an index (fleet.json, index.html)',
        })
        .option('report-dir', {
          type: 'string',
          default: 'reports',
          describe:
            'Where report.html, summary.json, junit.xml and the signed manifest go (checked before any request; other files there are left alone)',
        })
        .option('parallel-targets', {
          type: 'number',
          default: DEFAULT_PARALLEL_TARGETS,
          describe: 'With several targets: at most this many run at once',
        })
        .option('grep', { type: 'string', describe: 'Only scenarios whose title contains TEXT' })
        .option('only', {
          type: 'string',
          array: true,
          describe: 'Only these sections or scenario IDs (e.g. --only PKI,BIND-03)',
        })
        .option('skip', {
          type: 'string',
          array: true,
          describe: 'Leave out these scenario IDs or sections (e.g. --skip PKI-12)',
        })
        .option('strict', {
          type: 'boolean',
          default: false,
          describe: 'SHOULD-level warnings fail the run too',
        })
        .option('expected-failures', {
          type: 'string',
          describe:
            'File of known failures, one "ID reason" per line: reported, not failing the run',
        })
        .option('expected-skips', {
          type: 'string',
          describe:
            'File of MUST scenarios this target cannot support, one "ID reason" per line: with --require-coverage their skip does not fail the run',
        })
        .option('require-coverage', {
          type: 'boolean',
          default: false,
          describe:
            'A MUST scenario that did not run (skipped for a missing capability, a set-up problem …) fails the run, unless listed in --expected-skips: for self-certification',
        })
        .option('strict-baseline', {
          type: 'boolean',
          default: false,
          describe:
            'A baseline entry that no longer holds (an expected failure that passed, an expected skip that ran) fails the run',
        })
        .option('timeout-ms', {
          type: 'number',
          default: DEFAULT_TIMEOUT_MS,
          describe: 'Per-request bound for connect, headers and body (the whole exchange: 3×)',
        })
        .option('deadline-ms', {
          type: 'number',
          describe:
            'Whole-run bound: at this point no further scenario starts, those running are abandoned, and the partial report is written marked interrupted (exit 1)',
        })
        .option('concurrency', {
          type: 'number',
          default: DEFAULT_CONCURRENCY,
          describe:
            'Scenarios run side by side, at most this many (those touching the same server state never overlap); 1: one after another, in catalog order',
        })
        .option('max-rps', {
          type: 'number',
          describe:
            'At most this many requests start per second, whatever the concurrency (for fragile staging servers)',
        }),
    )
      .option('register', {
        type: 'boolean',
        default: false,
        describe:
          "Register the target's clients first (RFC 7591, as `register`) and delete them afterwards, even when the run fails",
      })
      .option('initial-access-token', {
        type: 'string',
        describe: 'With --register: bearer token for the registration endpoint (RFC 7591 §3)',
      })
      .check((a) => {
        if (a['initial-access-token'] !== undefined && !a.register) {
          throw new UsageError('--initial-access-token needs --register');
        }
        if (
          a['strict-baseline'] &&
          a['expected-failures'] === undefined &&
          a['expected-skips'] === undefined
        ) {
          throw new UsageError('--strict-baseline needs --expected-failures or --expected-skips');
        }
        return true;
      })
      .example('$0 run --target fixtures/targets/example-staging.yaml', 'the whole catalog')
      .example(
        '$0 run --target tenants/ --report-dir reports',
        'a fleet: every config in tenants/, reports/<name>/ each, reports/index.html',
      )
      .example('$0 run --target t.yaml --only PKI --strict', 'one section; SHOULD failures count')
      .example(
        '$0 run --target t.yaml --require-coverage --expected-skips skips.txt',
        'self-certification: every MUST must run, but for the listed ones',
      )
      .epilogue(
        'Ctrl-C (or SIGTERM) stops the run: the partial report is written marked interrupted and the exit code is 130; a second Ctrl-C quits at once.',
      ),
  handler: async (args) => {
    if (!Number.isInteger(args['timeout-ms']) || args['timeout-ms'] <= 0) {
      throw new UsageError('--timeout-ms: give a positive whole number of milliseconds');
    }
    const deadlineMs = args['deadline-ms'];
    if (deadlineMs !== undefined && (!Number.isInteger(deadlineMs) || deadlineMs <= 0)) {
      throw new UsageError('--deadline-ms: give a positive whole number of milliseconds');
    }
    const concurrency = args.concurrency;
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      throw new UsageError('--concurrency: give a whole number of scenarios, 1 or more');
    }
    const maxRps = args['max-rps'];
    if (maxRps !== undefined && !(Number.isFinite(maxRps) && maxRps > 0)) {
      throw new UsageError('--max-rps: give a number of requests per second above 0');
    }
    const parallelTargets = args['parallel-targets'];
    if (!Number.isInteger(parallelTargets) || parallelTargets < 1) {
      throw new UsageError('--parallel-targets: give a whole number of targets, 1 or more');
    }
    const inputs = {
      reportDir: args['report-dir'],
      selection: {
        ...(args.only ? { only: args.only } : {}),
        ...(args.skip ? { skip: args.skip } : {}),
        ...(args.grep !== undefined ? { grep: args.grep } : {}),
      },
      strict: args.strict,
      ...(args['expected-failures'] ? { expectedFailuresFile: args['expected-failures'] } : {}),
      ...(args['expected-skips'] ? { expectedSkipsFile: args['expected-skips'] } : {}),
      requireCoverage: args['require-coverage'],
      strictBaseline: args['strict-baseline'],
      timeoutMs: args['timeout-ms'],
      concurrency,
      ...(maxRps === undefined ? {} : { maxRequestsPerSecond: maxRps }),
      signer: signerChoice(args, process.env),
    };
    const [first] = args.target;
    const single =
      args.target.length === 1 && first !== undefined && !(await isFolder(first))
        ? first
        : undefined;
    if (single === undefined) {
      const { fleetTargets } = await import('../../fleet/fleet-targets.js');
      const targets = await fleetTargets(args.target);
      if (args.register) {
        throw new UsageError('--register takes one target (register a fleet with `register`)');
      }
      const { runFleetInterruptibly } = await import('../fleet-run.js');
      await runFleetInterruptibly({
        targets,
        reportDir: args['report-dir'],
        parallelTargets,
        inputs,
        ...(deadlineMs !== undefined ? { deadlineMs } : {}),
        env: process.env,
      });
      return;
    }
    // Loaded here, not at start-up: `--help` and other commands need none of it.
    const { prepareRun, runPrepared } = await import('../../runner/run-target.js');
    // Every local input (report folder, signing key, baseline) is checked before any traffic,
    // registration included.
    const prepared = await prepareRun({ ...inputs, reportDir: args['report-dir'] });
    const runOnce = (opts: RunTargetOptions) => runPrepared(prepared, opts);
    // --register: register the target's clients, run, and delete them even when the run fails.
    const runTarget = args.register
      ? (await import('../../onboarding/run-with-registration.js')).registeringRunner(runOnce, {
          targetFile: single,
          timeoutMs: args['timeout-ms'],
          initialAccessToken: args['initial-access-token'],
          showCommand: (text) => withInvocation(text, currentInvocation().here),
        })
      : runOnce;
    await runInterruptibly((signal, started) =>
      runTarget({
        ...prepared.opts,
        targetFile: single,
        onStart: ({ issuer, scenarios }) => {
          started();
          process.stdout.write(`Running ${scenarios} scenarios against ${issuer ?? single}\n`);
        },
        onResult: (r) => process.stdout.write(`${progressLine(r)}\n`),
        signal,
        ...(deadlineMs !== undefined ? { deadlineMs } : {}),
        // A login's ${NAME} values (MTLS_LOGIN_USER, MTLS_LOGIN_PASSWORD) are read from here.
        env: process.env,
      }),
    );
  },
};
