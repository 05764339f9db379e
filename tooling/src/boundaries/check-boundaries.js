// @ts-check
/**
 * The package-boundary check. It reads a workspace and reports every violation of the five rules
 * of docs/architecture.md, each with the file (and line) and the rule it breaks:
 *
 * 1. `contract-purity`      @mesh/daemonapi has no runtime dependency and imports nothing but its own files.
 * 2. `runtime-neutral`      @mesh/wire and @mesh/protocol have no runtime dependency and their main entry
 *                           reaches no Node built-in (Node-only helpers live in a subpath such as `./node`).
 * 3. `plugin-dependencies`  a packages/plugin-* package depends on no @mesh package but @mesh/daemonapi,
 *                           which it lists as a peer and a dev dependency.
 * 4. `no-internal-imports`  no file reaches into another package: bare imports stay inside the exports map,
 *                           relative imports stay inside their own package, and workspace packages that are
 *                           imported are declared in package.json.
 * 5. `no-cycles`            no cycle between packages, and no runtime import cycle between the files of a package
 *                           (type-only imports are erased at compile time and cannot cause load-order bugs).
 */
import path from 'node:path';
import { findCycles } from './cycles.js';
import { readImports } from './imports.js';
import { isNodeBuiltin, isRelative, resolveRelative, splitBareSpecifier } from './resolve.js';
import { dependencyNames, entrySource, isExported, readWorkspace } from './workspace.js';

/**
 * @typedef {'contract-purity' | 'runtime-neutral' | 'plugin-dependencies' | 'no-internal-imports' | 'no-cycles'} RuleId
 * @typedef {object} Violation
 * @property {RuleId} rule
 * @property {string} file    Path relative to the workspace root (with `:line` where one applies).
 * @property {string} message What is wrong and what to do instead.
 * @typedef {import('./workspace.js').WorkspacePackage} WorkspacePackage
 */

/** The boundary roles of the real workspace; a fixture may pass its own. */
export const DEFAULT_ROLES = Object.freeze({
  scope: '@mesh/',
  contract: '@mesh/daemonapi',
  neutral: Object.freeze(['@mesh/wire', '@mesh/protocol']),
  pluginDirPrefix: 'packages/plugin-',
});

const RUNTIME_KINDS = ['dependencies', 'peerDependencies', 'optionalDependencies'];
const ALL_KINDS = [...RUNTIME_KINDS, 'devDependencies'];

/**
 * Checks the workspace at `root` and returns every violation (empty when the boundaries hold).
 * @param {string} root
 * @param {typeof DEFAULT_ROLES} [roles]
 * @returns {Violation[]}
 */
export function checkBoundaries(root, roles = DEFAULT_ROLES) {
  const packages = readWorkspace(root);
  const byName = new Map(packages.map((pkg) => [pkg.name, pkg]));
  /** @type {Violation[]} */
  const violations = [];
  /** @param {RuleId} rule @param {string} file @param {string} message */
  const report = (rule, file, message) =>
    violations.push({ rule, file: path.relative(root, file).split(path.sep).join('/'), message });
  /** @type {Map<string, import('./imports.js').ImportRef[]>} */
  const importsOf = new Map();
  const imports = (/** @type {string} */ file) => {
    let refs = importsOf.get(file);
    if (!refs) importsOf.set(file, (refs = readImports(file)));
    return refs;
  };

  for (const pkg of packages) {
    const manifestFile = path.join(pkg.dir, 'package.json');
    const runtimeDeps = dependencyNames(pkg.manifest, RUNTIME_KINDS);
    const srcFiles = pkg.files.filter((file) =>
      file.startsWith(path.join(pkg.dir, 'src') + path.sep),
    );

    // Rule 1: the contract package is types plus the registry, and nothing else.
    if (pkg.name === roles.contract) {
      for (const dep of runtimeDeps)
        report(
          'contract-purity',
          manifestFile,
          `${pkg.name} must have zero runtime dependencies, but lists "${dep}".`,
        );
      for (const file of srcFiles)
        for (const ref of imports(file))
          if (!isRelative(ref.specifier))
            report(
              'contract-purity',
              `${file}:${ref.line}`,
              `${pkg.name} may import only its own files, not "${ref.specifier}".`,
            );
    }

    // Rule 2: codecs run in browsers, Deno and Bun.
    if (roles.neutral.includes(pkg.name)) {
      for (const dep of dependencyNames(pkg.manifest, ['dependencies', 'optionalDependencies']))
        report(
          'runtime-neutral',
          manifestFile,
          `${pkg.name} must have zero runtime dependencies, but lists "${dep}".`,
        );
      const entry = entrySource(pkg, '.');
      if (entry) {
        for (const [file, ref] of reachableImports(entry, imports))
          if (isNodeBuiltin(ref.specifier))
            report(
              'runtime-neutral',
              `${file}:${ref.line}`,
              `${pkg.name}'s main entry reaches "${ref.specifier}"; move Node-only code to a subpath such as "./node".`,
            );
      }
    }

    // Rule 3: plugins see the engine only through the contract.
    /** Test tools a plugin may use in its own tests: private tooling and other plugin-* packages. */
    const devTool = (/** @type {string} */ dep) =>
      Object.hasOwn(pkg.manifest.devDependencies ?? {}, dep) &&
      (byName.get(dep)?.manifest.private === true ||
        byName.get(dep)?.relDir.startsWith(roles.pluginDirPrefix) === true);
    if (pkg.relDir.startsWith(roles.pluginDirPrefix)) {
      for (const kind of ALL_KINDS)
        for (const dep of Object.keys(pkg.manifest[kind] ?? {}))
          if (
            dep.startsWith(roles.scope) &&
            dep !== roles.contract &&
            !(kind === 'devDependencies' && devTool(dep))
          )
            report(
              'plugin-dependencies',
              manifestFile,
              `plugin ${pkg.name} may depend on no @mesh package but ${roles.contract}; it lists "${dep}" in ${kind}.`,
            );
      if (Object.hasOwn(pkg.manifest.dependencies ?? {}, roles.contract))
        report(
          'plugin-dependencies',
          manifestFile,
          `plugin ${pkg.name} must list ${roles.contract} as a peerDependency, not a dependency (one copy per daemon).`,
        );
      for (const kind of ['peerDependencies', 'devDependencies'])
        if (!Object.hasOwn(pkg.manifest[kind] ?? {}, roles.contract))
          report(
            'plugin-dependencies',
            manifestFile,
            `plugin ${pkg.name} must list ${roles.contract} in ${kind}.`,
          );
      for (const file of pkg.files)
        for (const ref of imports(file)) {
          const [name] = splitBareSpecifier(ref.specifier);
          if (
            !isRelative(ref.specifier) &&
            name.startsWith(roles.scope) &&
            name !== roles.contract &&
            !devTool(name)
          )
            report(
              'plugin-dependencies',
              `${file}:${ref.line}`,
              `plugin ${pkg.name} imports "${ref.specifier}"; plugins reach the engine only through ${roles.contract}.`,
            );
        }
    }

    // Rule 4: only exported paths of declared packages; never another package's files.
    const declared = new Set(dependencyNames(pkg.manifest, ALL_KINDS));
    for (const file of pkg.files)
      for (const ref of imports(file)) {
        if (isRelative(ref.specifier)) {
          const target = resolveRelative(file, ref.specifier);
          if (target && !target.startsWith(pkg.dir + path.sep))
            report(
              'no-internal-imports',
              `${file}:${ref.line}`,
              `"${ref.specifier}" reaches outside ${pkg.name}; import the other package by name through its exports map.`,
            );
          continue;
        }
        const [name, subpath] = splitBareSpecifier(ref.specifier);
        const other = byName.get(name);
        if (!other) continue;
        if (other === pkg && subpath === '.') continue;
        if (!isExported(other.manifest, subpath))
          report(
            'no-internal-imports',
            `${file}:${ref.line}`,
            `"${ref.specifier}" is not in ${name}'s exports map; import a public entry point instead.`,
          );
        else if (other !== pkg && !declared.has(name))
          report(
            'no-internal-imports',
            `${file}:${ref.line}`,
            `${pkg.name} imports "${ref.specifier}" but does not declare ${name} in package.json.`,
          );
      }
  }

  // Rule 5a: no cycles between packages (declared dependencies of every kind, as turbo orders builds by them).
  /** @type {Map<string, Set<string>>} */
  const packageGraph = new Map();
  for (const pkg of packages)
    packageGraph.set(
      pkg.name,
      new Set(
        dependencyNames(pkg.manifest, ALL_KINDS).filter(
          (dep) => byName.has(dep) && dep !== pkg.name,
        ),
      ),
    );
  for (const pkg of packages)
    for (const file of pkg.files)
      for (const ref of imports(file)) {
        const [name] = splitBareSpecifier(ref.specifier);
        if (!isRelative(ref.specifier) && byName.has(name) && name !== pkg.name)
          packageGraph.get(pkg.name)?.add(name);
      }
  for (const cycle of findCycles(packageGraph)) {
    const first = /** @type {WorkspacePackage} */ (byName.get(cycle[0] ?? ''));
    report(
      'no-cycles',
      path.join(first.dir, 'package.json'),
      `import cycle between packages: ${cycle.join(' → ')} → ${cycle[0]}.`,
    );
  }

  // Rule 5b: no runtime import cycle between the files of one package.
  for (const pkg of packages) {
    /** @type {Map<string, Set<string>>} */
    const fileGraph = new Map();
    for (const file of pkg.files) {
      const edges = new Set();
      for (const ref of imports(file)) {
        if (ref.typeOnly || !isRelative(ref.specifier)) continue;
        const target = resolveRelative(file, ref.specifier);
        if (target && target.startsWith(pkg.dir + path.sep)) edges.add(target);
      }
      fileGraph.set(file, edges);
    }
    for (const cycle of findCycles(fileGraph)) {
      const names = cycle.map((file) => path.relative(pkg.dir, file).split(path.sep).join('/'));
      report(
        'no-cycles',
        cycle[0] ?? pkg.dir,
        `import cycle inside ${pkg.name}: ${names.join(' → ')} → ${names[0]}.`,
      );
    }
  }

  return violations;
}

/**
 * Every import reachable from `entry` through relative imports, with the file that makes it.
 * @param {string} entry
 * @param {(file: string) => import('./imports.js').ImportRef[]} imports
 * @returns {[string, import('./imports.js').ImportRef][]}
 */
function reachableImports(entry, imports) {
  /** @type {[string, import('./imports.js').ImportRef][]} */
  const out = [];
  const seen = new Set([entry]);
  const queue = [entry];
  while (queue.length > 0) {
    const file = /** @type {string} */ (queue.shift());
    for (const ref of imports(file)) {
      out.push([file, ref]);
      if (!isRelative(ref.specifier)) continue;
      const target = resolveRelative(file, ref.specifier);
      if (target && !seen.has(target)) {
        seen.add(target);
        queue.push(target);
      }
    }
  }
  return out;
}

/**
 * Formats violations for a terminal, one per line: `rule  file  message`.
 * @param {Violation[]} violations
 */
export function formatViolations(violations) {
  return violations.map((v) => `✗ [${v.rule}] ${v.file}\n    ${v.message}`).join('\n');
}
