// Lint rules that protect the architecture as much as the style.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '.stack/**', '**/*.d.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: false },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@lrstream/*/src/*', '@lrstream/*/dist/*'],
              message: 'Import a package by its name only.',
            },
          ],
        },
      ],
    },
  },
  {
    // kafkajs is in maintenance mode: one module of ours imports it, so swapping clients stays local.
    files: ['**/*.ts'],
    ignores: ['shared/kafka/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'kafkajs', message: 'Use @lrstream/kafka.' },
            { name: '@kafkajs/confluent-schema-registry', message: 'Use @lrstream/kafka.' },
          ],
          patterns: [
            {
              group: ['@lrstream/*/src/*', '@lrstream/*/dist/*'],
              message: 'Import a package by its name only.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.mjs', '**/*.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
);
