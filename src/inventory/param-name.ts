/**
 * Parameter names for path templates, derived from the parent segment
 * (`/users/{userId}`, `/categories/{categoryId}`, `/files/{fileName}.pdf`).
 */

const IRREGULAR: Readonly<Record<string, string>> = {
  people: 'person', children: 'child', men: 'man', women: 'woman', mice: 'mouse',
  indices: 'index', matrices: 'matrix', vertices: 'vertex', analyses: 'analysis',
  data: 'data', media: 'media', news: 'news', series: 'series', species: 'species',
};

/** English singular of a lower-case plural noun (`categories` → `category`); other words unchanged. */
export function singularize(word: string): string {
  const w = word.toLowerCase();
  const irregular = IRREGULAR[w];
  if (irregular !== undefined) return irregular;
  if (w.length > 3 && w.endsWith('ies')) return w.slice(0, -3) + 'y';
  if (w.length > 4 && /(?:sses|xes|zes|ches|shes)$/.test(w)) return w.slice(0, -2);
  if (w.length > 2 && w.endsWith('s') && !/(?:ss|us|is|os)$/.test(w)) return w.slice(0, -1);
  return w;
}

/** `user-groups` → `userGroups`; non-alphanumerics split words; empty when nothing usable. */
export function camelCase(label: string): string {
  const words = label.split(/[^A-Za-z0-9]+/).filter((w) => w.length > 0);
  return words
    .map((w, i) => (i === 0 ? w.charAt(0).toLowerCase() + w.slice(1) : w.charAt(0).toUpperCase() + w.slice(1)))
    .join('');
}

/**
 * Name of a parameter whose parent segment is `parentLabel` (null when the
 * parent is the root, a parameter, `api` or a version segment): the singular
 * of the last word + `Id` (or `Name` for a file name), else `id` / `name`.
 * `used` holds names already taken in the same template; a clash gets `2`, `3`…
 */
export function paramName(parentLabel: string | null, isFile: boolean, used: ReadonlySet<string>): string {
  const suffix = isFile ? 'Name' : 'Id';
  let base = isFile ? 'name' : 'id';
  if (parentLabel !== null) {
    const camel = camelCase(parentLabel);
    if (camel.length > 0 && !/^\d/.test(camel)) {
      const m = /^(.*?)([A-Z]?[a-z0-9]*)$/.exec(camel)!;
      const last = singularize(m[2]!);
      const head = m[1]!;
      base = (head.length > 0 ? head + last.charAt(0).toUpperCase() + last.slice(1) : last) + suffix;
    }
  }
  if (!used.has(base)) return base;
  for (let i = 2; ; i++) if (!used.has(`${base}${i}`)) return `${base}${i}`;
}
