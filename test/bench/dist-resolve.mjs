/**
 * Module hook for use-dist.mjs: the modules behind the public API resolve to dist/index.js. Importing
 * one of them for something the library does not export fails at link time, loudly. Modules not
 * listed (small helpers outside the API, such as the floor round's waitUntil) still load from src.
 */
const PUBLIC = ['session', 'transport/data-channel', 'transport/simple-peer', 'transport/websocket', 'transport/memory', 'base/errors']

let dist = ''
let src = ''

export function initialize(data) {
  dist = data.dist
  src = data.src
}

export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context)
  // src modules left on src (see above) keep their own imports.
  if (!resolved.url.startsWith(src) || context.parentURL?.startsWith(src)) return resolved
  const module = resolved.url.slice(src.length).replace(/\.(ts|js)$/, '')
  return PUBLIC.includes(module) ? { url: dist, shortCircuit: true } : resolved
}
