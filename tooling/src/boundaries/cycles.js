// @ts-check
/** Strongly connected components (Tarjan) of a directed graph: every cycle, reported once. */

/**
 * Returns each cycle as the list of its nodes (components of size > 1, or a node with a self-edge).
 * @param {Map<string, Set<string>>} graph
 * @returns {string[][]}
 */
export function findCycles(graph) {
  let counter = 0;
  /** @type {Map<string, number>} */ const index = new Map();
  /** @type {Map<string, number>} */ const low = new Map();
  /** @type {string[]} */ const stack = [];
  const onStack = new Set();
  /** @type {string[][]} */ const cycles = [];

  /** @param {string} node */
  const connect = (node) => {
    index.set(node, counter);
    low.set(node, counter);
    counter += 1;
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!index.has(next)) {
        connect(next);
        low.set(
          node,
          Math.min(/** @type {number} */ (low.get(node)), /** @type {number} */ (low.get(next))),
        );
      } else if (onStack.has(next)) {
        low.set(
          node,
          Math.min(/** @type {number} */ (low.get(node)), /** @type {number} */ (index.get(next))),
        );
      }
    }
    if (low.get(node) === index.get(node)) {
      /** @type {string[]} */ const component = [];
      let member;
      do {
        member = /** @type {string} */ (stack.pop());
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1 || graph.get(node)?.has(node)) cycles.push(component.sort());
    }
  };

  for (const node of [...graph.keys()].sort()) if (!index.has(node)) connect(node);
  return cycles;
}
