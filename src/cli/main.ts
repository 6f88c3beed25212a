#!/usr/bin/env node
/**
 * `apisensor` command line: dispatches to one module per sub-command.
 *
 * Exit codes (the README's table lists the error codes behind each): 0
 * success; 1 a capture was damaged (everything before the damage was
 * processed and reported), a failure at run time (live capture, the
 * inventory database, a missing worker, `subscribe` gave up) or an internal
 * error; 2 a usage error (unknown command or flag, bad value, missing or
 * unreadable file, not a capture file); 3 `subscribe` was refused; 130 a
 * second Ctrl-C during `capture`.
 * User errors print one line `apisensor: ...` and no stack trace.
 *
 * A reader that closes stdout early (`apisensor ... | head`) ends the command
 * quietly with exit code 0 and nothing on stderr, wherever the write failed
 * (a stream write reports EPIPE as an 'error' event, a `writeSync` to fd 1
 * throws it; the same for a `--transactions` FIFO whose reader went away):
 * the reader asked for no more output, which is not a failure.
 * The process exits at once, as a tool killed by SIGPIPE would (Node ignores
 * SIGPIPE), so work not yet saved (e.g. an unfinished inventory) is dropped.
 */
import { ApisensorError, UsageError } from '../errors.js';
import { replayCommand } from './replay-command.js';
import { captureCommand } from './capture-command.js';
import { inventoryCommand } from './inventory-command.js';
import { serveCommand } from './serve-command.js';
import { subscribeCommand } from './subscribe-command.js';

type Command = (args: string[]) => Promise<number>;

const COMMANDS: Record<string, { run: Command; summary: string }> = {
  replay: { run: replayCommand, summary: 'replay pcap / pcapng (.gz) files and report HTTP transactions' },
  capture: { run: captureCommand, summary: 'capture HTTP traffic live from a network interface (libpcap)' },
  inventory: { run: inventoryCommand, summary: 'list / show / openapi / diff the stored API inventory' },
  serve: { run: serveCommand, summary: 'serve findings (WebSocket stream), the HTTP API, metrics and the dashboard' },
  subscribe: { run: subscribeCommand, summary: 'print findings from a running sensor as JSONL, resuming after reconnects' },
};

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return `usage: apisensor <command> [options]\n\ncommands:\n${lines.join('\n')}\n\nRun 'apisensor <command> --help' for a command's options.`;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '-h' || command === '--help' || command === 'help') {
    process.stdout.write(usage() + '\n');
    return command === undefined ? 2 : 0;
  }
  if (command === '--version') {
    process.stdout.write('apisensor 0.1.0\n');
    return 0;
  }
  const entry = COMMANDS[command];
  if (!entry) throw new UsageError(`unknown command '${command}' (commands: ${Object.keys(COMMANDS).join(', ')}; see apisensor --help)`);
  return entry.run(rest);
}

/** True for the error of a write to a pipe whose reader has gone. */
function isBrokenPipe(err: unknown): boolean {
  return (err as NodeJS.ErrnoException | null)?.code === 'EPIPE';
}

/** Ends the process quietly: the reader of stdout is gone (see the file docstring). */
function exitOnBrokenPipe(): never {
  process.exit(0);
}

process.stdout.on('error', (err) => {
  if (isBrokenPipe(err)) exitOnBrokenPipe();
  process.stderr.write(`apisensor: cannot write to stdout (${(err as NodeJS.ErrnoException).code ?? err.message})\n`);
  process.exit(1);
});

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (isBrokenPipe(err)) exitOnBrokenPipe();
    if (err instanceof ApisensorError) {
      process.stderr.write(`apisensor: ${err.message} [${err.code}]\n`);
      process.exitCode = err.exitCode;
    } else {
      process.stderr.write(`apisensor: internal error: ${(err as Error)?.stack ?? String(err)}\n`);
      process.exitCode = 1;
    }
  },
);
