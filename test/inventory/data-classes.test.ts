import { describe, expect, it } from 'vitest';
import { createHmac } from 'node:crypto';
import { DataClassifier, maskValue, type DataClassHit } from '../../src/inventory/data-classes.js';

const salt = 'test-salt';
const c = new DataClassifier({ salt });
const hmac16 = (v: string) => createHmac('sha256', salt).update(v).digest('hex').slice(0, 16);
const kinds = (hits: DataClassHit[]) => hits.map((h) => `${h.kind}@${h.location}`);

describe('DataClassifier', () => {
  it('finds PII/PHI/secrets in a JSON body with locations', () => {
    const hits: DataClassHit[] = [];
    c.scanJson('response.body', {
      user: { email: 'jane.doe@example.com', phone: '+14155552671', dob: '1990-04-12', address: '1 Main St', password: 'hunter2' },
      cards: [{ number: '4111 1111 1111 1111' }],
      ssn: '536-22-1234', iban: 'DE89370400440532013000', ip: '192.0.2.10',
      patient: { mrn: 'MRN-0042', npi: '1234567893', diagnosis: 'E11.9' },
      aws: { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' },
      note: 'contact me at bob@example.org today',
      count: 4111111111111111, name: 'Plain words', id: 123456789,
    }, hits);
    expect(kinds(hits)).toEqual([
      'email@response.body.user.email',
      'phone@response.body.user.phone',
      'date_of_birth@response.body.user.dob',
      'postal_address@response.body.user.address',
      'password@response.body.user.password',
      'payment_card@response.body.cards[].number',
      'us_ssn@response.body.ssn',
      'iban@response.body.iban',
      'ip_address@response.body.ip',
      'medical_record@response.body.patient.mrn',
      'npi@response.body.patient.npi',
      'icd10@response.body.patient.diagnosis',
      'aws_access_key_id@response.body.aws.accessKeyId',
      'aws_secret_key@response.body.aws.secretAccessKey',
      'email@response.body.note',
    ]);
    expect(hits[0]).toEqual({ kind: 'email', category: 'pii', location: 'response.body.user.email', masked: 'j***@e***.com', hash: hmac16('jane.doe@example.com') });
    expect(hits[5]!.masked).toBe('************1111');
    expect(hits[4]!.masked).toBe('********');
    expect(hits[11]!.category).toBe('phi');
    expect(hits[12]!.category).toBe('secret');
    expect(JSON.stringify(hits)).not.toMatch(/jane\.doe|hunter2|536-22-1234|AKIAIOSFODNN7EXAMPLE|EXAMPLEKEY/);
  });

  it('query, header and authorization locations', () => {
    const hits: DataClassHit[] = [];
    c.scanPairs('request.query', [['email', 'a.b@example.com'], ['page', '2']], hits);
    c.scanAuthorization('request.header.authorization', 'Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==', hits);
    c.classifyValue('request.header.x-forwarded-for', 'x-forwarded-for', '198.51.100.7', hits);
    expect(kinds(hits)).toEqual([
      'email@request.query.email',
      'password@request.header.authorization',
      'ip_address@request.header.x-forwarded-for',
    ]);
  });

  it('does not flag look-alikes', () => {
    const hits: DataClassHit[] = [];
    c.scanJson('response.body', {
      order: '4111111111111112', zipped: 'yes', version: '1.2.3.4.5', code: 'E11', phone: '555-0100',
      ts: '2024-01-01T00:00:00Z', sku: 'AB-1234-CD', npi: '1234567890', amount: 12.5,
    }, hits);
    expect(hits).toEqual([]);
  });

  it('masks', () => {
    expect(maskValue('aws_access_key_id', 'AKIAIOSFODNN7EXAMPLE')).toBe('AKIA****************');
    expect(maskValue('stripe_key', 'sk_live_4eC39HqLyjWDarjtT1zdp7dc')).toBe('sk_live_****************');
    expect(maskValue('us_ssn', '536-22-1234')).toBe('***-**-****');
    expect(maskValue('ip_address', '192.0.2.10')).toBe('192.***.***.***');
  });
});
