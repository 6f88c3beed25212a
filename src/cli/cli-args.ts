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
 */
export function parseCommandArgs<O extends Options>(command: string, args: string[], options: O, allowPositionals = true) {
  try {
    return parseArgs({ args, options, allowPositionals, strict: true });
  } catch (err) {
    throw new UsageError(`${describeParseError(err as Error & { code?: string })} (see apisensor ${command} --help)`);
  }
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
