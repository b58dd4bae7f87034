// The Vite plugin that runs the signalling relay (relay.ts) inside Vite's own dev and preview
// servers, so the demo and the examples need no second process. vite.config.ts uses it.
import type { Logger, Plugin, ViteDevServer } from 'vite'
import { attachRelay } from './relay.js'

export interface RelayPluginOptions {
  /** Forward only 127.0.0.1 ICE candidates (the browser tests). @default false */
  loopbackOnly?: boolean
  /** Print every relay decision (candidates passed or dropped). @default false */
  log?: boolean
  /** Printed after Vite's URL lines: what to open, and what to do there. */
  hint?: string
}

type HttpServer = NonNullable<ViteDevServer['httpServer']>

/** Attaches the relay at `/relay` of the server; prints the relay URL once listening. */
function attachToServer(httpServer: HttpServer | null, logger: Logger, options: RelayPluginOptions): void {
  if (!httpServer) return // middleware mode: the embedding app owns the server
  const loopbackOnly = options.loopbackOnly ?? false
  const relay = attachRelay(httpServer, {
    loopbackOnly,
    log: options.log === true ? (line) => logger.info(`[relay] ${line}`) : undefined,
  })
  httpServer.once('close', () => relay.close())
  httpServer.once('listening', () => {
    const address = httpServer.address()
    if (address === null || typeof address === 'string') return
    // e2e/playwright.config.ts waits for this exact line to learn the port.
    logger.info(
      `[netbeam] relay ws://${address.address}:${address.port}/relay` +
        (loopbackOnly ? ' (test mode: loopback candidates only)' : ''),
    )
  })
}

/** After Vite's own URL lines, the hint. */
function addHint(server: { printUrls(): void; config: { logger: Logger } }, hint: string | undefined): void {
  if (hint === undefined) return
  const printUrls = server.printUrls.bind(server)
  server.printUrls = () => {
    printUrls()
    server.config.logger.info(`\n${hint}\n`)
  }
}

/** The relay on the dev server (`vite`) and the preview server (`vite preview`). */
export function relayPlugin(options: RelayPluginOptions = {}): Plugin {
  return {
    name: 'netbeam-relay',
    configureServer(server) {
      attachToServer(server.httpServer, server.config.logger, options)
      addHint(server, options.hint)
    },
    configurePreviewServer(server) {
      attachToServer(server.httpServer, server.config.logger, options)
      addHint(server, options.hint)
    },
  }
}
