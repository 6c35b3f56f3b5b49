// hashi-vault-js 0.5 (unmodified, from npm) against `polcheck serve --dev`.
// usage: node hashi_vault_js_test.mjs /path/to/polcheck
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { requireInstalled, startDevServer, step, skip, rejection, finish, sqlLog, sqlLogPath } = require('./harness.cjs');
const fs = require('node:fs');
const path = require('node:path');
requireInstalled('hashi-vault-js');
const { default: Vault } = await import('hashi-vault-js');

const POLICY = `
path "secret/data/team/*" { capabilities = ["create", "read", "update", "delete"] }
path "secret/metadata/team/*" { capabilities = ["list", "read"] }
`;

// Plain requests for what hashi-vault-js has no helper for (policies, auth mounts, the
// database engine); over HTTPS with the server's CA when POLCHECK_CLIENT_TLS=1.
function raw(server, method, path, body, token = server.rootToken) {
  const url = new URL(`${server.addr}/v1/${path}`);
  const transport = url.protocol === 'https:' ? require('node:https') : require('node:http');
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const request = transport.request(url, {
      method,
      headers: { 'X-Vault-Token': token, 'Content-Type': 'application/json' },
      ca: server.tls ? server.tls.ca : undefined,
    }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk) => { text += chunk; });
      response.on('end', () => resolve({ status: response.statusCode, body: text }));
    });
    request.on('error', reject);
    request.end(payload);
  });
}

// The database engine records its SQL instead of running it (no database server in CI).
const sqlFile = sqlLogPath('hashi-vault-js');
const server = await startDevServer(process.argv[2], ['--db-executor', `recording=${sqlFile}`]);
const root = server.rootToken;
// The 1 s default timeout of hashi-vault-js is kept: the runtime must answer within it.
const vault = server.tls  // POLCHECK_CLIENT_TLS=1: the server's own certificate as the CA
  ? new Vault({ baseUrl: `${server.addr}/v1`, https: true, cacert: server.tls.caFile })
  : new Vault({ baseUrl: `${server.addr}/v1`, https: false });
let token;
try {
  await step('healthCheck and sealStatus', async () => {
    const health = await vault.healthCheck({});
    assert.equal(health.initialized, true);
    assert.equal(health.sealed, false);
    const seal = await vault.sealStatus();
    assert.equal(seal.sealed, false);
  });

  await step('policy write (raw HTTP), token create with it', async () => {
    const put = await raw(server, 'PUT', 'sys/policies/acl/team', { policy: POLICY });
    assert.equal(put.status, 204, put.body);
    const auth = await vault.createToken(root, { policies: ['team'], ttl: '30m', meta: { owner: 'ci' } });
    token = auth.client_token;
    assert.ok(token.startsWith('hvs.'), token);
    assert.deepEqual(auth.policies, ['default', 'team']);
    assert.equal(auth.lease_duration, 1800);
  });

  await step('token lookup-self and lookup', async () => {
    const self = await vault.lookupSelfToken(token);
    assert.deepEqual(self.policies, ['default', 'team']);
    assert.deepEqual(self.meta, { owner: 'ci' });
    const other = await vault.lookupToken(root, token);
    assert.equal(other.accessor, self.accessor);
  });

  await step('KV v2 create (cas 0), update (cas 1), read, version read', async () => {
    const created = await vault.createKVSecret(token, 'team/app', { user: 'svc', password: 'pw-a' });
    assert.equal(created.version, 1);
    const again = await rejection(vault.createKVSecret(token, 'team/app', { password: 'x' }));
    assert.equal(again.response.status, 400);  // cas 0 on an existing key
    const updated = await vault.updateKVSecret(token, 'team/app', { user: 'svc', password: 'pw-b' }, 1);
    assert.equal(updated.version, 2);
    const read = await vault.readKVSecret(token, 'team/app');
    assert.equal(read.data.password, 'pw-b');
    assert.equal(read.metadata.version, 2);
    const v1 = await vault.readKVSecret(token, 'team/app', 1);
    assert.equal(v1.data.password, 'pw-a');
  });

  await step('KV v2 list, delete latest, undelete', async () => {
    await vault.createKVSecret(token, 'team/other', { k: 'v' });
    const listed = await vault.listKVSecrets(token, 'team/');
    assert.deepEqual(listed.keys, ['app', 'other']);
    const deleted = await vault.deleteLatestVerKVSecret(token, 'team/app');
    assert.equal(deleted.status, 204);
    const gone = await rejection(vault.readKVSecret(token, 'team/app'));
    assert.equal(gone.response.status, 404);
    await vault.undeleteVersionsKVSecret(root, 'team/app', [2]);
    assert.equal((await vault.readKVSecret(token, 'team/app')).data.password, 'pw-b');
    await vault.eliminateKVSecret(root, 'team/other');
    assert.deepEqual((await vault.listKVSecrets(token, 'team/')).keys, ['app']);
  });

  await step('capabilities (self and for another token)', async () => {
    const self = await vault.sysCapabilitiesSelf(token, ['secret/data/team/app', 'secret/data/elsewhere']);
    assert.deepEqual(self['secret/data/team/app'], ['create', 'delete', 'read', 'update']);
    assert.deepEqual(self['secret/data/elsewhere'], ['deny']);
    const other = await vault.sysCapabilities(root, token, ['secret/metadata/team/x']);
    assert.deepEqual(other.capabilities, ['list', 'read']);
  });

  await step('denials: outside the policy, sys endpoints', async () => {
    await vault.createKVSecret(root, 'elsewhere', { k: 'v' });
    const outside = await rejection(vault.readKVSecret(token, 'elsewhere'));
    assert.equal(outside.response.status, 403);
    assert.equal(outside.isVaultError, true);
    assert.match(outside.response.data.errors[0], /permission denied/);
    const seal = await rejection(vault.sysSeal(token));
    assert.equal(seal.response.status, 403);
  });

  await step('token revoke: the token stops working', async () => {
    await vault.revokeToken(root, token);
    const revoked = await rejection(vault.lookupSelfToken(token));
    assert.equal(revoked.response.status, 403);
    assert.match(revoked.response.data.errors[0], /invalid token/);
  });

  await step('database creds (raw HTTP: no helper) leased to a token; revokeToken drops the user', async () => {
    assert.equal((await raw(server, 'POST', 'sys/mounts/db', { type: 'database' })).status, 204);
    const config = await raw(server, 'POST', 'db/config/my', {
      plugin_name: 'mysql-database-plugin', connection_url: '{{username}}:{{password}}@tcp(db:3306)/',
      username: 'root', password: 'root-pw', allowed_roles: ['app'],
    });
    assert.equal(config.status, 204, config.body);
    const role = await raw(server, 'POST', 'db/roles/app', {
      db_name: 'my', default_ttl: 300,
      creation_statements: ["CREATE USER '{{name}}'@'%' IDENTIFIED BY '{{password}}'; GRANT SELECT ON *.* TO '{{name}}'@'%';"],
      revocation_statements: ["DROP USER '{{name}}'@'%';"],
    });
    assert.equal(role.status, 204, role.body);
    await raw(server, 'PUT', 'sys/policies/acl/db-app', { policy: 'path "db/creds/app" { capabilities = ["read"] }' });
    const auth = await vault.createToken(root, { policies: ['db-app'], ttl: '10m' });
    const caps = await vault.sysCapabilitiesSelf(auth.client_token, ['db/creds/app', 'db/config/my']);
    assert.deepEqual(caps['db/creds/app'], ['read']);
    assert.deepEqual(caps['db/config/my'], ['deny']);
    const creds = await raw(server, 'GET', 'db/creds/app', undefined, auth.client_token);
    assert.equal(creds.status, 200, creds.body);
    const body = JSON.parse(creds.body);
    assert.equal(body.lease_duration, 300);
    assert.equal(body.data.username.length, 32);
    const user = body.data.username;
    assert.deepEqual(sqlLog(sqlFile).filter((e) => e.kind === 'tx')[0].statements,
                     [`CREATE USER '${user}'@'%' IDENTIFIED BY '${body.data.password}'`, `GRANT SELECT ON *.* TO '${user}'@'%'`]);
    await vault.revokeToken(root, auth.client_token);  // the token's leases go with it
    assert.deepEqual(sqlLog(sqlFile).filter((e) => e.statements.includes(`DROP USER '${user}'@'%'`)).length, 1);
    const lookup = await raw(server, 'PUT', 'sys/leases/lookup', { lease_id: body.lease_id });
    assert.equal(lookup.status, 400);
  });

  await step('userpass login (needs the auth methods)', async () => {
    const enabled = await raw(server, 'POST', 'sys/auth/userpass', { type: 'userpass' });
    if (enabled.status === 404 || enabled.status === 405) {
      skip('sys/auth is not served by this runtime yet');
    }
    assert.equal(enabled.status, 204, enabled.body);
    await vault.createUserpassUser(root, 'alice', 'hunter2', ['team']);
    const auth = await vault.loginWithUserpass('alice', 'hunter2');
    assert.deepEqual(auth.policies, ['default', 'team']);
    assert.equal((await vault.readKVSecret(auth.client_token, 'team/app')).data.password, 'pw-b');
    const wrong = await rejection(vault.loginWithUserpass('alice', 'nope'));
    assert.equal(wrong.response.status, 400);
  });
} finally {
  await server.stop();
  fs.rmSync(path.dirname(sqlFile), { recursive: true, force: true });
}
finish();
