/**
 * OWASP API Security Top 10 2023 category of each finding type
 * (https://owasp.org/API-Security/editions/2023/en/0x11-t10/).
 * `injection_attempt` of class `ssrf` is API7:2023 (the detector overrides).
 */
import type { FindingType } from '../findings/finding.js';

export const OWASP_API_2023 = {
  API1: 'API1:2023', // Broken Object Level Authorization
  API2: 'API2:2023', // Broken Authentication
  API3: 'API3:2023', // Broken Object Property Level Authorization
  API4: 'API4:2023', // Unrestricted Resource Consumption
  API5: 'API5:2023', // Broken Function Level Authorization
  API6: 'API6:2023', // Unrestricted Access to Sensitive Business Flows
  API7: 'API7:2023', // Server Side Request Forgery
  API8: 'API8:2023', // Security Misconfiguration
  API9: 'API9:2023', // Improper Inventory Management
  API10: 'API10:2023', // Unsafe Consumption of APIs
} as const;

export const OWASP_BY_TYPE: Readonly<Record<FindingType, string>> = Object.freeze({
  credential_stuffing: OWASP_API_2023.API2,
  brute_force: OWASP_API_2023.API2,
  account_takeover: OWASP_API_2023.API2,
  weak_auth: OWASP_API_2023.API2,
  rate_limit_exceeded: OWASP_API_2023.API4,
  bola_enumeration: OWASP_API_2023.API1,
  scanning: OWASP_API_2023.API9,
  shadow_api: OWASP_API_2023.API9,
  injection_attempt: OWASP_API_2023.API8,
  sensitive_data_exposure: OWASP_API_2023.API3,
  bad_bot: OWASP_API_2023.API6,
});
