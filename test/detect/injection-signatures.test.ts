// One test per injection signature: a payload that must match (taken from the
// OWASP WSTG examples or from what sqlmap sent in pcaps/attacks/sqlmap-injection.pcap)
// and a benign look-alike that must not.
import { describe, expect, it } from 'vitest';
import { INJECTION_SIGNATURES, matchSignatures, type SignatureHit } from '../../src/detect/injection-signatures.js';
import { InjectionDetector } from '../../src/detect/injection-detector.js';
import { T0, input, run } from './fixtures.js';

const CASES: Record<string, { hit: [string, string]; miss: [string, string] }> = {
  'sqli-tautology-quoted': { hit: ['query.user', "admin' OR '1'='1"], miss: ['query.q', "o'reilly or similar"] },
  'sqli-boolean-numeric': { hit: ['query.q', 'shoe AND 7316=7316'], miss: ['query.q', 'rock and 2 rolls = fun'] },
  'sqli-union-select': { hit: ['query.id', '1 UNION ALL SELECT NULL,NULL'], miss: ['query.q', 'union selection committee'] },
  'sqli-comment-terminator': { hit: ['body.username', "admin'--"], miss: ['query.q', 'pages 10--20'] },
  'sqli-stacked-query': { hit: ['query.id', '1; DROP TABLE users'], miss: ['query.q', 'a; b; c'] },
  'sqli-time-delay': { hit: ['query.id', '1 AND SLEEP(5)'], miss: ['query.q', 'sleep mode'] },
  'sqli-catalog-functions': { hit: ['query.q', "x' AND EXTRACTVALUE(1,CONCAT(0x5c,1))"], miss: ['query.q', 'schema information'] },
  'sqli-subquery-char': { hit: ['query.q', '(SELECT (CASE WHEN (1=1) THEN 1 ELSE 0 END))'], miss: ['query.q', '(selected items)'] },
  'sqli-order-by-probe': { hit: ['query.q', 'shoe ORDER BY 1-- njeP'], miss: ['query.sort', 'order by name'] },
  'sqli-unbalanced-quote-paren': { hit: ['query.q', 'shoe()(\'.,((."'], miss: ['query.q', "it's (fine)."] },
  'xss-script-tag': { hit: ['query.q', '<script>alert(1)</script>'], miss: ['query.q', 'javascripts and descriptions'] },
  'xss-event-handler': { hit: ['query.q', '<img src=x onerror=alert(1)>'], miss: ['query.q', 'one=1 online=yes'] },
  'xss-javascript-uri': { hit: ['query.next', 'javascript:alert(document.domain)'], miss: ['query.q', 'learn javascript fast'] },
  'xss-active-tags': { hit: ['body.bio', '<svg/onload=alert(1)>'], miss: ['body.bio', 'an svg file'] },
  'xss-dom-sinks': { hit: ['query.q', 'x"+alert(1)+"'], miss: ['query.q', 'red alert level'] },
  'trav-dotdot': { hit: ['query.file', '../../../etc/hosts'], miss: ['query.file', 'my..file.txt'] },
  'trav-sensitive-file': { hit: ['query.file', '/etc/passwd'], miss: ['query.file', '/etc/app/config'] },
  'cmd-separator-command': { hit: ['query.host', '127.0.0.1; cat /etc/hosts'], miss: ['query.q', 'cats; dogs'] },
  'cmd-substitution': { hit: ['query.name', '$(whoami)'], miss: ['query.price', '$5 (approx)'] },
  'cmd-shellshock': { hit: ['header.user-agent', '() { :; }; /bin/bash -c id'], miss: ['header.user-agent', 'Mozilla/5.0 (X11)'] },
  'ssrf-internal-url': { hit: ['query.url', 'http://169.254.169.254/latest/meta-data/'], miss: ['query.url', 'https://www.example.com/img.png'] },
  'ssrf-dangerous-scheme': { hit: ['body.webhook', 'gopher://127.0.0.1:6379/_INFO'], miss: ['body.webhook', 'https://hooks.example.com/x'] },
};

function ids(loc: string, v: string): string[] {
  const out: SignatureHit[] = [];
  matchSignatures(loc, v, out);
  return out.map((h) => h.id);
}

describe('injection signatures', () => {
  it('every signature has a test case', () => {
    expect(Object.keys(CASES).sort()).toEqual(INJECTION_SIGNATURES.map((s) => s.id).sort());
  });
  for (const sig of INJECTION_SIGNATURES) {
    it(`${sig.id} (${sig.cls})`, () => {
      const c = CASES[sig.id]!;
      expect(ids(...c.hit)).toContain(sig.id);
      expect(ids(...c.miss)).not.toContain(sig.id);
    });
  }
  it('double percent-encoding is decoded once more', () => {
    expect(ids('query.file', '%2e%2e%2f%2e%2e%2fetc%2fpasswd')).toEqual(['trav-dotdot', 'trav-sensitive-file']);
  });
  it('SSRF signatures apply to query and body values only', () => {
    expect(ids('header.referer', 'http://127.0.0.1/')).toEqual([]);
    expect(ids('query.u', 'http://2130706433/')).toEqual(['ssrf-internal-url']);
  });
});

describe('InjectionDetector', () => {
  it('one episode per principal and class; SSRF is API7:2023; a 5xx answer makes it high', () => {
    const { findings } = run([new InjectionDetector()], [
      // sqli-union-select only ("1--": no quote before the comment), then sqli-tautology-quoted.
      input({ ts: T0, uri: '/p?q=x', params: [['query.q', "x' UNION SELECT 1--"]] }),
      input({ ts: T0 + 1, uri: '/p?q=y', params: [['query.q', "y' OR '1'='1"]], status: 500 }),
      input({ ts: T0 + 2, uri: '/f?url=x', params: [['query.url', 'http://localhost:8080/admin']] }),
    ]);
    expect(findings.map((f) => [f.type, f.severity, f.owaspApi, f.counts])).toEqual([
      ['injection_attempt', 'high', 'API8:2023', { requests: 2, serverErrors: 1, signatures: 2 }],
      ['injection_attempt', 'medium', 'API7:2023', { requests: 1, serverErrors: 0, signatures: 1 }],
    ]);
    expect(findings[0]!.evidence.notes).toEqual(['class sqli', "sqli-union-select in query.q: x' UNION SELECT 1--", "sqli-tautology-quoted in query.q: y' OR '1'='1"]);
  });
});
