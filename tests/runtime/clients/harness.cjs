// Starts `polcheck serve --dev` on a free loopback port for a client test and
// offers tiny assertion helpers. Exit codes: 0 passed, 1 failed, 77 skipped
// (the npm packages are not installed: run scripts/install-test-tools.sh).
// With POLCHECK_CLIENT_TLS=1 the server listens on HTTPS with a throw-away
// certificate for 127.0.0.1 (made with the openssl CLI), and `server.tls`
// gives the client its CA ({ca: PEM text, caFile: path}).
'use strict';
const { spawn } = require('node:child_process');
const path = require('node:path');
const fs = require('node:fs');

function requireInstalled(pkg) {
  const dir = path.join(__dirname, 'node_modules', pkg);
  if (!fs.existsSync(dir)) {
    // In CI (CI=true) the test tools are part of the job: missing is a failure, not a skip.
    const ci = process.env.CI === 'true';
    console.log(`${ci ? 'FAIL' : 'SKIP'}: ${pkg} is not installed in tests/runtime/clients (run scripts/install-test-tools.sh)`);
    process.exit(ci ? 1 : 77);
  }
}

// Resolves {addr, rootToken, stop()} once the server printed its address.
// `extraArgs` go after the dev-mode arguments (e.g. ['--db-executor', 'recording=FILE']).
// A self-signed certificate for IP 127.0.0.1 (it is its own CA) in a new temp folder.
function makeCertificate() {
  const { execFileSync } = require('node:child_process');
  const os = require('node:os');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'polcheck-tls-'));
  const cert = path.join(dir, 'cert.pem');
  const key = path.join(dir, 'key.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
                           '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1',
                           '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
  return { cert, key };
}

function startDevServer(binary, extraArgs = []) {
  let tls;
  const tlsArgs = [];
  if (process.env.POLCHECK_CLIENT_TLS === '1') {
    const { cert, key } = makeCertificate();
    tls = { ca: fs.readFileSync(cert, 'utf8'), caFile: cert };
    tlsArgs.push('--tls-cert-file', cert, '--tls-key-file', key);
  }
  return new Promise((resolve, reject) => {
    const child = spawn(binary, ['serve', '--dev', '--listen', '127.0.0.1:0', '--dev-root-token', 'root', ...tlsArgs,
                                 ...extraArgs],
                        { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error('server did not start: ' + out + err)); },
                             10000);
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const addr = /VAULT_ADDR='([^']+)'/.exec(out);
      const token = /Root Token: (\S+)/.exec(out);
      if (addr && token) {
        clearTimeout(timer);
        if (tls && !addr[1].startsWith('https://')) {
          child.kill('SIGKILL');
          reject(new Error('asked for TLS, the server answers on ' + addr[1]));
          return;
        }
        resolve({
          addr: addr[1],
          rootToken: token[1],
          tls,
          stop: () => new Promise((done) => { child.once('exit', done); child.kill('SIGTERM'); }),
        });
      }
    });
    child.stderr.on('data', (chunk) => { err += chunk; });
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`server exited with ${code}: ${out}${err}`)); });
  });
}

let failures = 0;
let passes = 0;
let skips = 0;
async function step(name, fn) {
  try {
    await fn();
    passes++;
    console.log(`ok   ${name}`);
  } catch (e) {
    if (e && e.skip) {
      skips++;
      console.log(`skip ${name}: ${e.message}`);
      return;
    }
    failures++;
    console.log(`FAIL ${name}: ${e && e.stack ? e.stack : e}`);
  }
}
function skip(message) { const e = new Error(message); e.skip = true; throw e; }

// Rejection of a client promise: returns the error (fails when it resolved).
async function rejection(promise) {
  try {
    await promise;
  } catch (e) {
    return e;
  }
  throw new Error('expected the call to fail, it succeeded');
}

// The SQL a `--db-executor recording=FILE` server recorded: one object per line
// {connection_url, kind, statements, params}.
function sqlLog(file) {
  if (!fs.existsSync(file)) {
    return [];
  }
  return fs.readFileSync(file, 'utf8').split('\n').filter((line) => line).map((line) => JSON.parse(line));
}

// A temporary file path for the SQL log of one client test.
function sqlLogPath(tag) {
  const os = require('node:os');
  return path.join(fs.mkdtempSync(path.join(os.tmpdir(), `polcheck-${tag}-`)), 'sql.jsonl');
}

function finish() {
  console.log(`${passes} passed, ${failures} failed, ${skips} skipped`);
  process.exit(failures ? 1 : 0);
}

module.exports = { requireInstalled, startDevServer, step, skip, rejection, finish, sqlLog, sqlLogPath };
