/*
 * certificates.mjs — a self-signed certificate for 127.0.0.1, made with Debian's openssl,
 * for the gateway's TLS in the interop tests (not a test file itself).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/* Writes cert.pem and key.pem into `dir` (valid one day, subjectAltName IP:127.0.0.1, so
 * clients that verify the certificate accept it); returns their paths and contents. */
export function selfSigned(dir) {
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=kafdo-test',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      keyFile,
      '-out',
      certFile,
    ],
    { stdio: 'ignore' },
  );
  return { certFile, cert: readFileSync(certFile), key: readFileSync(keyFile) };
}
