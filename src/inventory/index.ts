/**
 * API inventory (issue 3): public surface for the CLI and the replay path.
 *
 *   const store = InventoryStore.open(dbFile);          // ':memory:' for throwaway
 *   const inventory = store.loadInventory();            // stored state + salt
 *   replay(files, { onTransaction: (r) => inventory.record(r) });
 *   store.save(inventory);
 *   toOpenApiYaml(inventory.endpoints(), { host });
 *   diffAgainstSpec(inventory.endpoints(), await loadSpecFile(specFile));
 */
export { EndpointInventory, type EndpointInventoryOptions, type InventorySnapshot } from './endpoint-inventory.js';
export type { EndpointStats, ParamStats, BodyStats, DataClassStats, SizeStats } from './endpoint-stats.js';
export { InventoryStore, STORE_SCHEMA_VERSION, MIGRATIONS } from './store.js';
export { toOpenApi, toOpenApiYaml, type OpenApiOptions } from './openapi-export.js';
export {
  diffAgainstSpec, loadSpecFile, loadSpecObject, matchScore,
  type LoadedSpec, type SpecOperation, type SpecDiffResult, type SpecDiffEntry, type DiffEndpoint,
} from './spec-diff.js';
export { PathTemplater, type PathTemplate, type TemplateParam, type PathTemplaterOptions } from './path-template.js';
export { latencyPercentile, type LatencySketch } from './latency-sketch.js';
export { unauthenticatedRatio, detectAuth, type AuthObservation, type AuthStats } from './auth-detect.js';
export { DataClassifier, type DataClassHit, type DataClassKind, type DataCategory } from './data-classes.js';
export { inferSchema, mergeSchema, toJsonSchema, type SchemaNode } from './schema-infer.js';
export type { ObservedTransaction } from './observed-transaction.js';
