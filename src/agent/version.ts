/** The Node agent's own version, sent with every upload so the server can tell old agents apart. */
export const AGENT_VERSION = '1.0.0';

export const USER_AGENT = `smart-agent/${AGENT_VERSION}`;
