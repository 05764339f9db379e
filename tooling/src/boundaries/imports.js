// @ts-check
/** Extracts import specifiers from a source file with the TypeScript parser. */
import { readFileSync } from 'node:fs';
import ts from 'typescript';

/**
 * @typedef {object} ImportRef
 * @property {string} specifier The module specifier as written.
 * @property {boolean} typeOnly  True for `import type` / `export type … from`: erased at compile time.
 * @property {number} line      1-based line of the import.
 */

/**
 * Every static import, re-export and literal dynamic `import()` of a file.
 * @param {string} file
 * @returns {ImportRef[]}
 */
export function readImports(file) {
  const text = readFileSync(file, 'utf8');
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  /** @type {ImportRef[]} */
  const refs = [];
  /** @param {ts.Node} node @param {string} specifier @param {boolean} typeOnly */
  const add = (node, specifier, typeOnly) =>
    refs.push({
      specifier,
      typeOnly,
      line: source.getLineAndCharacterOfPosition(node.getStart()).line + 1,
    });

  /** @param {ts.Node} node */
  const visit = (node) => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.importClause;
      const typeOnly =
        !!clause &&
        (clause.isTypeOnly ||
          (!clause.name &&
            !!clause.namedBindings &&
            ts.isNamedImports(clause.namedBindings) &&
            clause.namedBindings.elements.length > 0 &&
            clause.namedBindings.elements.every((e) => e.isTypeOnly)));
      add(node, node.moduleSpecifier.text, typeOnly);
    } else if (
      ts.isExportDeclaration(node) &&
      node.moduleSpecifier &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      const typeOnly =
        node.isTypeOnly ||
        (!!node.exportClause &&
          ts.isNamedExports(node.exportClause) &&
          node.exportClause.elements.length > 0 &&
          node.exportClause.elements.every((e) => e.isTypeOnly));
      add(node, node.moduleSpecifier.text, typeOnly);
    } else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments.length > 0 &&
      ts.isStringLiteralLike(/** @type {ts.Expression} */ (node.arguments[0]))
    ) {
      add(node, /** @type {ts.StringLiteralLike} */ (node.arguments[0]).text, false);
    } else if (
      ts.isImportTypeNode(node) &&
      ts.isLiteralTypeNode(node.argument) &&
      ts.isStringLiteral(node.argument.literal)
    ) {
      add(node, node.argument.literal.text, true);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return refs;
}
