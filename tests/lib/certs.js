/**
 * A self-signed TLS certificate for the fake sites, made by the test with openssl (the
 * browser runs with --ignore-certificate-errors; the certificate only has to exist).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/**
 * @param {string} dir where to write key.pem and cert.pem
 * @param {string[]} hosts names for the subjectAltName
 * @returns {{key: Buffer, cert: Buffer}}
 */
export function selfSignedCert(dir, hosts) {
  const key = path.join(dir, 'key.pem');
  const cert = path.join(dir, 'cert.pem');
  const san = hosts.map((h) => `DNS:${h}`).join(',');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=lifeguard-e2e', '-addext', `subjectAltName=${san}`], { stdio: 'ignore' });
  return { key: fs.readFileSync(key), cert: fs.readFileSync(cert) };
}
