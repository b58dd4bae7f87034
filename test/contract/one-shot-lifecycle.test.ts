/**
 * Runs the one-shot lifecycle contract (./one-shot-lifecycle.ts) against every one-shot kind.
 * Only what each kind resolves to differs here.
 */
import { expect } from 'vitest'
import { prng, seedFromEnv } from '../helpers/prng.js'
import { sessionPairs } from '../ops/one-shot/op-helpers.js'
import { oneShotLifecycle, startKind, type OneShotKind, type OneShotName } from './one-shot-lifecycle.js'

const seed = seedFromEnv()
console.log(`one-shot lifecycle tests: SEED=${seed}`)
const pair = sessionPairs(prng(seed))

/** join and tryJoin: each side resolves with its own value. */
function expectOwnValues(results: readonly [unknown, unknown], values: readonly [unknown, unknown]): void {
  expect(results).toEqual(values)
}

/** exchange: each side resolves with the peer's value. */
function expectSwappedValues(results: readonly [unknown, unknown], values: readonly [unknown, unknown]): void {
  expect(results).toEqual([values[1], values[0]])
}

/** select and trySelect: exactly one side wins, with its own value. */
function expectOneWinner(results: readonly [unknown, unknown], values: readonly [unknown, unknown]): void {
  const leaderWon = (results[0] as { won?: unknown }).won === true
  expect(leaderWon ? results : [results[1], results[0]]).toEqual([{ won: true, value: leaderWon ? values[0] : values[1] }, { won: false }])
}

const kinds: [OneShotName, boolean, OneShotName, OneShotKind['expectCompleted']][] = [
  ['join', true, 'select', expectOwnValues],
  ['tryJoin', true, 'exchange', expectOwnValues],
  ['select', true, 'join', expectOneWinner],
  ['trySelect', true, 'tryJoin', expectOneWinner],
  ['exchange', false, 'join', expectSwappedValues],
]

for (const [name, runsWork, other, expectCompleted] of kinds) {
  oneShotLifecycle({ name, runsWork, other, expectCompleted, start: (session, work, options) => startKind(name, session, work, options) }, pair)
}
