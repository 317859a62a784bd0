/**
 * Issue 11.1: who the client is. X-Forwarded-For counts only from a configured proxy; from
 * anyone else a spoofed header must not give a fresh rate-limit key per request.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestCore, type TestCore } from '@kuaichu/testkit/core';
import { clientKey, parseTrustedProxies } from '../src/http/clientAddress.ts';

const PROXY = '10.0.0.7';

describe('rate-limit keys and trusted proxies (rate limits on, KUAICHU_TRUSTED_PROXIES=10.0.0.0/24)', () => {
  let t: TestCore;
  before(async () => {
    t = await startTestCore({ kind: 'pglite' }, undefined, { rateLimit: true, env: { KUAICHU_TRUSTED_PROXIES: '10.0.0.0/24' } });
  });
  after(async () => {
    await t?.close();
  });

  // A different (non-existent) account each time: the per-account lock stays out of the way.
  const wrongLogin = (i: number, remoteAddress: string, xff?: string) =>
    t.call('POST', '/api/auth/login', { remoteAddress, headers: xff ? { 'x-forwarded-for': xff } : {}, body: { tenant: 'harbin', username: `nobody-${remoteAddress}-${i}`, password: 'wrong' } });

  test('30 wrong passwords from one untrusted peer, each with a different spoofed X-Forwarded-For: the per-client limit (10 a minute) still answers 429', async () => {
    const codes: number[] = [];
    for (let i = 0; i < 30; i++) codes.push((await wrongLogin(i, '203.0.113.7', `10.201.7.${i}`)).statusCode);
    assert.deepEqual(codes.slice(0, 10), Array(10).fill(401));
    assert.deepEqual(codes.slice(10), Array(20).fill(429), `statuses: ${codes.join(',')}`);
    const r = await wrongLogin(99, '203.0.113.7', '10.201.7.99');
    assert.equal(r.json().error.code, 'KC_RATE_LIMITED');
  });

  test('the trusted proxy is believed: clients behind it are counted apart, and one client behind it is limited', async () => {
    for (let i = 0; i < 15; i++) assert.equal((await wrongLogin(i, PROXY, `198.51.100.${i}`)).statusCode, 401, `client ${i} has its own key`);
    const one: number[] = [];
    for (let i = 0; i < 12; i++) one.push((await wrongLogin(100 + i, PROXY, '192.0.2.200')).statusCode);
    assert.deepEqual(one, [...Array(10).fill(401), 429, 429]);
    // The proxy's own address is not the key: another client behind it is still served.
    assert.equal((await wrongLogin(200, PROXY, '192.0.2.201')).statusCode, 401);
  });

  test('behind the proxy, an IPv6 client is one key for its whole /64', async () => {
    const codes: number[] = [];
    for (let i = 1; i <= 11; i++) codes.push((await wrongLogin(300 + i, PROXY, `2001:db8:aa:bb::${i.toString(16)}`)).statusCode);
    assert.deepEqual(codes, [...Array(10).fill(401), 429]);
  });
});

describe('clientKey and KUAICHU_TRUSTED_PROXIES', () => {
  test('addresses as keys: IPv4 as is, IPv4-mapped IPv6 as IPv4, IPv6 cut to its /64', () => {
    assert.equal(clientKey({ ip: '203.0.113.7' }), '203.0.113.7');
    assert.equal(clientKey({ ip: '::ffff:203.0.113.7' }), '203.0.113.7');
    assert.equal(clientKey({ ip: '2001:db8:aa:bb::1' }), '2001:db8:aa:bb::/64');
    assert.equal(clientKey({ ip: '2001:0db8:00aa:00bb:ffff:1:2:3' }), '2001:db8:aa:bb::/64');
    assert.equal(clientKey({ ip: '::1' }), '0:0:0:0::/64');
  });

  test('the list is parsed; none by default; a bad entry is named', () => {
    assert.deepEqual(parseTrustedProxies(undefined), []);
    assert.deepEqual(parseTrustedProxies(''), []);
    assert.deepEqual(parseTrustedProxies('127.0.0.1, 10.0.0.0/8,::1,fd00::/8'), ['127.0.0.1', '10.0.0.0/8', '::1', 'fd00::/8']);
    assert.throws(() => parseTrustedProxies('127.0.0.1,balancer.local'), /"balancer\.local" is not an IP address or CIDR range/);
    assert.throws(() => parseTrustedProxies('10.0.0.0/33'), /"10\.0\.0\.0\/33"/);
  });
});
