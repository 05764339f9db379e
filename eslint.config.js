export { default } from '@mesh/tooling/eslint';
