import { SECTION_ORDER, type Section } from '../../report/run-result.js';
import type { Scenario } from '../scenario.js';
import { bindScenarios } from './bind.js';
import { codeScenarios } from './code.js';
import { discScenarios } from './disc.js';
import { epScenarios } from './ep.js';
import { epTlsScenarios } from './ep-tls.js';
import { hokScenarios } from './hok.js';
import { pkiScenarios } from './pki.js';
import { pkiDepthScenarios } from './pki-depth.js';
import { pubScenarios } from './pub.js';
import { regScenarios } from './reg.js';
import { selfScenarios } from './self.js';
import { selfDepthScenarios } from './self-depth.js';

/**
 * Version of the catalog these scenarios implement (CATALOG.md: v1, then the v2 additions HOK,
 * EP, the validation depth and CODE); reported with every run. IDs and levels are stable within one.
 */
export const CATALOG_VERSION = '2';

export const SECTIONS: readonly Section[] = SECTION_ORDER;

export const CATALOG: readonly Scenario[] = [
  ...discScenarios,
  ...pkiScenarios,
  ...pkiDepthScenarios,
  ...selfScenarios,
  ...selfDepthScenarios,
  ...bindScenarios,
  ...regScenarios,
  ...pubScenarios,
  ...hokScenarios,
  ...epScenarios,
  ...epTlsScenarios,
  ...codeScenarios,
];
