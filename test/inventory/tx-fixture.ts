import type { ObservedTransaction } from '../../src/inventory/observed-transaction.js';

/** A hand-written transaction: defaults are a GET with a 200 and no bodies. */
export function tx(over: Partial<ObservedTransaction> & { body?: unknown; resBody?: unknown }): ObservedTransaction {
  const enc = new TextEncoder();
  const reqSample = over.body === undefined ? over.requestBodySample : enc.encode(typeof over.body === 'string' ? over.body : JSON.stringify(over.body));
  const resSample = over.resBody === undefined ? over.responseBodySample : enc.encode(JSON.stringify(over.resBody));
  const { body: _b, resBody: _r, ...rest } = over;
  return {
    serverIp: '10.0.0.1', serverPort: 80, vlan: [], tunnel: null, requestTs: 1000, responseTs: 1000.01,
    method: 'GET', host: 'api.example.com', uri: '/', status: 200,
    requestBodyLength: reqSample?.length ?? 0, responseBodyLength: resSample?.length ?? 0,
    requestContentType: over.body === undefined ? null : typeof over.body === 'string' ? 'application/x-www-form-urlencoded' : 'application/json',
    responseContentType: over.resBody === undefined ? null : 'application/json; charset=utf-8',
    requestHeaders: [['Host', 'api.example.com']], responseHeaders: [],
    requestBodySample: reqSample, responseBodySample: resSample,
    ...rest,
  };
}
