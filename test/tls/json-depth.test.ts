import { expect } from 'chai';
import { jsonDepth, MAX_JSON_DEPTH, parseBoundedJson } from '../../lib/tls/json-depth.js';
import { redactJsonText, redactSecret } from '../../lib/tls/redact.js';

const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

describe('lib/tls JSON depth', () => {
  it('counts nesting outside strings only, without recursion', () => {
    expect(jsonDepth('{"a":[1,{"b":"[[[[{{"}]}')).to.equal(3);
    expect(jsonDepth('"\\"[["')).to.equal(0);
    expect(jsonDepth(nested(200_000))).to.be.greaterThan(MAX_JSON_DEPTH);
  });

  it('parses JSON up to the bound and refuses deeper JSON as not JSON', () => {
    expect(parseBoundedJson(nested(MAX_JSON_DEPTH))).to.not.equal(undefined);
    expect(parseBoundedJson(nested(MAX_JSON_DEPTH + 1))).to.equal(undefined);
    expect(parseBoundedJson('{not json')).to.equal(undefined);
    expect(parseBoundedJson('null')).to.deep.equal({ value: null });
  });

  it('the redactor survives 5000-deep JSON and still redacts its secret members', () => {
    const token = 'at-0123456789abcdefghij';
    const body = `{"access_token":"${token}","x":${nested(5_000)}}`;
    const redacted = redactJsonText(body);
    expect(redacted).to.include(redactSecret(token));
    expect(redacted).to.not.include(token);
  });
});
