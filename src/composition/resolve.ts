/** The typed resolve lives with the plugin contract (plugins use it, and never import the composition). */
export { resolve } from '../plugins/resolve.js';
