import { describe, expect, it } from 'vitest';
import { addressText } from '../../src/reassembly/address-text.js';

function v6(groups: number[]): Uint8Array {
  const b = new Uint8Array(16);
  groups.forEach((g, i) => { b[2 * i] = g >> 8; b[2 * i + 1] = g & 0xff; });
  return b;
}

describe('addressText', () => {
  it('IPv4 dotted quad', () => {
    const b = new Uint8Array(16);
    b.set([192, 0, 2, 255]);
    expect(addressText(b, 4)).toBe('192.0.2.255');
  });

  // Examples from RFC 5952 §4.
  it('RFC 5952 §4.1 leading zeros suppressed, §4.3 lower case', () => {
    expect(addressText(v6([0x2001, 0x0db8, 0, 0, 0, 0, 0x0002, 0x0001]), 6)).toBe('2001:db8::2:1');
    expect(addressText(v6([0x2001, 0xdb8, 0xaaaa, 0xbbbb, 0xcccc, 0xdddd, 0xeeee, 0x0001]), 6)).toBe('2001:db8:aaaa:bbbb:cccc:dddd:eeee:1');
  });

  it('RFC 5952 §4.2.2 a single 16-bit zero field is not shortened', () => {
    expect(addressText(v6([0x2001, 0xdb8, 0, 1, 1, 1, 1, 1]), 6)).toBe('2001:db8:0:1:1:1:1:1');
  });

  it('RFC 5952 §4.2.3 longest run wins, first on a tie', () => {
    expect(addressText(v6([0x2001, 0, 0, 1, 0, 0, 0, 1]), 6)).toBe('2001:0:0:1::1');
    expect(addressText(v6([0x2001, 0xdb8, 0, 0, 1, 0, 0, 1]), 6)).toBe('2001:db8::1:0:0:1');
  });

  it('edges: ::, ::1, fe80::, IPv4-mapped (§5)', () => {
    expect(addressText(v6([0, 0, 0, 0, 0, 0, 0, 0]), 6)).toBe('::');
    expect(addressText(v6([0, 0, 0, 0, 0, 0, 0, 1]), 6)).toBe('::1');
    expect(addressText(v6([0xfe80, 0, 0, 0, 0, 0, 0, 0]), 6)).toBe('fe80::');
    expect(addressText(v6([0, 0, 0, 0, 0, 0xffff, 0xc000, 0x0201]), 6)).toBe('::ffff:192.0.2.1');
  });
});
