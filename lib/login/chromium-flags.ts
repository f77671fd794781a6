/**
 * Headless Chromium on a test machine or a CI runner, as the login driver and the report check
 * start it. Without the background-networking flags Chromium keeps dialling Google's services,
 * which a closed network refuses (and which have no business seeing a test's traffic anyway).
 */
export const QUIET_CHROMIUM_FLAGS: readonly string[] = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
