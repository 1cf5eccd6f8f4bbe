// ESLint: a small, strict rule set that pays for itself in this code base (promises that are dropped or passed
// where a callback is expected, type-only imports kept as such, unused names, loose equality). Formatting is
// Prettier's job (.prettierrc.json), so no stylistic rules here. Typed rules use the TypeScript project.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const HAND_BUILT_KEY =
  'a string joined with U+0000 is a hand-built key: for a partition use topicPartitionKey()/keyOf()/TopicPartitionMap ' +
  'from src/shared/topic-partition.ts; for another compound key, say why with an eslint-disable-next-line comment';

export default tseslint.config(
  {
    ignores: [
      'out/**',
      'dist/**',
      'node_modules/**',
      '.vscode-test/**',
      'reports/**',
      '.stryker-tmp/**',
      'test-artifacts/**',
      'demo-workspace/**',
    ],
  },
  {
    files: ['**/*.ts'],
    extends: [js.configs.recommended, ...tseslint.configs.recommended],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'separate-type-imports' }],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      // A default value overwritten inside a try block is how this code keeps a fallback; not worth a finding.
      'no-useless-assignment': 'off',
    },
  },
  {
    // A partition is a TopicPartition (src/shared/topic-partition.ts): a map key for one is topicPartitionKey() /
    // keyOf(), or a TopicPartitionMap, never a string joined by hand with U+0000. Two hand-built keys that differ
    // in a detail (order, separator, a prefix) never match, and nothing tells a reader what the string is.
    files: ['src/**/*.ts'],
    ignores: ['src/shared/topic-partition.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: 'TemplateLiteral > TemplateElement[value.cooked=/\\u0000/]',
          message: HAND_BUILT_KEY,
        },
        {
          selector: "BinaryExpression[operator='+'] > Literal[value=/\\u0000/]",
          message: HAND_BUILT_KEY,
        },
        {
          selector: "CallExpression[callee.property.name='join'] > Literal[value=/\\u0000/]",
          message: HAND_BUILT_KEY,
        },
      ],
    },
  },
  {
    // Test doubles stand in for many payload shapes; `any` there keeps them short.
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
