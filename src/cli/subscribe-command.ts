/**
 * `apisensor subscribe URL --token T [filters]`: a collector for the findings
 * stream. Prints each finding as one JSON line on stdout (inventory events,
 * with `--channel inventory`, as their whole message); status and gaps go to
 * stderr. Reconnects with exponential backoff and resumes from the last seq
 * printed, so a restart of the network or of the sensor's service loses
 * nothing the ring buffer still holds; what it no longer holds is reported
 * as a gap on stderr (`apisensor: gap: seq A..B lost`).
 *
 * Exit codes: 0 stopped by SIGINT / SIGTERM; 1 gave up (`--max-retries`);
 * 2 usage; 3 the server refused (auth, origin, filter) or the token expired.
 */
import { readFileSync } from 'node:fs';
import { UsageError } from '../errors.js';
import { parseCommandArgs } from './cli-args.js';
import { jsonlLine } from '../findings/finding-sink.js';
import { validateFilter, type StreamFilter } from '../serve/stream-filter.js';
import { StreamSubscriber, type StreamSubscriberOptions } from '../serve/stream-subscriber.js';

export const SUBSCRIBE_USAGE = `usage: apisensor subscribe URL [options]

Print findings from an apisensor service (URL: ws://host:port, wss://..., or http(s)://...) as JSONL.

options:
  --token T             bearer token (default: APISENSOR_TOKEN)
  --min-severity S      info, low, medium, high or critical
  --type T              finding type (repeatable, or comma-separated)
  --host H              endpoint host (repeatable)
  --endpoint E          'METHOD /path/template' or '/path/template' (repeatable)
  --channel C           findings (default), inventory, or findings,inventory for both
  --since SEQ           start after this seq (default: live from now)
  --encoding E          json (default) or msgpack
  --max-retries N       give up after N consecutive failed connects (default: never)
  --ca FILE             CA certificate (PEM) for a wss:// server with a private CA
  --insecure            do not verify the server's TLS certificate
  -h, --help            this help`;

function parse(args: string[]) {
  return parseCommandArgs('subscribe', args, {
    token: { type: 'string' },
    'min-severity': { type: 'string' },
    type: { type: 'string', multiple: true },
    host: { type: 'string', multiple: true },
    endpoint: { type: 'string', multiple: true },
    channel: { type: 'string', multiple: true },
    since: { type: 'string' },
    encoding: { type: 'string' },
    'max-retries': { type: 'string' },
    ca: { type: 'string' },
    insecure: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
}

export async function subscribeCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse(args);
  if (values.help) {
    process.stdout.write(SUBSCRIBE_USAGE + '\n');
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError('subscribe needs exactly one URL (see apisensor subscribe --help)');
  for (const c of (values.channel ?? []).flatMap((v) => v.split(',')).map((v) => v.trim())) {
    if (c !== '' && c !== 'findings' && c !== 'inventory') {
      throw new UsageError(`--channel takes findings, inventory or findings,inventory (both), got '${c}'`, 'ERR_BAD_FILTER');
    }
  }
  let filter: StreamFilter;
  try {
    filter = validateFilter({
      minSeverity: values['min-severity'], types: values.type, hosts: values.host, endpoints: values.endpoint, channels: values.channel,
    });
  } catch (err) {
    throw new UsageError((err as Error).message, 'ERR_BAD_FILTER');
  }
  const encoding = values.encoding ?? 'json';
  if (encoding !== 'json' && encoding !== 'msgpack') throw new UsageError(`--encoding: json or msgpack, got '${encoding}'`);
  const intFlag = (name: string, v: string | undefined): number | undefined => {
    if (v === undefined) return undefined;
    if (!/^\d{1,15}$/.test(v)) throw new UsageError(`--${name} takes an integer ≥ 0, got '${v}'`);
    return Number(v);
  };
  const since = intFlag('since', values.since);
  const maxRetries = intFlag('max-retries', values['max-retries']);
  const token = values.token ?? process.env.APISENSOR_TOKEN;
  try {
    new URL(positionals[0]!);
  } catch {
    throw new UsageError(`not a URL: ${positionals[0]}`);
  }

  const stdout = process.stdout;
  let sub: StreamSubscriber | null = null;
  const opts: StreamSubscriberOptions = {
    url: positionals[0]!,
    filter,
    encoding,
    since: since ?? null,
    onMessage: (msg) => {
      if (!stdout.write(jsonlLine(msg))) {
        stdout.once('drain', () => sub?.resume());
        return false;
      }
      return true;
    },
    onGap: (from, to) => process.stderr.write(`apisensor: gap: seq ${from}..${to} lost (beyond the service's ring buffer)\n`),
    onStatus: (text) => process.stderr.write(`apisensor: ${text}\n`),
  };
  if (token !== undefined) opts.token = token;
  if (maxRetries !== undefined) opts.maxRetries = maxRetries;
  if (values.insecure) opts.insecure = true;
  if (values.ca !== undefined) {
    try {
      opts.ca = readFileSync(values.ca);
    } catch (err) {
      throw new UsageError(`${values.ca}: cannot read CA file: ${(err as Error).message}`);
    }
  }
  sub = new StreamSubscriber(opts);
  const s = sub;
  const stop = (): void => s.stop();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    await s.run();
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
  await new Promise<void>((resolve) => stdout.write('', () => resolve()));
  return 0;
}
