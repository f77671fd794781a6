import { execFileSync } from 'node:child_process';
import { expect } from 'chai';
import { shellWord } from '../../lib/output/shell-word.js';

describe('lib/output shellWord: a value a pasted hint passes as one word', () => {
  it('leaves plain paths alone and quotes the rest', () => {
    expect(shellWord('reports/target.yaml')).to.equal('reports/target.yaml');
    expect(shellWord('/tmp/on boarding/target.yaml')).to.equal("'/tmp/on boarding/target.yaml'");
    expect(shellWord("it's")).to.equal(`'it'\\''s'`);
  });

  it('a POSIX shell reads each quoted value back as it was', () => {
    for (const value of ['a b', "it's", '$HOME', '`id`', 'a;b', '*', 'line\nbreak', '"q"']) {
      const echoed = execFileSync('/bin/sh', ['-c', `printf %s ${shellWord(value)}`], {
        encoding: 'utf8',
      });
      expect(echoed, value).to.equal(value);
    }
  });
});
