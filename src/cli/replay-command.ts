/**
 * `apisensor replay FILE...`: replays capture files through the pipeline and
 * reports transactions and the run summary. Returns the exit code.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { UsageError } from '../errors.js';
import { parseCommandArgs, openTransactionsWriter, waitForSignal, formatJsonSummary } from './cli-args.js';
import { CaptureFile } from '../capture/capture-file.js';
import { replayFiles, defaultWorkerCount } from '../replay/replay.js';
import { formatSummary } from '../replay/summary.js';
import { transactionToJson } from '../replay/transaction-jsonl.js';
import type { TransactionRecord } from '../http/transaction-record.js';
import { DEFAULT_DB_FILE } from '../inventory/inventory-session.js';
import { AnalysisSession } from '../replay/analysis-session.js';
import { SERVE_ARG_OPTIONS, serviceOptionsFromArgs } from './serve-command.js';
import { analysisJson, analysisOptionsFromArgs, ANALYSIS_ARG_OPTIONS, ANALYSIS_USAGE, formatAnalysis } from './analysis-args.js';

export const REPLAY_USAGE = `usage: apisensor replay FILE... [options]

Replay pcap / pcapng files (optionally gzip-compressed) in order, as one capture.

options:
  --transactions FILE       write one JSON object per HTTP transaction (JSONL; '-' for stdout)
  --json                    print the end-of-run summary as JSON (one line after the
                            transactions with --transactions -)
  --workers N               worker threads (default: cores - 1, at least 1; 0 = single thread)
  --list N                  print the first N transactions as a table (default 20; 0 with --json)
  --quiet                   print nothing but errors
${ANALYSIS_USAGE}
  -h, --help                this help`;

function parse(args: string[]) {
  return parseCommandArgs('replay', args, {
    transactions: { type: 'string' },
    json: { type: 'boolean' },
    workers: { type: 'string' },
    list: { type: 'string' },
    quiet: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
    ...ANALYSIS_ARG_OPTIONS,
    ...SERVE_ARG_OPTIONS,
  });
}

function nonNegativeInt(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^\d{1,15}$/.test(value)) throw new UsageError(`--${flag} takes an integer ≥ 0, got '${value}'`);
  return Number(value);
}

function checkReadable(file: string): void {
  try {
    accessSync(file, constants.R_OK);
    if (statSync(file).isDirectory()) throw new UsageError(`${file}: is a directory, not a capture file`, 'ERR_CAPTURE_OPEN');
  } catch (err) {
    if (err instanceof UsageError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : String(code);
    throw new UsageError(`${file}: cannot read capture file (${why})`, 'ERR_CAPTURE_OPEN');
  }
}

export async function replayCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse(args);
  if (values.help) {
    process.stdout.write(REPLAY_USAGE + '\n');
    return 0;
  }
  if (positionals.length === 0) throw new UsageError('replay needs at least one capture file (see apisensor --help)');
  for (const file of positionals) checkReadable(file);
  for (const file of positionals) await (await CaptureFile.open(file)).close();
  const workers = nonNegativeInt('workers', values.workers, defaultWorkerCount());
  const listLimit = nonNegativeInt('list', values.list, values.json || values.quiet ? 0 : 20);

  const analysis = await AnalysisSession.open(
    analysisOptionsFromArgs(values, DEFAULT_DB_FILE, values.serve ? serviceOptionsFromArgs(values) : null),
  );
  try {
    const writer = values.transactions ? openTransactionsWriter(values.transactions) : null;
    const listed: TransactionRecord[] = [];
    const onTransaction = (record: TransactionRecord): void => {
      writer?.write(transactionToJson(record));
      if (listed.length < listLimit) listed.push(record);
      analysis.record(record);
    };

    let result;
    try {
      result = await replayFiles(positionals, { workers, onTransaction, withDetail: analysis.needsDetail });
    } finally {
      writer?.close();
    }
    const analyzed = analysis.finish();
    const { packets, gaps, flows, transactions } = result.summary;
    analysis.noteTotals({ packets, gaps, flows, transactions });

    if (!values.quiet) {
      if (values.json) {
        process.stdout.write(formatJsonSummary({ ...result.summary, analysis: analysisJson(analyzed) }, values.transactions === '-'));
      } else {
        if (listed.length > 0) process.stdout.write(formatTransactionTable(listed, result.summary.transactions) + '\n\n');
        const text = formatAnalysis(analyzed);
        if (text) process.stdout.write(text + '\n\n');
        process.stdout.write(formatSummary(result.summary) + '\n');
      }
    }
    if (analysis.service) {
      // Listen for the signal before saying so: a client may send it as soon as it reads the line.
      const stopped = waitForSignal();
      process.stderr.write(`apisensor: replay done; serving findings on ${analysis.service.url} until Ctrl-C\n`);
      await stopped;
    }
    if (result.error) {
      process.stderr.write(`apisensor: ${result.error.message}${'code' in result.error ? ` [${String(result.error.code)}]` : ''}\n`);
      return 1;
    }
    return 0;
  } finally {
    await analysis.close();
  }
}


function formatTransactionTable(rows: TransactionRecord[], total: number): string {
  const lines = rows.map((t) => {
    const status = t.status === null ? '---' : String(t.status);
    const target = `${t.host ?? t.serverIp}${t.uri ?? ''}`;
    const flags = t.flags.length > 0 ? `  [${t.flags.join(',')}]` : '';
    return `  ${(t.method ?? '-').padEnd(7)} ${status}  ${target}${flags}`;
  });
  const more = total > rows.length ? `\n  ... ${total - rows.length} more (use --transactions FILE.jsonl for all)` : '';
  return `transactions (first ${rows.length} of ${total}):\n${lines.join('\n')}${more}`;
}

