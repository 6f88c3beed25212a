/**
 * Curated injection signatures (issue 4 §2). No maintained injection
 * detection library (a libinjection port) is published for Node 20, so these
 * are our own: each has a stable id, a class and one test in
 * test/detect/injection-signatures.test.ts with a payload that must match and
 * a benign look-alike that must not.
 *
 * Values are matched after one extra percent-decoding pass (double encoding)
 * and with SQL comments `/​**​/` turned into spaces. Sources: OWASP Testing Guide
 * v4.2 (WSTG-INPV-05 SQLi, -01 XSS, WSTG-ATHZ-01 traversal, WSTG-INPV-12
 * command injection), OWASP SSRF Prevention Cheat Sheet, and the payload
 * shapes sqlmap 1.7 sends at level 1.
 */
export type InjectionClass = 'sqli' | 'xss' | 'path_traversal' | 'os_command' | 'ssrf';

export interface InjectionSignature {
  id: string;
  cls: InjectionClass;
  description: string;
  test: (value: string) => boolean;
}

const re = (r: RegExp) => (v: string) => r.test(v);

/** Hosts and schemes that point back inside the server's network (SSRF). */
const INTERNAL_HOST_RE = /^(?:localhost|127(?:\.\d{1,3}){3}|0\.0\.0\.0|0|10(?:\.\d{1,3}){3}|192\.168(?:\.\d{1,3}){2}|172\.(?:1[6-9]|2\d|3[01])(?:\.\d{1,3}){2}|169\.254(?:\.\d{1,3}){2}|\[(?:::1?|fe80:[^\]]*|f[cd][0-9a-f]{2}:[^\]]*)\]|metadata\.google\.internal|metadata|[^./]+\.(?:internal|local|localdomain))$/i;

function internalUrl(v: string): boolean {
  const m = /^\s*(?:https?|ftp|gopher|dict|ldap):\/\/(?:[^@/?#]*@)?(\[[^\]]+\]|[^:/?#]+)/i.exec(v);
  if (!m) return false;
  const host = m[1]!;
  if (INTERNAL_HOST_RE.test(host)) return true;
  // Decimal or hex IPv4 forms (http://2130706433/, http://0x7f000001/).
  return /^(?:\d{8,10}|0x[0-9a-f]{8})$/i.test(host);
}

/** sqlmap's heuristic probe: random `'"().,` soup that breaks any quoting context. */
function quoteParenSoup(v: string): boolean {
  const runs = v.match(/['"(),.]{5,}/g);
  return runs !== null && runs.some((r) => /['"]/.test(r) && /[()]/.test(r));
}

export const INJECTION_SIGNATURES: readonly InjectionSignature[] = Object.freeze([
  { id: 'sqli-tautology-quoted', cls: 'sqli', description: "quote closed then OR/AND comparison ('1' OR '1'='1')", test: re(/['"`]\s*\)*\s*(?:or|and|\|\||&&)\s+\(*\s*['"`]?[\w]*['"`]?\s*(?:=|<>|!=|like\b|<|>)/i) },
  { id: 'sqli-boolean-numeric', cls: 'sqli', description: 'numeric boolean test (AND 1234=1234)', test: re(/(?:^|[\s'")])(?:and|or|&&|\|\|)\s+\(*-?\d+\s*(?:=|<>|!=|<|>)\s*-?\d+/i) },
  { id: 'sqli-union-select', cls: 'sqli', description: 'UNION [ALL] SELECT', test: re(/\bunion\b(?:\s+(?:all|distinct))?\s+\(*\s*select\b/i) },
  { id: 'sqli-comment-terminator', cls: 'sqli', description: 'quote or parenthesis followed by a comment (admin\'--)', test: re(/['"`)]\s*(?:--(?:\s|$|[^-])|#|\/\*)/) },
  { id: 'sqli-stacked-query', cls: 'sqli', description: 'statement separator then a SQL verb (; DROP TABLE)', test: re(/;\s*(?:drop|delete|insert|update|select|shutdown|exec(?:ute)?|declare|create|alter|truncate)\s/i) },
  { id: 'sqli-time-delay', cls: 'sqli', description: 'time-based delay functions (SLEEP(5), WAITFOR DELAY)', test: re(/\b(?:sleep|pg_sleep|dbms_lock\.sleep)\s*\(\s*\d|\bbenchmark\s*\(\s*\d|\bwaitfor\s+delay\s+['"]/i) },
  { id: 'sqli-catalog-functions', cls: 'sqli', description: 'catalog tables and dangerous functions (information_schema, xp_cmdshell, load_file)', test: re(/\b(?:information_schema|sysobjects|pg_catalog|sqlite_master|xp_cmdshell|load_file\s*\(|into\s+(?:out|dump)file|extractvalue\s*\(|updatexml\s*\(|utl_inaddr|dbms_pipe)/i) },
  { id: 'sqli-subquery-char', cls: 'sqli', description: 'sub-select or CHAR()/CHR() concatenation', test: re(/\(\s*select\b[\s\S]{0,200}\bfrom\b|\(\s*select\s+\(?\s*(?:case|char|chr|concat|count|\d)|\b(?:char|chr)\s*\(\s*\d+\s*\)\s*(?:\|\||\+|,)/i) },
  { id: 'sqli-order-by-probe', cls: 'sqli', description: 'ORDER BY n column-count probe ended by a comment', test: re(/\border\s+by\s+\d+\s*(?:--|#|\/\*)/i) },
  { id: 'sqli-unbalanced-quote-paren', cls: 'sqli', description: "error probe: a run of 5+ quote/paren/punctuation characters with a quote and a parenthesis (()('.,((.\")", test: quoteParenSoup },
  { id: 'xss-script-tag', cls: 'xss', description: '<script> tag', test: re(/<\s*\/?\s*script\b/i) },
  { id: 'xss-event-handler', cls: 'xss', description: 'tag with an on* event handler (<img onerror=…>)', test: re(/<[a-z][^>]*[\s/"']on[a-z]{3,}\s*=/i) },
  { id: 'xss-javascript-uri', cls: 'xss', description: 'javascript: / vbscript: URI', test: re(/(?:^|[\s"'=(])(?:javascript|vbscript)\s*:/i) },
  { id: 'xss-active-tags', cls: 'xss', description: '<iframe>, <svg>, <object>, <embed> tags', test: re(/<\s*(?:iframe|svg|object|embed|frameset|math)\b/i) },
  { id: 'xss-dom-sinks', cls: 'xss', description: 'script sinks in a value (document.cookie, alert(…))', test: re(/\bdocument\s*\.\s*(?:cookie|domain|write)\b|\b(?:alert|prompt|confirm)\s*\(\s*(?:\d|['"`]|document)/i) },
  { id: 'trav-dotdot', cls: 'path_traversal', description: '../ or ..\\ segments', test: re(/(?:^|[\\/=])\.\.(?:[\\/]|$)/) },
  { id: 'trav-sensitive-file', cls: 'path_traversal', description: 'well-known system files (/etc/passwd, win.ini)', test: re(/\/etc\/(?:passwd|shadow|hosts|group)\b|\b(?:boot|win)\.ini\b|\/proc\/self\/|c:\\windows\\/i) },
  { id: 'cmd-separator-command', cls: 'os_command', description: 'shell separator then a command (; cat /etc/passwd, | id)', test: re(/(?:[;&|`\n]|\$\()\s*(?:cat|ls|id|whoami|uname|wget|curl|nc|ncat|bash|sh|ping|nslookup|sleep|powershell|cmd(?:\.exe)?)(?:\s|$|[;&|`)])/i) },
  { id: 'cmd-substitution', cls: 'os_command', description: 'command substitution $(…) or `…`', test: re(/\$\(\s*[a-z]+[^)]*\)|`\s*[a-z]+(?:\s[^`]*)?`/i) },
  { id: 'cmd-shellshock', cls: 'os_command', description: 'Shellshock function definition () { :; };', test: re(/\(\s*\)\s*\{\s*:?\s*;?\s*\}\s*;/) },
  { id: 'ssrf-internal-url', cls: 'ssrf', description: 'URL to loopback, private, link-local or metadata hosts', test: internalUrl },
  { id: 'ssrf-dangerous-scheme', cls: 'ssrf', description: 'file:, gopher:, dict:, ldap: URLs', test: re(/^\s*(?:file|gopher|dict|ldap|jar|netdoc|php|expect):\/{1,3}/i) },
]);

/** Quick filter: a value with none of these characters or words cannot match any signature. */
const MAYBE = /['"`<>;|&$(){}\\#]|\.\.|\/\/|--|\/etc\/|\/proc\/|\.ini\b|\bunion\b|\bselect\b|\bsleep\b|\bor\b|\band\b|\border\b|:\/|%/i;

/** Normalized forms to match: as given, and once more percent-decoded with SQL comments removed. */
function forms(value: string): string[] {
  let v = value;
  if (v.includes('%')) {
    try { v = decodeURIComponent(v); } catch { /* keep */ }
  }
  v = v.replace(/\/\*.*?\*\//g, ' ');
  return v === value ? [value] : [value, v];
}

export interface SignatureHit {
  id: string;
  cls: InjectionClass;
  location: string;
}

/** Signatures matched by one value (at most one hit per signature id). */
export function matchSignatures(location: string, value: string, out: SignatureHit[]): void {
  if (!MAYBE.test(value)) return;
  const fs = forms(value);
  for (const sig of INJECTION_SIGNATURES) {
    if (sig.cls === 'ssrf' && !location.startsWith('query.') && !location.startsWith('body.')) continue;
    if (sig.id === 'trav-dotdot' && location === 'path') {
      // A request path cannot carry `..` past the client's normalization unless sent on purpose (RFC 3986 §5.2.4).
      if (!fs.some((f) => /(?:^|\/)\.\.(?:\/|$)/.test(f))) continue;
    }
    if (fs.some((f) => sig.test(f))) out.push({ id: sig.id, cls: sig.cls, location });
  }
}
