// Valid samples are published reference values: Visa/Mastercard/Amex test PANs
// (network test card lists), the ISO 13616 / ECBS example IBANs, the CMS NPI
// example (123456789 → check digit 3), AWS documentation example keys, and the
// SSA rules for SSN areas/groups/serials. Invalid samples change one rule each.
import { describe, expect, it } from 'vitest';
import {
  isAwsAccessKeyId, isAwsSecretKey, isE164Phone, isGithubToken, isIban, isIcd10, isJwt, isNanpPhone, isNpi,
  isPaymentCard, isPemPrivateKey, isSlackToken, isStripeSecretKey, isUsSsn, luhnValid,
} from '../../src/inventory/data-validators.js';

describe('payment cards (Luhn + IIN)', () => {
  it.each(['4111111111111111', '4111 1111 1111 1111', '5555-5555-5555-4444', '378282246310005', '6011111111111117', '3530111333300000'])('valid %s', (v) => {
    expect(isPaymentCard(v)).toBe(true);
  });
  it.each(['4111111111111112', '1234567812345678', '0000000000000000', '4111 1111-1111 1111', '9111111111111111', '37828224631000'])('invalid %s', (v) => {
    expect(isPaymentCard(v)).toBe(false);
  });
  it('luhn', () => {
    expect(luhnValid('79927398713')).toBe(true);
    expect(luhnValid('79927398710')).toBe(false);
  });
});

describe('US SSN', () => {
  it.each(['536-22-1234', '001-01-0001', '665-99-9999'])('valid %s', (v) => expect(isUsSsn(v)).toBe(true));
  it.each(['000-12-3456', '666-12-3456', '900-12-3456', '536-00-1234', '536-22-0000', '078-05-1120', '219-09-9999', '123-45-6789', '536221234'])('invalid %s', (v) => {
    expect(isUsSsn(v)).toBe(false);
  });
  it('bare digits only when allowed', () => expect(isUsSsn('536221234', true)).toBe(true));
});

describe('IBAN mod-97', () => {
  it.each(['GB82WEST12345698765432', 'GB82 WEST 1234 5698 7654 32', 'DE89370400440532013000', 'FR1420041010050500013M02606', 'NL91ABNA0417164300'])('valid %s', (v) => {
    expect(isIban(v)).toBe(true);
  });
  it.each(['GB82WEST12345698765433', 'DE8937040044053201300', 'XX89370400440532013000', 'GB00WEST12345698765432'])('invalid %s', (v) => {
    expect(isIban(v)).toBe(false);
  });
});

describe('phones', () => {
  it.each(['+14155552671', '+1 415 555 2671', '+442071838750', '+33142685300'])('E.164 valid %s', (v) => expect(isE164Phone(v)).toBe(true));
  it.each(['+0442071838750', '+1234', '+1415555267', '+11155552671', '14155552671'])('E.164 invalid %s', (v) => expect(isE164Phone(v)).toBe(false));
  it.each(['(415) 555-2671', '415-555-2671', '415.555.2671', '1-415-555-2671'])('NANP valid %s', (v) => expect(isNanpPhone(v)).toBe(true));
  it.each(['(115) 555-2671', '415-155-2671', '911-555-2671', '415-911-2671', '415-555-267'])('NANP invalid %s', (v) => expect(isNanpPhone(v)).toBe(false));
});

describe('PHI', () => {
  it('NPI check digit on the 80840 prefix', () => {
    expect(isNpi('1234567893')).toBe(true);
    expect(isNpi('1234567890')).toBe(false);
    expect(isNpi('3234567893')).toBe(false);
    expect(isNpi('123456789')).toBe(false);
  });
  it.each(['E11.9', 'J45.909', 'S72.001A', 'A09', 'Z99.89'])('ICD-10 valid %s', (v) => expect(isIcd10(v)).toBe(true));
  it.each(['U07.1', 'E1.9', '11.9', 'E11.90000', 'e11.9'])('ICD-10 invalid %s', (v) => expect(isIcd10(v)).toBe(false));
});

describe('secrets', () => {
  it('AWS keys (documentation examples)', () => {
    expect(isAwsAccessKeyId('AKIAIOSFODNN7EXAMPLE')).toBe(true);
    expect(isAwsAccessKeyId('ASIAIOSFODNN7EXAMPLE')).toBe(true);
    expect(isAwsAccessKeyId('AKIAIOSFODNN7EXAMPL')).toBe(false);
    expect(isAwsAccessKeyId('AKIAIOSFODNN1EXAMPLE')).toBe(false); // '1' is not base32
    expect(isAwsAccessKeyId('AKIDIOSFODNN7EXAMPLE')).toBe(false);
    expect(isAwsSecretKey('wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY')).toBe(true);
    expect(isAwsSecretKey('wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKE')).toBe(false);
  });
  it('GitHub, Slack, Stripe tokens', () => {
    expect(isGithubToken('ghp_' + 'a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8')).toBe(true);
    expect(isGithubToken('ghx_' + 'a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8')).toBe(false);
    expect(isGithubToken('ghp_' + 'a1B2c3')).toBe(false);
    expect(isSlackToken('xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx')).toBe(true);
    expect(isSlackToken('xoxq-123456789012-AbCdEfGh')).toBe(false);
    expect(isStripeSecretKey('sk_live_4eC39HqLyjWDarjtT1zdp7dc')).toBe(true);
    expect(isStripeSecretKey('pk_live_4eC39HqLyjWDarjtT1zdp7dc')).toBe(false);
  });
  it('JWT must decode', () => {
    // RFC 7519 §3.1 example token
    const jwt = 'eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
    expect(isJwt(jwt)).toBe(true);
    expect(isJwt('eyJhbGciOi.eyJzdWIi.sig')).toBe(false);
  });
  it('PEM private key block', () => {
    const body = 'MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7';
    expect(isPemPrivateKey(`-----BEGIN PRIVATE KEY-----\n${body}\n-----END PRIVATE KEY-----`)).toBe(true);
    expect(isPemPrivateKey(`-----BEGIN RSA PRIVATE KEY-----\n${body}\n-----END RSA PRIVATE KEY-----`)).toBe(true);
    expect(isPemPrivateKey(`-----BEGIN PUBLIC KEY-----\n${body}\n-----END PUBLIC KEY-----`)).toBe(false);
    expect(isPemPrivateKey(`-----BEGIN RSA PRIVATE KEY-----\n${body}\n-----END PRIVATE KEY-----`)).toBe(false);
  });
});
