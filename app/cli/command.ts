/**
 * The contract every `sightline` sub-command implements. Commands live in app/cli/commands/*.ts and are
 * listed once in app/cli/commands/index.ts.
 */
import type { ParseArgsConfig } from 'node:util';

export interface CliContext {
  /** `--json` was given: print one JSON document on stdout and nothing else there. */
  readonly json: boolean;
  /** Aborted on SIGINT/SIGTERM; long work must stop and clean up. */
  readonly signal: AbortSignal;
  /** Print a result: the object as JSON under --json, otherwise the human text. */
  print(value: unknown, human: string | (() => string)): void;
  /** Report progress (a bar on a terminal's stderr, nothing under --json unless --progress-json). */
  progress(p: { stage: string; current: number; total: number; unit?: string; detail?: string }): void;
  /** Clear the progress line. */
  progressDone(): void;
}

export interface Command {
  /** Words that select the command, e.g. ['case', 'create'] or ['import']. */
  readonly path: readonly string[];
  readonly summary: string;
  /** Usage line after `sightline `, e.g. 'case create DIR --number N --title T --examiner E [--agency A]'. */
  readonly usage: string;
  readonly options?: ParseArgsConfig['options'];
  /** Minimum and maximum positional arguments (after the command words). */
  readonly positionals?: readonly [min: number, max: number];
  run(positionals: string[], values: Record<string, string | boolean | string[] | boolean[] | undefined>, ctx: CliContext): Promise<number | void>;
}
