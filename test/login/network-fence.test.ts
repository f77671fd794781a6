import { connect } from 'node:net';
import { expect } from 'chai';
import { fenceArgs, startNetworkFence } from '../../lib/login/network-fence.js';

describe('lib/login network fence: the login browser reaches the allowed origins alone', () => {
  it('bypasses exactly the allowed origins (default ports spelled out), proxies loopback, resolves no other name', () => {
    const args = fenceArgs(
      [
        new URL('https://login.example.com'),
        new URL('https://127.0.0.1:9443'),
        new URL('https://[::1]:8443'),
      ],
      4321,
    );
    expect(args).to.deep.equal([
      '--proxy-server=http://127.0.0.1:4321',
      '--proxy-bypass-list=<-loopback>;https://login.example.com:443;https://127.0.0.1:9443;https://[::1]:8443',
      '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE login.example.com, EXCLUDE [::1], EXCLUDE ::1',
      '--force-webrtc-ip-handling-policy=disable_non_proxied_udp',
    ]);
  });

  it('the fence closes every connection without answering, and stops listening when closed', async () => {
    const fence = await startNetworkFence(['https://127.0.0.1:9443']);
    const proxy = fence.args[0]?.replace('--proxy-server=http://', '') ?? '';
    const [host, port] = proxy.split(':');
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect({ host: host ?? '', port: Number(port) }, () => {
        socket.write(
          'CONNECT elsewhere.example:443 HTTP/1.1\r\nHost: elsewhere.example:443\r\n\r\n',
        );
      });
      let got = '';
      socket.on('data', (chunk) => {
        got += chunk.toString();
      });
      socket.on('error', () => undefined);
      socket.on('close', () => resolve(got));
      setTimeout(() => reject(new Error('the fence kept the connection open')), 5_000).unref();
    });
    expect(answer).to.equal('');
    await fence.close();
    const refused = await new Promise<string>((resolve) => {
      const socket = connect({ host: host ?? '', port: Number(port) });
      socket.on('connect', () => {
        socket.destroy();
        resolve('connected');
      });
      socket.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
    });
    expect(refused).to.equal('ECONNREFUSED');
  });
});
