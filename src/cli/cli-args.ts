/**
 * Command-line plumbing shared by the sub-commands: strict flag parsing with
 * one clear UsageError line, the transactions JSONL writer, and waiting for
 * Ctrl-C / SIGTERM.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from '../errors.js';
import { JsonlWriter } from '../replay/transaction-jsonl.js';

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * node:util parseArgs in strict mode; an unknown flag or a missing value
 * becomes a UsageError (exit code 2) that names the command's help.
 *
 * A negative number after a flag that takes a value (`--workers -1`,
 * `-c -3`) is kept as that flag's value, so the command's own range check
 * reports it ("--workers takes an integer ≥ 0, got -1") instead of parseArgs
 * taking `-1` for a flag and saying the value is missing.
 */
export function parseCommandArgs<O extends Options>(command: string, args: string[], options: O, allowPositionals = true) {
  try {
    return parseArgs({ args: attachNegativeNumbers(args, options), options, allowPositionals, strict: true });
  } catch (err) {
    throw new UsageError(`${describeParseError(err as Error & { code?: string })} (see apisensor ${command} --help)`);
  }
}

/** `--flag -1` / `-f -1` → `--flag=-1` for flags of type string; the rest unchanged, nothing after `--`. */
function attachNegativeNumbers(args: string[], options: Options): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') {
      out.push(...args.slice(i));
      break;
    }
    const name = arg.startsWith('--')
      ? arg.slice(2)
      : /^-[^-]$/.test(arg) ? Object.keys(options).find((k) => options[k]!.short === arg[1]) : undefined;
    const next = args[i + 1];
    if (name !== undefined && Object.hasOwn(options, name) && options[name]!.type === 'string' && next !== undefined && /^-\d/.test(next)) {
      out.push(`--${name}=${next}`);
      i++;
    } else {
      out.push(arg);
    }
  }
  return out;
}

/** node:util's parse errors, rephrased as one short line. */
function describeParseError(err: Error & { code?: string }): string {
  const option = /'(-[^' ]*)/.exec(err.message)?.[1];
  switch (err.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown option '${option ?? '?'}'`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return option ? `option '${option}' needs a value` : err.message.split('\n')[0]!;
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `unexpected argument ${/'([^']*)'/.exec(err.message)?.[0] ?? ''}`.trim();
    default:
      return err.message.split('\n')[0]!;
  }
}

/**
 * The `--json` end-of-run summary as text ending in a newline: pretty-printed,
 * or ONE compact line when `oneLine` (the transactions JSONL goes to the same
 * stdout, `--transactions -`, so a JSONL reader sees one object per line).
 */
export function formatJsonSummary(summary: unknown, oneLine: boolean): string {
  return (oneLine ? JSON.stringify(summary) : JSON.stringify(summary, null, 2)) + '\n';
}

/** Opens `--transactions FILE` ('-' = stdout); UsageError ERR_OUTPUT_OPEN when it cannot be written. */
export function openTransactionsWriter(file: string): JsonlWriter {
  try {
    return new JsonlWriter(file);
  } catch (err) {
    throw new UsageError(`cannot write transactions file ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, 'ERR_OUTPUT_OPEN');
  }
}

/** Resolves on the first SIGINT or SIGTERM. */
export function waitForSignal(): Promise<void> {
  return new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
