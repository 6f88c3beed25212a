/**
 * Named, counted events: the apisensor equivalent of Zeek's weirds and
 * Suricata's decoder events. Malformed or unsupported input increments a
 * counter; it never throws.
 *
 * Names are dotted, lower-case, stable: `decode.ipv4_hlen_too_small`,
 * `tcp.overlap_inconsistent`, `http.parse_error`. The run summary lists them.
 */
export class EventCounter {
  #counts = new Map<string, number>();

  /** Add `n` (default 1) occurrences of event `name`. */
  add(name: string, n = 1): void {
    this.#counts.set(name, (this.#counts.get(name) ?? 0) + n);
  }

  get(name: string): number {
    return this.#counts.get(name) ?? 0;
  }

  /** Fold in counts produced elsewhere (another worker, a previous batch). */
  merge(counts: Readonly<Record<string, number>>): void {
    for (const name of Object.keys(counts)) this.add(name, counts[name]!);
  }

  /** Plain object, keys sorted, safe to structured-clone or JSON-encode. */
  toJSON(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const name of [...this.#counts.keys()].sort()) out[name] = this.#counts.get(name)!;
    return out;
  }

  /** Return the counts and start again from zero (per-batch deltas). */
  drain(): Record<string, number> {
    const out = this.toJSON();
    this.#counts.clear();
    return out;
  }
}
