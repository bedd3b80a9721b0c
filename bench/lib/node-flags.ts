/**
 * The Node flags `smart` runs with (bin/smart.js's shebang, `npm start`): the benches start their child
 * processes with them too, so they measure what a server runs. A test keeps the three in step.
 */
export const SERVER_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=32'];
