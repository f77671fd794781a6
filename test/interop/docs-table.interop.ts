import { expect } from 'chai';
import { regenerateDocs } from '../../interop/docs-table.js';

describe('interop: docs/interop.md', () => {
  it('its scenario × server table regenerates identically from interop/results/*.json', async () => {
    const { current, regenerated } = await regenerateDocs();
    // On a difference: node dist/interop/docs-table.js, then review and commit.
    expect(current).to.equal(regenerated);
  });
});
