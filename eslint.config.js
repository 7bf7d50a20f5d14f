// The linter `npm test` runs: typescript-eslint's recommended rules with the type-aware ones,
// limits that keep files and functions readable, and no eslint-disable without its reason.
import js from '@eslint/js'
import comments from '@eslint-community/eslint-plugin-eslint-comments/configs'
import globals from 'globals'
import tseslint from 'typescript-eslint'

/** Lines of code; blank lines and comments do not count. */
const codeLines = (max) => ({ max, skipBlankLines: true, skipComments: true })

export default tseslint.config(
  // schema.ts is generated from the OpenAPI document (npm run client:generate).
  { ignores: ['**/dist/', 'coverage/', 'test-artifacts/', 'public/dashboard/*.d.ts', 'clients/typescript/src/schema.ts'] },
  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  comments.recommended,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      '@eslint-community/eslint-comments/require-description': ['error', { ignore: [] }],
      '@eslint-community/eslint-comments/no-unused-disable': 'error',
      // `_name` marks a parameter a signature needs but the body does not.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // Fastify plugins, hooks and handlers are async by contract, and so are store methods that a
      // synchronous driver answers at once: an async function without await is normal here.
      '@typescript-eslint/require-await': 'off',
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      'no-shadow-restricted-names': 'error',
      'prefer-const': 'error',
    },
  },
  {
    files: ['src/**/*.ts'],
    rules: {
      'max-lines': ['error', codeLines(300)],
      'max-lines-per-function': ['error', codeLines(120)],
    },
  },
  {
    // A describe() callback lists tests rather than holding logic, so test files get the file
    // limit only. Tests read loosely typed JSON answers (`body: any`) on purpose.
    files: ['test/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.ts'],
    rules: {
      'max-lines': ['error', codeLines(300)],
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  {
    files: ['public/dashboard/*.js'],
    languageOptions: { globals: globals.browser },
    rules: {
      'max-lines': ['error', codeLines(300)],
      'max-lines-per-function': ['error', codeLines(120)],
    },
  },
  {
    // Scripts outside a tsconfig (examples, this file): plain JavaScript for Node, untyped.
    files: ['**/*.js', '**/*.mjs'],
    ignores: ['public/dashboard/*.js'],
    languageOptions: { globals: globals.node },
    extends: [tseslint.configs.disableTypeChecked],
  },
)
