import type { MtlsSupport } from './mtls-support.js';
import type { OnboardingPki } from './onboarding-clients.js';

/** Paths as target.yaml writes them: relative to the output folder (or absolute). */
export interface KeyPairPaths {
  cert: string;
  key: string;
}

/** Everything init knows once discovery and minting are done: what the files are written from. */
export interface OnboardingPlan {
  issuer: string;
  metadataUrl: string;
  support: MtlsSupport;
  pki: OnboardingPki;
  paths: {
    serverCa?: string;
    testCa: KeyPairPaths;
    clients: Record<string, KeyPairPaths>;
    /** The JSON Schema, for editors (a yaml-language-server comment); absent when not found. */
    schema?: string;
  };
  resource?: string;
  scope?: string;
  /** The command the files name, as the user can run it (`mtls-conformance`, `node …`). */
  command: string;
}
