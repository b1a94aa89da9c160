/*
 * The TypeScript generated from the core's sources (scripts/gen-core-tables.mjs) is what
 * those sources give: the committed copy is checked, a source changed without it being
 * regenerated is caught, and the table says what the core's list says.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { readAbi, readErrors } from '../../scripts/gen-core-tables.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const GEN = join(ROOT, 'scripts', 'gen-core-tables.mjs');

function run(args) {
  try {
    return { status: 0, out: execFileSync(process.execPath, [GEN, ...args], { encoding: 'utf8', stdio: 'pipe' }) };
  } catch (e) {
    return { status: e.status, out: `${e.stdout}${e.stderr}` };
  }
}

describe('generated tables', () => {
  /* A copy of the sources and the generated files, for each test to change and check. */
  const copy = mkdtempSync(join(tmpdir(), 'kafdo-gen-'));
  const fresh = () => {
    rmSync(copy, { recursive: true, force: true });
    for (const dir of ['src-c', 'worker/common/generated', 'wasm/generated'])
      cpSync(join(ROOT, dir), join(copy, dir), { recursive: true });
  };
  after(() => rmSync(copy, { recursive: true, force: true }));

  it('are committed as the sources give them', () => {
    const { status, out } = run(['--check']);
    assert.equal(status, 0, out);
  });

  it('are reported stale when a source changes without them', () => {
    fresh();
    assert.equal(run(['--check', '--root', copy]).status, 0);
    const def = join(copy, 'src-c', 'errors.def');
    writeFileSync(
      def,
      readFileSync(def, 'utf8').replace(
        'KD_KAFKA_ERROR(UNKNOWN_CONTROLLER_ID, 116, 0)',
        'KD_KAFKA_ERROR(UNKNOWN_CONTROLLER_ID, 116, 0)\nKD_KAFKA_ERROR(NEXT_ONE, 117, 0)',
      ),
    );
    const stale = run(['--check', '--root', copy]);
    assert.equal(stale.status, 1);
    assert.match(stale.out, /worker\/common\/generated\/errors\.ts/);
    assert.equal(run(['--root', copy]).status, 0);
    assert.match(readFileSync(join(copy, 'worker/common/generated/errors.ts'), 'utf8'), /NEXT_ONE: 117,/);
  });

  it("hold kafdo.h's constants as the compiler computes them, and follow a change to one", () => {
    const abi = new Map(readAbi(readFileSync(join(ROOT, 'src-c', 'kafdo.h'), 'utf8')).map((c) => [c.name, c.value]));
    assert.equal(abi.get('KD_TIMESTAMP_DERIVE'), -(2n ** 63n)); // INT64_MIN
    assert.equal(abi.get('KD_MAX_OFFSET'), 2n ** 53n); // (INT64_C(1) << 53)
    assert.equal(abi.get('KD_MAX_STORED_BATCH_BYTES'), abi.get('KD_ROW_LIMIT_BYTES') - 1024n); // from another define
    assert.equal(abi.get('KD_MAX_READ_BYTES'), 16n * 1024n * 1024n);
    assert.equal(abi.get('KD_ATTR_CONTROL'), 0x20n);
    assert.ok(!abi.has('KD_EXPORT'), 'function-like macros are not constants');
    assert.throws(() => readAbi('#define KD_B (KD_A + 1)\n'), /KD_A, which is not defined above it/);

    fresh();
    const h = join(copy, 'src-c', 'kafdo.h');
    writeFileSync(
      h,
      readFileSync(h, 'utf8').replace('#define KD_APPEND_RESULT_SIZE 40', '#define KD_APPEND_RESULT_SIZE 48'),
    );
    const stale = run(['--check', '--root', copy]);
    assert.equal(stale.status, 1);
    assert.match(stale.out, /wasm\/generated\/abi\.ts/);
  });

  it('hold every row of errors.def, and refuse one they cannot read', () => {
    const { kafka, core } = readErrors(readFileSync(join(ROOT, 'src-c', 'errors.def'), 'utf8'));
    assert.equal(kafka.length, 118); // UNKNOWN_SERVER_ERROR (-1), NONE (0), 1..116
    assert.deepEqual(
      kafka.find((e) => e.name === 'UNKNOWN_TOPIC_OR_PARTITION'),
      { name: 'UNKNOWN_TOPIC_OR_PARTITION', code: 3, retriable: true },
    );
    assert.deepEqual(
      core.map((e) => [e.name, e.code, e.kafkaCode, e.retriable]),
      [
        ['KD_ERR_NOMEM', -1, -1, false],
        ['KD_ERR_STORAGE', -2, 56, true],
        ['KD_ERR_INVALID_ARG', -3, -1, false],
        ['KD_ERR_COLD', -4, -1, false],
      ],
    );
    assert.throws(() => readErrors('KD_KAFKA_ERROR(BAD, x, 0)\n'), /cannot read/);
    assert.throws(() => readErrors('KD_CORE_ERROR(X, -9, NO_SUCH_ERROR, 0)\n'), /no Kafka error/);
  });
});
