// Size limits only, checked by `npm test`: small files that each do one thing, short functions.
// Counted as an editor shows them (comments and blank lines included).
import tseslint from 'typescript-eslint'

export default [
  {
    files: ['src/**/*.ts'],
    // src/codec/ belongs to the codec step of issue 12 (cborg vs cbor-x, the hand-written plain
    // CBOR path being removed); its guard is refactored or replaced there, not here.
    ignores: ['src/codec/cbor-guard.ts'],
    languageOptions: { parser: tseslint.parser },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      'max-lines': ['error', { max: 250 }],
      'max-lines-per-function': ['error', { max: 60 }],
    },
  },
]
