/**
 * The standard detector set, in the fixed order the engine runs them (the
 * order is part of determinism: it decides `seq` within one transaction).
 */
import type { LoadedSpec } from '../inventory/spec-diff.js';
import { BadBotDetector, type BadBotOptions } from './bad-bot-detector.js';
import { BolaDetector, type BolaOptions } from './bola-detector.js';
import { CredentialAttackDetector, type CredentialAttackOptions } from './credential-attack-detector.js';
import type { Detector } from './detector.js';
import { ExposureDetector, type ExposureOptions } from './exposure-detector.js';
import { InjectionDetector, type InjectionOptions } from './injection-detector.js';
import { RateLimitDetector } from './rate-limit-detector.js';
import type { RateRule } from './rate-rules.js';
import { ScanningDetector, type ScanningOptions } from './scanning-detector.js';
import { ShadowApiDetector } from './shadow-api-detector.js';

export interface DefaultDetectorOptions {
  credential?: CredentialAttackOptions;
  rateRules?: readonly RateRule[];
  bola?: BolaOptions;
  scanning?: ScanningOptions;
  injection?: InjectionOptions;
  exposure?: ExposureOptions;
  badBot?: BadBotOptions;
  spec?: LoadedSpec | null;
}

export function createDefaultDetectors(options: DefaultDetectorOptions = {}): Detector[] {
  return [
    new CredentialAttackDetector(options.credential),
    new RateLimitDetector(options.rateRules ? { rules: options.rateRules } : {}),
    new BolaDetector(options.bola),
    new ScanningDetector(options.scanning),
    new InjectionDetector(options.injection),
    new ExposureDetector(options.exposure),
    new BadBotDetector(options.badBot),
    new ShadowApiDetector({ spec: options.spec ?? null }),
  ];
}
