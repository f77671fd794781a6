import { expect } from 'chai';
import type { HostileServer } from './hostile-server.js';

/**
 * The hostile server's outside host saw nothing at all: no TCP connection (so no certificate
 * and no byte of any request), and none of `secrets` in what it received.
 */
export function expectOutsideUntouched(
  server: HostileServer,
  secrets: readonly string[] = [],
): void {
  const { outsideTcpConnections, outsideConnections, outsideRequests, outsideCertificates } =
    server.stats;
  expect({
    outsideTcpConnections,
    outsideConnections,
    outsideRequests,
    outsideCertificates,
  }).to.deep.equal({
    outsideTcpConnections: 0,
    outsideConnections: 0,
    outsideRequests: 0,
    outsideCertificates: 0,
  });
  expect(server.stats.outsideReceived).to.equal('');
  for (const secret of secrets) expect(server.stats.outsideReceived).to.not.include(secret);
}
