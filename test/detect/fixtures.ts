// Hand-built DetectionInputs for detector unit tests, and a runner that feeds
// them through a DetectionEngine and returns what was emitted.
import type { DetectionInput } from '../../src/detect/detection-input.js';
import type { Detector } from '../../src/detect/detector.js';
import { DetectionEngine, type DetectionEngineOptions } from '../../src/detect/detection-engine.js';
import type { Finding } from '../../src/findings/finding.js';

/** T0: 2023-11-14T22:13:20Z, a round packet time. */
export const T0 = 1_700_000_000;

let uid = 0;

export function input(over: Partial<DetectionInput> = {}): DetectionInput {
  const clientIp = over.principal?.clientIp ?? '192.0.2.10';
  return {
    uid: `C${++uid}`,
    transDepth: 0,
    ts: T0,
    peerIp: clientIp,
    serverIp: '198.51.100.1',
    serverPort: 80,
    host: 'api.example.com',
    tenant: '',
    method: 'GET',
    uri: '/',
    status: 200,
    flags: [],
    userAgent: 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0',
    principal: { kind: 'ip', id: clientIp, clientIp, label: '' },
    headerNames: ['host', 'user-agent', 'accept', 'accept-language'],
    authSchemes: [],
    basicAuth: false,
    jwtAlg: null,
    jwtExp: null,
    login: null,
    params: [],
    urlSecrets: [],
    responseData: [],
    responseIds: [],
    ...over,
  };
}

export function ipPrincipal(ip: string): DetectionInput['principal'] {
  return { kind: 'ip', id: ip, clientIp: ip, label: '' };
}

export function resetUid(): void {
  uid = 0;
}

export function run(detectors: Detector[], inputs: DetectionInput[], options: Partial<DetectionEngineOptions> = {}): { emitted: Finding[]; findings: Finding[]; engine: DetectionEngine } {
  const emitted: Finding[] = [];
  const engine = new DetectionEngine({ detectors, onFinding: (f) => emitted.push(f), ...options });
  for (const i of inputs) engine.observe(i);
  const findings = engine.finish();
  return { emitted, findings, engine };
}
