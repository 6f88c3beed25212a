/**
 * API inventory (issue 3): public surface for the CLI and the replay path.
 *
 *   const session = await InventorySession.open({ db, spec });   // the usual entry
 *   await replayFiles(files, { withDetail: true, onTransaction: session.record });
 *   process.stdout.write(formatRunSummary(session.finish()) + '\n');
 *   session.close();
 *
 * Lower level:
 *   const store = InventoryStore.open(dbFile);          // ':memory:' for throwaway
 *   const inventory = store.loadInventory();            // stored state + salt
 *   replay(files, { onTransaction: (r) => inventory.record(r) });
 *   store.save(inventory);
 *   toOpenApiYaml(inventory.endpoints(), { host });
 *   diffAgainstSpec(inventory.endpoints(), await loadSpecFile(specFile));
 *
 * Counted events (on `inventory.events`): `inventory.endpoints_cap`,
 * `inventory.params_cap`, `inventory.body_unparsed`,
 * `inventory.template_nodes_cap`, `inventory.template_distinct_cap`,
 * `inventory.path_too_deep`, `inventory.schema_depth_cap`,
 * `inventory.schema_width_cap`, `inventory.data_class_hits_cap`.
 * Errors (ApisensorError codes): `ERR_STORE_OPEN`, `ERR_STORE_VERSION`,
 * `ERR_STORE_CORRUPT` (store.ts), `ERR_SPEC_READ`, `ERR_SPEC_PARSE` (spec-diff.ts),
 * `ERR_STORE_MISSING`, `ERR_STORE_WRITE`, `ERR_INVENTORY_CLOSED` (inventory-session.ts).
 */
export { EndpointInventory, type EndpointInventoryOptions, type InventorySnapshot } from './endpoint-inventory.js';
export { endpointKey, mergeEndpointStats, type EndpointStats, type ParamStats, type BodyStats, type DataClassStats, type SizeStats } from './endpoint-stats.js';
export { InventoryStore, STORE_SCHEMA_VERSION, MIGRATIONS } from './store.js';
export { toOpenApi, toOpenApiYaml, type OpenApiOptions } from './openapi-export.js';
export { listApis, selectOpenApiScope, OpenApiScopeError, type ApiScope, type OpenApiScopeOptions } from './openapi-scope.js';
export {
  diffAgainstSpec, findOperation, hostsOf, loadSpecFile, loadSpecObject, matchScore, specCoversHost,
  type LoadedSpec, type SpecOperation, type SpecDiffResult, type SpecDiffEntry, type DiffEndpoint,
} from './spec-diff.js';
export { DEFAULT_SERVER, expandServers, parseServerUrl, serverCoversHost, type SpecServer } from './spec-servers.js';
export { PathTemplater, type PathTemplate, type TemplateParam, type PathTemplaterOptions } from './path-template.js';
export { latencyPercentile, type LatencySketch } from './latency-sketch.js';
export { unauthenticatedRatio, detectAuth, type AuthObservation, type AuthStats } from './auth-detect.js';
export { DataClassifier, type DataClassHit, type DataClassKind, type DataCategory } from './data-classes.js';
export { inferSchema, mergeSchema, toJsonSchema, type SchemaNode } from './schema-infer.js';
export { hostOf, tenantOf, type ObservedTransaction } from './observed-transaction.js';
export {
  InventorySession, DEFAULT_DB_FILE,
  type InventorySessionOptions, type InventoryRunSummary, type SpecDiffCounts,
} from './inventory-session.js';
export {
  formatInventoryTable, formatEndpointDetail, formatRunSummary, authSummary, statusSummary, dataClassSummary, specMarks,
  type InventoryTableOptions,
} from './inventory-format.js';
export { endpointId, findEndpoints } from './endpoint-lookup.js';
export { redactSensitiveEnums } from './schema-redact.js';
