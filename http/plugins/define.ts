import type { FastifyInstance, FastifyPluginAsync } from "fastify";

/**
 * Marks an app plugin the way `fastify-plugin` does: not encapsulated (its decorators and
 * hooks apply to the whole app), named, with declared dependencies that fastify checks.
 */
export function definePlugin<O extends Record<string, unknown>>(
  name: string,
  fn: (app: FastifyInstance, options: O) => Promise<void>,
  dependencies: string[] = [],
): FastifyPluginAsync<O> {
  const plugin = fn as FastifyPluginAsync<O> & Record<symbol, unknown>;
  plugin[Symbol.for("skip-override")] = true;
  plugin[Symbol.for("fastify.display-name")] = name;
  plugin[Symbol.for("plugin-meta")] = { name, dependencies, fastify: "5.x" };
  return plugin;
}
