#!/usr/bin/env node
/**
 * `apisensor` command line: dispatches to one module per sub-command.
 *
 * Exit codes: 0 success; 1 a capture was damaged (everything before the damage
 * was processed and reported) or an internal error; 2 a usage error (unknown
 * command or flag, bad value, missing or unreadable file, not a capture file).
 * User errors print one line `apisensor: ...` and no stack trace.
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

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof ApisensorError) {
      process.stderr.write(`apisensor: ${err.message} [${err.code}]\n`);
      process.exitCode = err.exitCode;
    } else {
      process.stderr.write(`apisensor: internal error: ${(err as Error)?.stack ?? String(err)}\n`);
      process.exitCode = 1;
    }
  },
);
