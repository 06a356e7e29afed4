/** memkit's public API, for users' own scenario modules: `import { defineScenario } from 'memkit'`. */
export { defineScenario } from './scenario/define.js';
export { seededRandom } from './scenario/random.js';
export type {
  CustomMetricSpec,
  ParamSpec,
  ParamValue,
  ScenarioContext,
  ScenarioDefinition,
  VariantSpec,
} from './scenario/define.js';
