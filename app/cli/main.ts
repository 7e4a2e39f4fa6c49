/**
 * `sightline` — the command-line face of the case services. Every command prints a one-line error and exits
 * non-zero on bad input, and prints one JSON document with `--json`.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { APP_VERSION } from '../../platform/appInfo';
import { toErrorInfo } from '../../domain/errors';
import type { CliContext, Command } from './command';
import { COMMANDS } from './commands';

import { EXIT } from './exitCodes';
import { escapeTerminal, escapeTerminalText } from '../../platform/terminalText';

const GLOBAL_OPTIONS: NonNullable<ParseArgsConfig['options']> = {
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  examiner: { type: 'string' },
};

function usageOf(cmd: Command): string {
  return `usage: sightline ${cmd.usage}${cmd.usage.includes('--json') ? '' : ' [--json]'}`;
}

function helpText(): string {
  // Each command's usage, and its summary indented under it: long usages (the selection flags of `report`, the
  // options of `bench identify`) would otherwise push every summary off a terminal's width.
  const lines = COMMANDS.flatMap((c) => [`  ${c.usage}`, `      ${c.summary}`]);
  return [
    `Sightline ${APP_VERSION} — forensic face enhancement workstation (command line)`,
    '',
    'usage: sightline COMMAND [ARGS] [--json] [--examiner NAME]',
    '',
    ...lines,
    '',
    'Every command accepts --json (machine-readable output) and --examiner NAME (who is acting; defaults to the case examiner).',
  ].join('\n');
}

function findCommand(argv: string[]): { cmd: Command; rest: string[] } | undefined {
  let best: { cmd: Command; rest: string[] } | undefined;
  for (const cmd of COMMANDS) {
    if (cmd.path.every((w, i) => argv[i] === w) && (!best || cmd.path.length > best.cmd.path.length)) {
      best = { cmd, rest: argv.slice(cmd.path.length) };
    }
  }
  return best;
}

class ProgressLine {
  private last = 0;
  /** The last caption (e.g. "212 faces in 9 tracks so far"): reports carry it only now and then. */
  private detail = '';
  private shown = false;
  constructor(private readonly enabled: boolean) {}

  update(p: { stage: string; current: number; total: number; unit?: string; detail?: string }): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (now - this.last < 100 && p.current < p.total) return;
    this.last = now;
    const frac = p.total > 0 ? Math.min(1, p.current / p.total) : 0;
    const width = 30;
    const filled = Math.round(frac * width);
    const amount = p.unit === 'bytes' ? `${(p.current / 1048576).toFixed(1)}/${(p.total / 1048576).toFixed(1)} MiB` : `${p.current}/${p.total}${p.unit ? ` ${p.unit}` : ''}`;
    if (p.detail) this.detail = p.detail;
    process.stderr.write(`\r${escapeTerminal(p.stage).padEnd(8)} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(frac * 100).toFixed(0).padStart(3)}% ${amount}${this.detail ? ` · ${escapeTerminal(this.detail)}` : ''}\x1b[K`);
    this.shown = true;
  }

  done(): void {
    if (this.shown) process.stderr.write('\r\x1b[K');
    this.shown = false;
    this.detail = '';
  }
}

export async function main(argv: string[] = process.argv.slice(2)): Promise<number> {
  const jsonWanted = argv.includes('--json');
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    process.stdout.write(`${helpText()}\n`);
    return argv.length === 0 ? EXIT.usage : EXIT.ok;
  }
  if (argv[0] === '--version' || argv[0] === 'version') {
    process.stdout.write(jsonWanted ? `${JSON.stringify({ version: APP_VERSION })}\n` : `${APP_VERSION}\n`);
    return EXIT.ok;
  }
  const found = findCommand(argv);
  if (!found) {
    fail(jsonWanted, 'INVALID_INPUT', `unknown command: ${argv.filter((a) => !a.startsWith('-')).slice(0, 2).join(' ')} (see sightline --help)`);
    return EXIT.usage;
  }
  const { cmd, rest } = found;
  let values: Record<string, string | boolean | string[] | boolean[] | undefined>;
  let positionals: string[];
  try {
    const parsed = parseArgs({ args: rest, options: { ...GLOBAL_OPTIONS, ...cmd.options }, allowPositionals: true, strict: true });
    values = parsed.values as typeof values;
    positionals = parsed.positionals;
  } catch (e) {
    fail(jsonWanted, 'INVALID_INPUT', (e as Error).message.split('\n')[0]!, usageOf(cmd));
    return EXIT.usage;
  }
  if (values.help) {
    process.stdout.write(`${usageOf(cmd)}\n${cmd.summary}\n`);
    return EXIT.ok;
  }
  const [min, max] = cmd.positionals ?? [0, 0];
  if (positionals.length < min || positionals.length > max) {
    fail(jsonWanted, 'INVALID_INPUT', positionals.length < min ? 'missing arguments' : 'too many arguments', usageOf(cmd));
    return EXIT.usage;
  }

  const abort = new AbortController();
  const onSignal = (): void => abort.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const json = values.json === true;
  const bar = new ProgressLine(!json && process.stderr.isTTY === true);
  const ctx: CliContext = {
    json,
    signal: abort.signal,
    print(value, human) {
      bar.done();
      // Human text is escaped once more as a whole (names are escaped where they are interpolated, see `term`).
      process.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : `${escapeTerminalText(typeof human === 'function' ? human() : human)}\n`);
    },
    progress: (p) => bar.update(p),
    progressDone: () => bar.done(),
  };
  try {
    const code = await cmd.run(positionals, values, ctx);
    return code ?? EXIT.ok;
  } catch (e) {
    bar.done();
    const info = toErrorInfo(e);
    fail(json, info.code, info.message);
    if (info.code === 'INTERNAL' && process.env.SIGHTLINE_DEBUG) console.error(e);
    return info.code === 'CANCELLED' ? EXIT.cancelled : EXIT.failed;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** One line on stderr (and the JSON error under --json); the message is escaped whole: it may quote a file name. */
function fail(json: boolean, code: string, message: string, usage?: string): void {
  if (json) process.stdout.write(`${JSON.stringify({ ok: false, error: { code, message } })}\n`);
  process.stderr.write(`sightline: ${escapeTerminal(message)}\n${usage ? `${escapeTerminal(usage)}\n` : ''}`);
}

if (require.main === module) {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`sightline: internal error: ${escapeTerminalText((e as Error).stack ?? String(e))}\n`);
      process.exitCode = EXIT.failed;
    },
  );
}
