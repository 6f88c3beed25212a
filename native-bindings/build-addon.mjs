#!/usr/bin/env node
/**
 * Builds the libpcap capture addon (native-bindings/build/Release/apisensor_pcap.node)
 * with node-gyp.
 *
 *   node native-bindings/build-addon.mjs             build; exit 1 on failure (npm run build:native)
 *   node native-bindings/build-addon.mjs --optional  build; on failure print a note and exit 0 (npm install)
 *
 * node-gyp is the one bundled with npm (npm sets npm_config_node_gyp for
 * scripts); Node's headers come from `npm config get nodedir` when set
 * (npm exports it as npm_config_nodedir), so no header download is needed on
 * machines with a system Node and its headers.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const optional = process.argv.includes('--optional');

function nodeGypCommand() {
  const fromNpm = process.env.npm_config_node_gyp;
  if (fromNpm && existsSync(fromNpm)) return [process.execPath, fromNpm];
  const bundled = path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
  if (existsSync(bundled)) return [process.execPath, bundled];
  return ['node-gyp'];
}

function note(reason) {
  process.stderr.write(
    `apisensor: the live-capture addon was not built (${reason}).\n` +
      '  Replay works without it. For `apisensor capture`: apt-get install libpcap-dev, then npm run build:native\n',
  );
}

if (!existsSync('/usr/include/pcap/pcap.h') && !existsSync('/usr/local/include/pcap/pcap.h') && optional) {
  note('libpcap headers not found');
  process.exit(0);
}

const [cmd, ...pre] = nodeGypCommand();
const args = [...pre, 'rebuild', '--directory', here];
if (process.env.npm_config_nodedir) args.push(`--nodedir=${process.env.npm_config_nodedir}`);
const r = spawnSync(cmd, args, { stdio: optional ? 'pipe' : 'inherit', encoding: 'utf8' });
if (r.status === 0) {
  if (optional) process.stderr.write('apisensor: live-capture addon built (native-bindings/build/Release/apisensor_pcap.node)\n');
  process.exit(0);
}
if (!optional) process.exit(r.status ?? 1);
const tail = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim().split('\n').filter((l) => /error/i.test(l)).slice(-3).join(' | ');
note(r.error ? r.error.message : tail || `node-gyp exit ${r.status}`);
process.exit(0);
