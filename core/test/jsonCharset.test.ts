/** Issue 11.8: a JSON body is UTF-8 or refused (415), never decoded as something it says it is not. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestCore, type TestCore } from '@kuaichu/testkit/core';
import { charsetOf } from '../src/http/jsonCharset.ts';

describe('JSON body charset', () => {
  let t: TestCore;
  before(async () => {
    t = await startTestCore({ kind: 'pglite' });
  });
  after(async () => {
    await t?.close();
  });

  const login = (contentType: string) => t.core.app.inject({
    method: 'POST', url: '/api/auth/login', headers: { 'content-type': contentType },
    payload: JSON.stringify({ tenant: 'harbin', username: 'nobody', password: 'wrong' }),
  });

  test('charset=ebcdic (or latin1, or empty) is refused with 415 naming the charset', async () => {
    for (const [type, charset] of [['application/json; charset=ebcdic', 'ebcdic'], ['application/json;charset="ISO-8859-1"', 'iso-8859-1'], ['application/json; charset=', '']] as const) {
      const r = await login(type);
      assert.equal(r.statusCode, 415, `${type}: ${r.body}`);
      assert.equal(r.json().error.code, 'KC_UNSUPPORTED_MEDIA_TYPE');
      assert.match(r.json().error.message, /JSON bodies must be UTF-8/);
      assert.equal(r.json().error.details.charset, charset);
    }
  });

  test('UTF-8 (any spelling) or no charset is read', async () => {
    for (const type of ['application/json', 'application/json; charset=utf-8', 'application/json; charset="UTF-8"', 'application/json;charset=utf8']) {
      const r = await login(type);
      assert.equal(r.statusCode, 401, `${type}: ${r.body}`);
      assert.equal(r.json().error.code, 'KC_BAD_CREDENTIALS');
    }
  });

  test('the JSON parser keeps refusing what it refused before', async () => {
    const broken = await t.core.app.inject({ method: 'POST', url: '/api/auth/login', headers: { 'content-type': 'application/json' }, payload: '{"tenant":' });
    assert.equal(broken.statusCode, 400);
    const proto = await t.core.app.inject({ method: 'POST', url: '/api/auth/login', headers: { 'content-type': 'application/json' }, payload: '{"__proto__":{"x":1},"tenant":"harbin","username":"a","password":"b"}' });
    assert.equal(proto.statusCode, 400);
  });

  test('charsetOf', () => {
    assert.equal(charsetOf('application/json'), null);
    assert.equal(charsetOf(undefined), null);
    assert.equal(charsetOf('application/json; Charset = "UTF-8"'), 'utf-8');
    assert.equal(charsetOf('application/json; boundary=x; charset=EBCDIC'), 'ebcdic');
  });
});
