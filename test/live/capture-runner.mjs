#!/usr/bin/env node
/**
 * Runs the compiled `apisensor capture` command exactly as the CLI entry does
 * (one line `apisensor: ...` and the error's exit code for ApisensorErrors),
 * for tests while the command is not yet registered in src/cli/main.ts.
 * Usage: node test/live/capture-runner.mjs [capture options]
 */
const root = new URL('../../', import.meta.url);
const { captureCommand } = await import(new URL('dist/src/cli/capture-command.js', root).href);
const { ApisensorError } = await import(new URL('dist/src/errors.js', root).href);
try {
  process.exitCode = await captureCommand(process.argv.slice(2));
} catch (err) {
  if (err instanceof ApisensorError) {
    process.stderr.write(`apisensor: ${err.message}\n`);
    process.exitCode = err.exitCode;
  } else {
    process.stderr.write(`apisensor: internal error: ${err?.stack ?? String(err)}\n`);
    process.exitCode = 1;
  }
}
