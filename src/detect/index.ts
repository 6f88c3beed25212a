/**
 * Abuse detection (issue 4): public surface for the replay path and the CLI.
 *
 *   // worker side, where headers and body samples exist (per transaction):
 *   const builder = new DetectionInputBuilder({ resolver: new PrincipalResolver({ salt, trustedProxies }), classifier: new DataClassifier({ salt }) });
 *   const input = builder.build(record);                    // structured-cloneable
 *   // main thread, in the replay's deterministic order:
 *   const engine = new DetectionEngine({ detectors: createDefaultDetectors({ rateRules: loadRateRules(file), spec }), templater, onFinding });
 *   engine.observe(input); … engine.finish();
 *
 * Counted events (builder.events): `detect.input_params_cap`, `detect.input_ids_cap`,
 * `detect.body_unparsed`. Errors (UsageError codes): `ERR_RULES_READ`,
 * `ERR_RULES_PARSE`, `ERR_RULES_INVALID` (rate-rules.ts).
 */
export { PrincipalResolver, maskCredential, type PrincipalResolverOptions, type ResolvedPrincipal } from './principal.js';
export { DetectionInputBuilder, type DetectionInput, type DetectionInputBuilderOptions } from './detection-input.js';
export { DetectionEngine, type DetectionEngineOptions, type DetectionEngineStats } from './detection-engine.js';
export type { Detector, DetectorStats, DetectionContext, FindingDraft } from './detector.js';
export { createDefaultDetectors, type DefaultDetectorOptions } from './default-detectors.js';
export { loadRateRules, parseRateRules, DEFAULT_RATE_RULES, type RateRule } from './rate-rules.js';
export { OWASP_BY_TYPE, OWASP_API_2023 } from './owasp.js';
export { INJECTION_SIGNATURES, type InjectionClass } from './injection-signatures.js';
