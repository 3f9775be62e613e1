import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  isXapiDuration,
  isXapiIri,
  isXapiLanguageTag,
  isXapiMailto,
  isXapiMediaType,
  isXapiSha1Hex,
  isXapiSha2Hex,
  isXapiTimestamp,
  isXapiUuid,
  isXapiVersion,
} from '../../src/xapi/index.js';

function table(fn: (s: string) => boolean, good: string[], bad: string[]): void {
  for (const s of good) assert.equal(fn(s), true, `should accept ${JSON.stringify(s)}`);
  for (const s of bad) assert.equal(fn(s), false, `should reject ${JSON.stringify(s)}`);
}

describe('xapi formats', () => {
  it('IRIs need a scheme and no forbidden characters', () => {
    table(
      isXapiIri,
      [
        'http://example.org/a',
        'https://w3id.org/xapi/video',
        'urn:uuid:1234',
        'tag:example.org,2024:x',
        'http://例え.jp/パス',
      ],
      [
        'example.org/a',
        'www.example.com/x',
        '',
        'http:',
        '1http://x',
        'ab=c://x',
        'http://a b',
        'http://a<b>',
      ],
    );
  });

  it('mbox is mailto: plus one address', () => {
    table(
      isXapiMailto,
      ['mailto:ada@example.org', 'mailto:first.last+tag@sub.example.co.uk'],
      [
        'ada@example.org',
        'mailto:',
        'mailto:example.org',
        'mailto:a@b@c',
        'http://x@y',
        'MAILTO:a@b.c',
        'mailto:a b@c.d',
      ],
    );
  });

  it('hex digests', () => {
    table(
      isXapiSha1Hex,
      ['cd9b00a5611f94eaa7b1661edab976068e364975', 'CD9B00A5611F94EAA7B1661EDAB976068E364975'],
      ['cd9b00a5611f94eaa7b1661edab976068e36497', 'zd9b00a5611f94eaa7b1661edab976068e364975'],
    );
    table(
      isXapiSha2Hex,
      ['a'.repeat(64), 'b'.repeat(56), 'c'.repeat(96), 'd'.repeat(128)],
      ['a'.repeat(63), 'g'.repeat(64), ''],
    );
  });

  it('UUIDs: standard string form, any version or variant', () => {
    table(
      isXapiUuid,
      [
        '3f2b6c1e-8a4d-4c55-9b1e-2d7f6a0c9e11',
        'AA97B177-9383-4934-8543-0F91A7A02836',
        '00000000-0000-0000-0000-000000000000',
        '3f2b6c1e-8a4d-1c55-cb1e-2d7f6a0c9e11',
      ],
      [
        '3f2b6c1e8a4d4c559b1e2d7f6a0c9e11',
        '{3f2b6c1e-8a4d-4c55-9b1e-2d7f6a0c9e11}',
        'MA97B177-9383-4934-8543-0F91A7A02836',
        '',
      ],
    );
  });

  it('timestamps: ISO 8601 date and time with valid ranges, no negative zero offset', () => {
    table(
      isXapiTimestamp,
      [
        '2024-03-01T10:15:30Z',
        '2024-03-01T10:15:30.123456+02:00',
        '2024-03-01T10:15:30+0530',
        '2024-03-01T10:15:30-05',
        '2024-03-01T10:15:30',
        '2024-03-01T10:15Z',
        '2024-02-29T00:00:00Z',
        '2016-12-31T23:59:60Z',
        '2024-03-01T24:00:00Z',
      ],
      [
        '2024-03-01',
        '01/011/2015',
        '2023-02-29T00:00:00Z',
        '2024-13-01T00:00:00Z',
        '2024-04-31T00:00:00Z',
        '2024-03-01T25:00:00Z',
        '2024-03-01T24:01:00Z',
        '2024-03-01T10:60:00Z',
        '2024-03-01T10:15:30-00',
        '2024-03-01T10:15:30-0000',
        '2024-03-01T10:15:30-00:00',
        '2024-03-01 10:15:30Z',
        '20240301T101530Z',
      ],
    );
  });

  it('durations: designator format, weeks alone, fraction only on the last component', () => {
    table(
      isXapiDuration,
      [
        'PT1H0M0.1S',
        'PT4H35M59.14S',
        'PT16559.14S',
        'P3Y1M29DT4H35M59.14S',
        'P3Y',
        'P4W',
        'P1DT2H',
        'PT0S',
        'P0.5Y',
        'PT1,5S',
      ],
      [
        'P4W1D',
        'PA1H0M0S',
        'P',
        'PT',
        'P1DT',
        '1H',
        'PT1.5H30M',
        'P0001-02-03T04:05:06',
        'pt1h',
        'PT-1S',
        '',
      ],
    );
  });

  it('language tags follow RFC 5646', () => {
    table(
      isXapiLanguageTag,
      [
        'en',
        'en-US',
        'en-GB',
        'tlh',
        'cmn',
        'ase',
        'sr-Latn-RS',
        'zh-Hans-CN',
        'es-MX',
        'es-419',
        'de-CH-1901',
        'en-a-bbb-x-ccc',
        'x-whatever',
        'i-klingon',
        'zh-min-nan',
        'EN-us',
      ],
      [
        '',
        'a12345678',
        'something',
        'en-',
        'en--US',
        'zh-z-aaa-z-bbb-c-ccc',
        'de-1901-1901',
        'en-US-x',
        '123',
        'e',
      ],
    );
  });

  it('media types', () => {
    table(
      isXapiMediaType,
      [
        'text/plain',
        'text/plain; charset=ascii',
        'application/octet-stream',
        'multipart/mixed; boundary="a b"',
      ],
      ['text', 'text/', '/plain', 'text/plain;', 'text plain'],
    );
  });

  it('version is 1.0 or 1.0.x', () => {
    table(
      isXapiVersion,
      ['1.0', '1.0.0', '1.0.3', '1.0.9', '1.0.12'],
      ['1', '1.1.0', '0.9.9', '2.0.0', '1.0.x', 'v1.0.3'],
    );
  });
});
