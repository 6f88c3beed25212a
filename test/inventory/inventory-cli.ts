/**
 * Runs `apisensor inventory ARGS` in-process (inventoryCommand) and collects
 * what it writes to stdout.
 */
import { vi } from 'vitest';
import { inventoryCommand } from '../../src/cli/inventory-command.js';

export async function runInventory(...args: string[]): Promise<{ code: number; out: string }> {
  let out = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  });
  try {
    return { code: await inventoryCommand(args), out };
  } finally {
    spy.mockRestore();
  }
}
